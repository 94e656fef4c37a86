/**
 * Stage one of the curation flow, run once per input batch: read the batch's files, decode them, and
 * pass them through opt-outs, language, quality filters and secret redaction. License files are
 * matched on the way (before any filter may drop them), since a repository's license applies to files
 * in other batches too: the join merges that evidence before licenses are applied.
 */
import { createHash } from 'node:crypto';
import { decodeItem, readBatch, type Batch } from '../ingest/index.js';
import { qualityStep } from '../filters/index.js';
import { languageStep } from '../language/index.js';
import { scanLicenseFile } from '../license/index.js';
import { optoutStep, type OptOutSnapshot } from '../optout/index.js';
import { PipelineStats, runPipeline, type Doc, type PipelineStatsJSON } from '../pipeline.js';
import { secretsStep } from '../secrets/index.js';
import type { ResolvedStackConfig } from './config.js';

/** A license file seen in a repository: its path and the SPDX ids it matched. */
export interface LicenseEvidence {
  repo: string;
  path: string;
  ids: string[];
}

export interface ScanResult {
  docs: Doc[];
  evidence: LicenseEvidence[];
  /** sha256 over what was read (ids, bytes, skips), in order: the batch's input digest. */
  inputDigest: string;
  stats: PipelineStatsJSON;
}

/** The repository a document belongs to ('' when the source names none: the whole source is one). */
export const repoOf = (doc: Pick<Doc, 'meta'>): string => (typeof doc.meta.repo === 'string' ? doc.meta.repo : '');

export async function scanBatch(batch: Batch | string, config: ResolvedStackConfig, optout: OptOutSnapshot): Promise<ScanResult> {
  const stats = new PipelineStats();
  const steps = [optoutStep(optout), languageStep(), qualityStep(), secretsStep({ salt: config.redactSalt || undefined })];
  const hash = createHash('sha256');
  const docs: Doc[] = [];
  const evidence: LicenseEvidence[] = [];
  for await (const item of readBatch(batch, { maxBytes: config.maxFileBytes })) {
    if (item.type === 'skip') hash.update(`skip\0${item.path}\0${item.reason}\n`);
    else hash.update(`file\0${item.record.id}\0${item.record.bytes.length}\0`).update(item.record.bytes);
    const doc = decodeItem(item, stats, { maxBytes: config.maxFileBytes });
    if (!doc) {
      stats.docsIn++; // read and dropped at ingest: in = dropped + published, whatever stage dropped it
      continue;
    }
    const lic = scanLicenseFile(doc.path, doc.content);
    if (lic && lic.ids.length > 0) evidence.push({ repo: repoOf(doc), path: doc.path, ids: [...lic.ids] });
    const kept = runPipeline(steps, doc, stats);
    if (kept) docs.push(kept);
  }
  return { docs, evidence, inputDigest: hash.digest('hex'), stats: countsOnly(stats) };
}

/** Stats without timings: counts are the same on every run, timings never are. */
export function countsOnly(stats: PipelineStats): PipelineStatsJSON {
  const json = stats.toJSON();
  for (const s of Object.values(json.steps)) s.ms = 0;
  return json;
}
