/**
 * What changed between two dataset versions, keyed by document id and compared by the sha256 of the
 * content. Shards stream: memory holds one id → digest map of the first version, never contents.
 *
 * Every shard of both versions is read, even one whose sha256 appears in both manifests: skipping it
 * would be faster for an appended version, but would miss an id repeated in another shard and a
 * shard file changed after its manifest was written. Each shard is checked against its manifest as
 * it streams, and an id repeated within a version throws DuplicateDocIdError rather than give a
 * wrong answer.
 */
import { createHash } from 'node:crypto';
import { byCodeUnit } from './canonical.js';
import { DuplicateDocIdError } from './errors.js';
import { openDataset, readShard, type OpenDataset, type OpenDatasetOptions } from './reader.js';

export interface DatasetSummary {
  url: string;
  name: string;
  version: string;
  shards: number;
  docs: number;
}

export interface DatasetDiff {
  a: DatasetSummary;
  b: DatasetSummary;
  /** Ids only in b, sorted. */
  added: string[];
  /** Ids only in a, sorted. */
  removed: string[];
  /** Ids in both whose content differs, sorted. */
  changed: string[];
  unchanged: number;
}

/** `a` and `b` are directories, s3:// prefixes, or paths of manifest files. */
export async function diffDatasets(a: string, b: string, options: OpenDatasetOptions = {}): Promise<DatasetDiff> {
  const da = await openDataset(a, options);
  let db: OpenDataset;
  try {
    db = await openDataset(b, options);
  } catch (err) {
    await da.close();
    throw err;
  }
  try {
    let unchanged = 0;

    // Digest of each document of a; '' once b has shown the same id (so a repeat in b is caught).
    const inA = new Map<string, string>();
    for (const shard of da.manifest.shards) {
      for await (const r of readShard(da.sink, shard)) {
        if (inA.has(r.id)) throw new DuplicateDocIdError(da.url, r.id);
        inA.set(r.id, contentDigest(r.content));
      }
    }

    const added: string[] = [];
    const addedSet = new Set<string>();
    const changed: string[] = [];
    for (const shard of db.manifest.shards) {
      for await (const r of readShard(db.sink, shard)) {
        const before = inA.get(r.id);
        if (before === '' || addedSet.has(r.id)) throw new DuplicateDocIdError(db.url, r.id);
        if (before === undefined) {
          added.push(r.id);
          addedSet.add(r.id);
          continue;
        }
        inA.set(r.id, '');
        if (before === contentDigest(r.content)) unchanged++;
        else changed.push(r.id);
      }
    }
    const removed: string[] = [];
    for (const [id, digest] of inA) if (digest !== '') removed.push(id);

    return {
      a: summary(da),
      b: summary(db),
      added: added.sort(byCodeUnit),
      removed: removed.sort(byCodeUnit),
      changed: changed.sort(byCodeUnit),
      unchanged,
    };
  } finally {
    await Promise.all([da.close(), db.close()]);
  }
}

function contentDigest(content: string): string {
  return createHash('sha256').update(content, 'utf8').digest('hex');
}

function summary(d: OpenDataset): DatasetSummary {
  return { url: d.url, name: d.manifest.name, version: d.manifest.version, shards: d.manifest.shards.length, docs: d.manifest.totals?.docs ?? d.manifest.shards.reduce((n, s) => n + s.docs, 0) };
}
