/**
 * Batch descriptors: JSON-serializable units of work that `planBatches` makes in one pass over a
 * source's listing, small enough to store as a blob, and that `readBatch` reads on any worker.
 *
 * How each source is cut:
 * - dir, git, s3: lists of files (path, size; git adds the blob sha, s3 the ETag).
 * - plain tar: members with the byte offset of their data, read back with positioned reads.
 * - tar.gz: a range of member indexes (`first`, `count`). Gzip has no random access, so reading a
 *   batch decompresses from the start and drops the members before `first`: for n batches the archive
 *   is decompressed about n/2 times in total. Many smaller archives split better than one big one.
 * - JSONL: a byte range of whole lines (`start`, `end`, the number of the first line). For .jsonl.gz
 *   the range is in the decompressed stream, read by decompressing from the start as for tar.gz.
 * - Parquet: row ranges inside row groups.
 *
 * Skipped entries found while planning (symlinks, oversized files) are listed in place with their
 * reason, so whoever reads the batch counts them. A batch closes after the entry that brings it to
 * `batchBytes`, or at `batchEntries` entries.
 */
import { BatchFormatError } from './errors.js';
import type { SkipReason } from './types.js';

export const BATCH_TYPES = [
  'ingest.v1.dir',
  'ingest.v1.tar',
  'ingest.v1.jsonl',
  'ingest.v1.parquet',
  'ingest.v1.s3',
  'ingest.v1.git',
] as const;

export interface SkipEntry {
  path: string;
  skip: SkipReason;
}
export interface FileEntry {
  path: string;
  size: number;
}

interface BatchBase {
  /** Position of the batch in the plan, from 0. */
  index: number;
  /** Bytes of the files (or lines, or estimated row bytes) in the batch. */
  bytes: number;
}

export interface DirBatch extends BatchBase {
  type: 'ingest.v1.dir';
  root: string;
  entries: Array<FileEntry | SkipEntry>;
}

export interface PlainTarBatch extends BatchBase {
  type: 'ingest.v1.tar';
  file: string;
  /** Size of the archive when planned; reading fails if it changed. */
  fileSize: number;
  gzip: false;
  /** `offset`: where the member's data starts in the archive. */
  entries: Array<(FileEntry & { offset: number }) | SkipEntry>;
}

export interface GzipTarBatch extends BatchBase {
  type: 'ingest.v1.tar';
  file: string;
  fileSize: number;
  gzip: true;
  /** Members [first, first + count) of the archive, directories included. */
  first: number;
  count: number;
  entries: Array<FileEntry | SkipEntry>;
}

export type TarBatch = PlainTarBatch | GzipTarBatch;

export interface JsonlBatch extends BatchBase {
  type: 'ingest.v1.jsonl';
  file: string;
  fileSize: number;
  gzip: boolean;
  /** Byte range [start, end) of whole lines; of the decompressed stream when gzip. */
  start: number;
  end: number;
  /** 1-based number of the line at `start`, and how many lines the range holds. */
  firstLine: number;
  lines: number;
  /** Set on the last batch when gzip data broke at `end`: its cut last line is skipped with this reason. */
  tail?: SkipReason;
}

export type ParquetPiece = { rowGroup: number; rowStart: number; rowEnd: number } | { rowGroup: number; skip: SkipReason };

export interface ParquetBatch extends BatchBase {
  type: 'ingest.v1.parquet';
  file: string;
  fileSize: number;
  /** Rows [rowStart, rowEnd) of the file, each range inside one row group. */
  pieces: ParquetPiece[];
}

export interface S3Batch extends BatchBase {
  type: 'ingest.v1.s3';
  bucket: string;
  /** '' or ends with '/'; entry paths are keys without it. */
  prefix: string;
  endpoint?: string;
  region?: string;
  /** `etag` makes a GET fail rather than read an object replaced since planning. */
  entries: Array<(FileEntry & { etag?: string }) | SkipEntry>;
}

export interface GitBatch extends BatchBase {
  type: 'ingest.v1.git';
  dir: string;
  repo: string;
  commit: string;
  entries: Array<(FileEntry & { sha: string }) | SkipEntry>;
}

export type Batch = DirBatch | TarBatch | JsonlBatch | ParquetBatch | S3Batch | GitBatch;

