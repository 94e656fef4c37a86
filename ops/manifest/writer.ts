/**
 * Writing one dataset version: documents become records in shards, and `finish` writes manifest.json
 * last, with the shards' digests, the counts, the config hash, the input digests and the opt-out digest.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { PipelineStats, type Doc, type PipelineStatsJSON } from '../pipeline.js';
import { configHash, sha256Hex } from './canonical.js';
import { DatasetExistsError, ManifestOptionsError } from './errors.js';
import { MANIFEST_NAME, MANIFEST_SCHEMA, serializeManifest, type Manifest } from './manifest.js';
import { encodeRecord, RECORD_FIELDS, toRecord } from './record.js';
import { DEFAULT_GZIP_LEVEL, DEFAULT_SHARD_BYTES, ShardWriter, type ShardInfo } from './shards.js';
import { openSink, type DatasetSink } from './sink.js';

export interface DatasetWriterOptions {
  /** A directory, `s3://bucket/prefix`, or a sink you opened (left open). */
  dest: string | DatasetSink;
  name: string;
  version: string;
  /** Uncompressed bytes per shard before rolling to the next; default 256 MiB. */
  shardBytes?: number;
  /** gzip level 0–9; default 6. Part of the output's identity, so it is recorded in the manifest. */
  level?: number;
  /** The run's configuration; only its hash (sha256 of canonical JSON) goes in the manifest. */
  config?: unknown;
  /** Input name → digest (e.g. each ingested archive and its sha256). */
  inputs?: Record<string, string>;
  /** The opt-out registry applied (an OptOutSnapshot fits). */
  optout?: { readonly digest: string; readonly entries: number | readonly string[] };
  /** `meta` keys copied into every record after the standard fields, in this order (null when absent). */
  extraFields?: readonly string[];
  /** Write even if `dest` already holds a manifest. Shards of the old version beyond the new count are left in place. */
  overwrite?: boolean;
  /** Client for an s3:// destination; default one from the AWS_* variables. */
  s3Client?: S3Client;
}

export interface ResolvedDatasetWriterOptions {
  name: string;
  version: string;
  shardBytes: number;
  level: number;
  configSha256: string | null;
  inputs: Record<string, string>;
  optout: { digest: string; entries: number } | null;
  extraFields: string[];
  overwrite: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

export function resolveDatasetWriterOptions(o: Omit<DatasetWriterOptions, 'dest' | 's3Client'>): ResolvedDatasetWriterOptions {
  const bad = (field: string, message: string): never => {
    throw new ManifestOptionsError(field, message);
  };
  if (typeof o.name !== 'string' || !NAME.test(o.name)) bad('name', `must start with a letter or digit and hold only letters, digits, '.', '_' and '-', got ${JSON.stringify(o.name)}`);
  if (typeof o.version !== 'string' || !VERSION.test(o.version)) bad('version', `must start with a letter or digit and hold only letters, digits, '.', '_', '+' and '-', got ${JSON.stringify(o.version)}`);
  const shardBytes = o.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isSafeInteger(shardBytes) || shardBytes < 1) bad('shardBytes', `must be a positive integer, got ${shardBytes}`);
  const level = o.level ?? DEFAULT_GZIP_LEVEL;
  if (!Number.isInteger(level) || level < 0 || level > 9) bad('level', `must be an integer from 0 to 9, got ${level}`);
  const inputs = o.inputs ?? {};
  for (const [k, v] of Object.entries(inputs)) {
    if (typeof v !== 'string' || v === '') bad(`inputs.${k}`, 'must be a non-empty digest string');
  }
  let configSha256: string | null = null;
  if (o.config !== undefined) {
    try {
      configSha256 = configHash(o.config);
    } catch (err) {
      bad('config', `cannot be hashed: ${(err as Error).message}`);
    }
  }
  let optout: ResolvedDatasetWriterOptions['optout'] = null;
  if (o.optout !== undefined) {
    const { digest, entries } = o.optout;
    if (typeof digest !== 'string' || !/^[0-9a-f]{64}$/.test(digest)) bad('optout.digest', 'must be a sha256 in hex (64 digits)');
    optout = { digest, entries: typeof entries === 'number' ? entries : entries.length };
  }
  const extraFields = [...(o.extraFields ?? [])];
  const seen = new Set<string>(RECORD_FIELDS);
  for (const f of extraFields) {
    if (typeof f !== 'string' || f === '') bad('extraFields', 'must hold non-empty field names');
    if (seen.has(f)) bad('extraFields', `holds '${f}' twice or names a standard field`);
    seen.add(f);
  }
  return { name: o.name, version: o.version, shardBytes, level, configSha256, inputs: { ...inputs }, optout, extraFields, overwrite: o.overwrite ?? false };
}

