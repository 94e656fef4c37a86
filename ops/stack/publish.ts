/**
 * The last stage: every batch's surviving documents, in batch order, minus the duplicates the dedup
 * join dropped, written as one dataset version with its manifest: each batch's shards by a task of
 * its own (publishPart), then the manifest (finishPublish). The counts merge every stage's
 * stats, so each dropped file shows up under exactly one reason.
 */
import type { DedupReport } from '../dedup/index.js';
import { DatasetExistsError, finishDataset, MANIFEST_NAME, openSink, writeDatasetPart, type DatasetPart, type WrittenDataset } from '../manifest/index.js';
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

/** Documents of batch `part` that dedup kept, in order. */
function survivors(docs: readonly Doc[], part: number, report: DedupReport | undefined): Doc[] {
  const skip = new Set<number>();
  for (const d of report?.dropped ?? []) if (d.partition === part) skip.add(d.index);
  return skip.size === 0 ? [...docs] : docs.filter((_, i) => !skip.has(i));
}

const EXTRA_FIELDS = ['stars', 'findings'];

/**
 * One batch's surviving documents as its own shards (`data/part-<batch>-<n>.jsonl.gz`): batches are
 * written in parallel, by as many tasks, and `finishPublish` writes the manifest once all are done.
 */
export async function publishPart(config: ResolvedStackConfig, part: number, docs: readonly Doc[], report?: DedupReport): Promise<DatasetPart> {
  return writeDatasetPart(survivors(docs, part, report), {
    dest: config.out, name: config.name, version: config.version, shardBytes: config.shardBytes, extraFields: EXTRA_FIELDS, part,
  });
}

export interface FinishInput {
  config: ResolvedStackConfig;
  /** Every batch's part, in batch order. */
  parts: readonly DatasetPart[];
  /** Dedup's verdict (absent when dedup is off): each dropped file is counted under its reason. */
  report?: DedupReport;
  /** Stats of every stage and batch, to merge (documents are counted in by the first stage only). */
  stats: readonly PipelineStatsJSON[];
  /** Input digests by batch label. */
  inputs: Record<string, string>;
  optout: OptOutSnapshot;
}

/** manifest.json over every part, with the counts of every stage: the version is complete. */
export async function finishPublish(p: FinishInput): Promise<WrittenDataset> {
  const stats = new PipelineStats();
  for (const s of p.stats) stats.merge(s);
  for (const d of p.report?.dropped ?? []) stats.drop(`dedup:${d.reason}`);
  const c = p.config;
  const published = p.parts.reduce((n, part) => n + part.shards.reduce((k, s) => k + s.docs, 0), 0);
  return finishDataset(p.parts, {
    dest: c.out, name: c.name, version: c.version, shardBytes: c.shardBytes, config: hashedConfig(c),
    inputs: p.inputs, optout: p.optout, extraFields: EXTRA_FIELDS,
    // The flow's start refused an existing dataset (checkOutput). Here, one may be there only because this
    // task ran before and its worker died before reporting: the redelivery writes the same bytes again.
    overwrite: true,
    // In: files that entered the pipeline; out: files published.
    stats: { ...stats.toJSON(), out: published },
  });
}

/** Every batch, one after the other, then the manifest: the same dataset as parts written in parallel. */
export async function publishDataset(p: PublishInput): Promise<WrittenDataset> {
  const parts: DatasetPart[] = [];
  for (let b = 0; b < p.batches.length; b++) parts.push(await publishPart(p.config, b, p.batches[b]!(), p.report));
  return finishPublish({ ...p, parts });
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