export const isSkip = (e: object): e is SkipEntry => 'skip' in e;

/** Collects entries into batches by bytes and count; a planner pushes, and yields what comes out. */
export class Batcher<E> {
  private entries: E[] = [];
  private bytes = 0;
  private index = 0;

  constructor(private readonly limits: { batchBytes: number; batchEntries: number }) {}

  /** Adds an entry; returns a full batch when this entry closed one. */
  push(entry: E, bytes: number): { index: number; bytes: number; entries: E[] } | undefined {
    this.entries.push(entry);
    this.bytes += bytes;
    if (this.bytes >= this.limits.batchBytes || this.entries.length >= this.limits.batchEntries) return this.flush();
    return undefined;
  }

  /** Bytes the open batch can still take before it closes. */
  room(): number {
    return this.limits.batchBytes - this.bytes;
  }

  /** The open batch, if it has anything. */
  flush(): { index: number; bytes: number; entries: E[] } | undefined {
    if (this.entries.length === 0) return undefined;
    const out = { index: this.index++, bytes: this.bytes, entries: this.entries };
    this.entries = [];
    this.bytes = 0;
    return out;
  }
}

/** Checks a descriptor read back from storage; fails loudly on a type or version this code does not know. */
export function parseBatch(value: unknown): Batch {
  const b = (typeof value === 'string' ? parseJson(value) : value) as Record<string, unknown>;
  if (typeof b !== 'object' || b === null) throw new BatchFormatError('not an object');
  const type = b.type;
  if (typeof type !== 'string' || !(BATCH_TYPES as readonly string[]).includes(type)) {
    throw new BatchFormatError(`unknown type '${String(type)}' (this version reads ${BATCH_TYPES.join(', ')})`);
  }
  const need = (field: string, kind: 'string' | 'number' | 'boolean'): void => {
    if (typeof b[field] !== kind) throw new BatchFormatError(`${type}: ${field} must be a ${kind}`);
  };
  need('index', 'number');
  need('bytes', 'number');
  const list = (field: string, extra: (e: Record<string, unknown>) => boolean): void => {
    const entries = b[field];
    if (!Array.isArray(entries)) throw new BatchFormatError(`${type}: ${field} must be a list`);
    entries.forEach((e: Record<string, unknown>, i) => {
      const ok = typeof e === 'object' && e !== null && (typeof e.skip === 'string' ? true : extra(e));
      if (!ok) throw new BatchFormatError(`${type}: ${field}[${i}] is not a valid entry`);
    });
  };
  const file = (e: Record<string, unknown>) => typeof e.path === 'string' && typeof e.size === 'number';
  switch (type) {
    case 'ingest.v1.dir':
      need('root', 'string');
      // Paths are joined to the root: one that climbs out of it was not written by planDir.
      list('entries', (e) => file(e) && !/^\//.test(e.path as string) && !(e.path as string).split('/').includes('..'));
      break;
    case 'ingest.v1.tar':
      need('file', 'string');
      need('fileSize', 'number');
      need('gzip', 'boolean');
      if (b.gzip) {
        need('first', 'number');
        need('count', 'number');
        list('entries', file);
      } else {
        list('entries', (e) => file(e) && typeof e.offset === 'number');
      }
      break;
    case 'ingest.v1.jsonl':
      for (const f of ['file']) need(f, 'string');
      for (const f of ['fileSize', 'start', 'end', 'firstLine', 'lines']) need(f, 'number');
      need('gzip', 'boolean');
      break;
    case 'ingest.v1.parquet':
      need('file', 'string');
      need('fileSize', 'number');
      list('pieces', (e) => typeof e.rowGroup === 'number' && typeof e.rowStart === 'number' && typeof e.rowEnd === 'number');
      break;
    case 'ingest.v1.s3':
      need('bucket', 'string');
      need('prefix', 'string');
      list('entries', file);
      break;
    case 'ingest.v1.git':
      for (const f of ['dir', 'repo', 'commit']) need(f, 'string');
      list('entries', (e) => file(e) && typeof e.sha === 'string');
      break;
  }
  return b as unknown as Batch;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BatchFormatError('not JSON', { cause: err });
  }
}