export interface WrittenDataset {
  /** Where it went: file:///… or s3://… */
  url: string;
  manifest: Manifest;
  /** sha256 of manifest.json's bytes: one digest for the whole version. */
  manifestSha256: string;
}

export class DatasetWriter {
  private readonly shards: ShardWriter;
  private readonly language = new Map<string, number>();
  private readonly licenseType = new Map<string, number>();
  private state: 'open' | 'finished' | 'aborted' = 'open';

  private constructor(readonly sink: DatasetSink, private readonly ownsSink: boolean, readonly options: ResolvedDatasetWriterOptions, prefix?: string) {
    this.shards = new ShardWriter(sink, { shardBytes: options.shardBytes, level: options.level, prefix });
  }

  /** Validates the options, opens the destination, and refuses one that already holds a dataset (unless `overwrite`). */
  static async create(options: DatasetWriterOptions): Promise<DatasetWriter> {
    const resolved = resolveDatasetWriterOptions(options);
    const { sink, owns } = await openDestination(options, resolved.overwrite);
    return new DatasetWriter(sink, owns, resolved);
  }

  /**
   * A writer of part `part` of a dataset written in parallel (shards `data/part-<part>-<n>.jsonl.gz`):
   * end it with `finishPart`, and the whole with `finishDataset`. Existing data is not checked: the
   * caller refuses an existing dataset before any part is written, if it must.
   */
  static async createPart(options: PartOptions): Promise<DatasetWriter> {
    const resolved = resolveDatasetWriterOptions(options);
    const prefix = partPrefix(options.part);
    const { sink, owns } = await openDestination(options, true);
    return new DatasetWriter(sink, owns, resolved, prefix);
  }

  get url(): string {
    return this.sink.url;
  }

  /** Appends a document; order is kept. Await each call: it applies backpressure. */
  async write(doc: Doc): Promise<void> {
    if (this.state !== 'open') throw new Error(`DatasetWriter: write after ${this.state === 'finished' ? 'finish' : 'abort'}`);
    const record = toRecord(doc, this.options.extraFields);
    bump(this.language, record.language ?? 'unknown');
    bump(this.licenseType, record.license_type ?? 'unknown');
    await this.shards.write(encodeRecord(record, this.options.extraFields));
  }

  /** Finishes the last shard, then writes manifest.json (last, as the completion marker). */
  async finish(options: { stats?: PipelineStats | PipelineStatsJSON } = {}): Promise<WrittenDataset> {
    if (this.state !== 'open') throw new Error(`DatasetWriter: finish after ${this.state === 'finished' ? 'finish' : 'abort'}`);
    this.state = 'finished';
    try {
      return await writeManifest(this.sink, this.options, [await this.closeShards()], options.stats);
    } finally {
      if (this.ownsSink) await this.sink.close();
    }
  }

  /** Finishes the last shard and writes no manifest: what this part holds, for `finishDataset`. */
  async finishPart(): Promise<DatasetPart> {
    if (this.state !== 'open') throw new Error(`DatasetWriter: finishPart after ${this.state === 'finished' ? 'finish' : 'abort'}`);
    this.state = 'finished';
    try {
      return await this.closeShards();
    } finally {
      if (this.ownsSink) await this.sink.close();
    }
  }

  private async closeShards(): Promise<DatasetPart> {
    const shards = await this.shards.close();
    return { shards, language: Object.fromEntries(this.language), license_type: Object.fromEntries(this.licenseType) };
  }

