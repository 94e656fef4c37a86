/**
 * Stage two: repository-level licenses. The join merges every batch's license evidence into one table
 * (repository -> license files); each batch then gives every document the licenses of the nearest
 * license files above it, its own SPDX header, and any licenses its dataset row named, and applies
 * the policy (The Stack v2: keep permissive and no_license).
 */
import { licenseIndex, licenseStep, type FileLicenses, type FoundLicenseFile, type RepoFile, type LicenseType } from '../license/index.js';
import { PipelineStats, runPipeline, type Doc, type PipelineStatsJSON } from '../pipeline.js';
import { countsOnly, repoOf, type LicenseEvidence } from './scan.js';

/** Repository -> its license files, sorted by path (so the table is the same however batches arrive). */
export type RepoLicenseTable = Record<string, FoundLicenseFile[]>;

export function mergeEvidence(lists: Iterable<readonly LicenseEvidence[]>): RepoLicenseTable {
  const byRepo = new Map<string, Map<string, Set<string>>>();
  for (const list of lists) {
    for (const e of list) {
      let files = byRepo.get(e.repo);
      if (!files) byRepo.set(e.repo, (files = new Map()));
      let ids = files.get(e.path);
      if (!ids) files.set(e.path, (ids = new Set()));
      for (const id of e.ids) ids.add(id);
    }
  }
  const table: RepoLicenseTable = {};
  for (const repo of [...byRepo.keys()].sort()) {
    const files = byRepo.get(repo)!;
    table[repo] = [...files.keys()].sort().map((path) => ({ path, ids: [...files.get(path)!].sort() }));
  }
  return table;
}

/** Licenses a dataset row named (`meta.license`, a list since ingest). */
function rowLicenses(doc: Doc): string[] {
  const v = doc.meta.license;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string' && x !== '') : [];
}

export interface LicensedBatch {
  docs: Doc[];
  stats: PipelineStatsJSON;
}

export function applyLicenses(docs: readonly Doc[], table: RepoLicenseTable, keep: readonly LicenseType[]): LicensedBatch {
  const stats = new PipelineStats();
  // One index per repository: a directory source is one repository with thousands of license files.
  const indexes = new Map<string, (file: RepoFile) => FileLicenses>();
  const lookup = (doc: Doc) => {
    const repo = repoOf(doc);
    let licensesOf = indexes.get(repo);
    if (!licensesOf) indexes.set(repo, (licensesOf = licenseIndex(table[repo] ?? [])));
    const found = licensesOf({ path: doc.path });
    const ids = [...new Set([...found.detected_licenses, ...rowLicenses(doc)])];
    return ids;
  };
  const steps = [licenseStep({ licenses: lookup, keep })];
  const out: Doc[] = [];
  for (const doc of docs) {
    const kept = runPipeline(steps, doc, stats);
    if (kept) out.push(kept);
  }
  // The documents were counted in when they entered the pipeline (the scan); this stage only drops.
  return { docs: out, stats: { ...countsOnly(stats), in: 0, out: 0 } };
}
