/**
 * The last stage: every batch's surviving documents, in batch order, minus the duplicates the dedup
 * join dropped, written as one dataset version with its manifest. The counts merge every stage's
 * stats, so each dropped file shows up under exactly one reason.
 */
import type { DedupReport } from '../dedup/index.js';
import { DatasetExistsError, DatasetWriter, MANIFEST_NAME, openSink, type WrittenDataset } from '../manifest/index.js';
import type { OptOutSnapshot } from '../optout/index.js';
import { PipelineStats, type Doc, type PipelineStatsJSON } from '../pipeline.js';
import { hashedConfig, type ResolvedStackConfig } from './config.js';

export interface PublishInput {
  config: ResolvedStackConfig;
  /** Documents of batch p, loaded when publishing reaches it. */
  batches: ReadonlyArray<() => Doc[]>;
  /** Dedup's verdict (absent when dedup is off). */
  report?: DedupReport;
  /** Stats of every stage and batch, to merge (documents are counted in by the first stage only). */
  stats: readonly PipelineStatsJSON[];
  /** Input digests by batch label. */
  inputs: Record<string, string>;
  optout: OptOutSnapshot;
}

export async function publishDataset(p: PublishInput): Promise<WrittenDataset> {
  const stats = new PipelineStats();
  for (const s of p.stats) stats.merge(s);
  const dropped = new Map<number, Set<number>>();
  for (const d of p.report?.dropped ?? []) {
    let set = dropped.get(d.partition);
    if (!set) dropped.set(d.partition, (set = new Set()));
    set.add(d.index);
    stats.drop(`dedup:${d.reason}`);
  }
  const c = p.config;
  const writer = await DatasetWriter.create({
    dest: c.out, name: c.name, version: c.version, shardBytes: c.shardBytes, config: hashedConfig(c),
    inputs: p.inputs, optout: p.optout, extraFields: ['stars', 'findings'],
    // The flow's start refused an existing dataset (checkOutput). Here, one may be there only because this
    // task ran before and its worker died before reporting: the redelivery writes the same bytes again.
    overwrite: true,
  });
  let written = 0;
  try {
    for (let b = 0; b < p.batches.length; b++) {
      const skip = dropped.get(b);
      const list = p.batches[b]!();
      for (let i = 0; i < list.length; i++) {
        if (skip?.has(i)) continue;
        await writer.write(list[i]!);
        written++;
      }
    }
  } catch (err) {
    await writer.abort();
    throw err;
  }
  // In: files that entered the pipeline; out: files published.
  return writer.finish({ stats: { ...stats.toJSON(), out: written } });
}

/** Fails early (before any batch is read) when `out` already holds a dataset and overwrite is off. */
export async function checkOutput(config: ResolvedStackConfig): Promise<void> {
  if (config.overwrite) return;
  const sink = await openSink(config.out);
  try {
    if ((await sink.get(MANIFEST_NAME)) !== undefined) throw new DatasetExistsError(sink.url);
  } finally {
    await sink.close();
  }
}