  /** Stops: the shard being written never appears, and no manifest is written. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await this.shards.abort();
    if (this.ownsSink) await this.sink.close();
  }
}

/**
 * What one part of a dataset written in parallel holds: its shards in order and its counts. Parts are
 * written by `writeDatasetPart` (one per task, any order, each named by its index) and joined by
 * `finishDataset`, which writes manifest.json; the result is as reproducible as one writer's.
 */
export interface DatasetPart {
  shards: ShardInfo[];
  language: Record<string, number>;
  license_type: Record<string, number>;
}

/** Shards of part `index` are `data/part-<index>-<n>.jsonl.gz` (5 digits each). */
export function partPrefix(index: number): string {
  if (!Number.isSafeInteger(index) || index < 0) throw new ManifestOptionsError('part', `must be a non-negative integer, got ${index}`);
  return `data/part-${String(index).padStart(5, '0')}-`;
}

/**
 * Writes documents (in order) as the shards of part `part`, and no manifest. Writing the same part
 * again writes the same bytes (a retried task is harmless); the caller refuses an existing dataset
 * before any part is written, if it must.
 */
export async function writeDatasetPart(docs: Iterable<Doc> | AsyncIterable<Doc>, options: PartOptions): Promise<DatasetPart> {
  const writer = await DatasetWriter.createPart(options);
  try {
    for await (const doc of docs) await writer.write(doc);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer.finishPart();
}

/**
 * Writes manifest.json for parts written by `writeDatasetPart`, in part order: the completion marker
 * of the version. Refuses a destination that holds a manifest unless `overwrite`.
 */
export async function finishDataset(
  parts: readonly DatasetPart[],
  options: DatasetWriterOptions & { stats?: PipelineStats | PipelineStatsJSON },
): Promise<WrittenDataset> {
  const resolved = resolveDatasetWriterOptions(options);
  const { sink, owns } = await openDestination(options, resolved.overwrite);
  try {
    return await writeManifest(sink, resolved, parts, options.stats);
  } finally {
    if (owns) await sink.close();
  }
}

/** Options of one part: the dataset's, without what only the manifest records, and the part's index. */
export type PartOptions = Omit<DatasetWriterOptions, 'overwrite' | 'config' | 'inputs' | 'optout'> & { part: number };

/** Opens `dest` (a sink given is left open: `owns` false) and, unless `overwrite`, refuses one that holds a manifest. */
async function openDestination(options: Pick<DatasetWriterOptions, 'dest' | 's3Client'>, overwrite: boolean): Promise<{ sink: DatasetSink; owns: boolean }> {
  if (options.dest === undefined || options.dest === null) throw new ManifestOptionsError('dest', 'is required: a directory or s3://bucket/prefix');
  const owns = typeof options.dest === 'string';
  const sink = typeof options.dest === 'string' ? await openSink(options.dest, { s3Client: options.s3Client }) : options.dest;
  try {
    if (!overwrite && (await sink.get(MANIFEST_NAME)) !== undefined) throw new DatasetExistsError(sink.url);
  } catch (err) {
    if (owns) await sink.close();
    throw err;
  }
  return { sink, owns };
}

async function writeManifest(
  sink: DatasetSink, o: ResolvedDatasetWriterOptions, parts: readonly DatasetPart[], statsIn: PipelineStats | PipelineStatsJSON | undefined,
): Promise<WrittenDataset> {
  const shards = parts.flatMap((p) => p.shards);
  const language = new Map<string, number>();
  const licenseType = new Map<string, number>();
  for (const p of parts) {
    for (const [k, n] of Object.entries(p.language)) language.set(k, (language.get(k) ?? 0) + n);
    for (const [k, n] of Object.entries(p.license_type)) licenseType.set(k, (licenseType.get(k) ?? 0) + n);
  }
  const stats = statsIn === undefined ? undefined : statsIn instanceof PipelineStats ? statsIn.toJSON() : statsIn;
  const manifest: Manifest = {
    schema: MANIFEST_SCHEMA,
    name: o.name,
    version: o.version,
    format: { type: 'jsonl', compression: 'gzip', level: o.level, shard_bytes: o.shardBytes, fields: [...RECORD_FIELDS, ...o.extraFields] },
    shards,
    totals: {
      shards: shards.length,
      docs: sum(shards.map((s) => s.docs)),
      bytes: sum(shards.map((s) => s.bytes)),
      uncompressed_bytes: sum(shards.map((s) => s.uncompressed_bytes)),
    },
    counts: {
      language: Object.fromEntries(language),
      license_type: Object.fromEntries(licenseType),
      dropped: { ...(stats?.dropped ?? {}) },
    },
    pipeline: stats ? { in: stats.in, out: stats.out } : null,
    config_sha256: o.configSha256,
    inputs: o.inputs,
    optout: o.optout,
  };
  const text = serializeManifest(manifest);
  const bytes = Buffer.from(text, 'utf8');
  await sink.put(MANIFEST_NAME, bytes);
  // Round-trip through JSON so the returned object is exactly what a reader will see.
  return { url: sink.url, manifest: JSON.parse(text) as Manifest, manifestSha256: sha256Hex(bytes) };
}

/** Writes every document (in order) and the manifest; aborts on a failure. */
export async function writeDataset(
  docs: Iterable<Doc> | AsyncIterable<Doc>,
  options: DatasetWriterOptions & { stats?: PipelineStats | PipelineStatsJSON },
): Promise<WrittenDataset> {
  const writer = await DatasetWriter.create(options);
  try {
    for await (const doc of docs) await writer.write(doc);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return writer.finish({ stats: options.stats });
}

function bump(m: Map<string, number>, key: string): void {
  m.set(key, (m.get(key) ?? 0) + 1);
}

function sum(ns: number[]): number {
  return ns.reduce((a, b) => a + b, 0);
}
