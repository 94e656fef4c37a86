/**
 * Reading a dataset version back: its manifest, and its shards record by record, streaming, with
 * each shard's size, sha256 and document count checked against the manifest as it is read.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { DatasetNotFoundError, ShardIntegrityError } from './errors.js';
import { MANIFEST_NAME, parseManifest, type Manifest } from './manifest.js';
import type { DatasetRecord } from './record.js';
import type { ShardInfo } from './shards.js';
import { openSink, type DatasetSink } from './sink.js';

export interface OpenDataset {
  /** Where the dataset's objects are: file:///dir or s3://bucket/prefix. */
  url: string;
  manifest: Manifest;
  sink: DatasetSink;
  close(): Promise<void>;
}

export interface OpenDatasetOptions {
  s3Client?: S3Client;
  cwd?: string;
}

/**
 * Opens a dataset by its directory (or s3:// prefix), or by the path of its manifest (any name ending
 * in `.json`; shards are named relative to the manifest's directory).
 */
export async function openDataset(spec: string, options: OpenDatasetOptions = {}): Promise<OpenDataset> {
  let root = spec.replace(/\/+$/, '');
  let manifestName = MANIFEST_NAME;
  if (/\.json$/i.test(root)) {
    const slash = root.lastIndexOf('/');
    manifestName = root.slice(slash + 1);
    root = slash === -1 ? '.' : slash === 0 ? '/' : root.slice(0, slash);
  }
  const sink = await openSink(root, options);
  try {
    const bytes = await sink.get(manifestName);
    if (bytes === undefined) throw new DatasetNotFoundError(`${sink.url}/${manifestName}`);
    const manifest = parseManifest(Buffer.from(bytes).toString('utf8'), `${sink.url}/${manifestName}`);
    return { url: sink.url, manifest, sink, close: () => sink.close() };
  } catch (err) {
    await sink.close();
    throw err;
  }
}

/**
 * The records of one shard, in order. The shard's bytes are hashed as they stream in; when the shard
 * ends, a size, sha256 or document count that differs from the manifest throws ShardIntegrityError
 * (records already yielded came from a corrupt shard: treat the whole pass as failed).
 */
export async function* readShard(sink: DatasetSink, shard: ShardInfo): AsyncGenerator<DatasetRecord> {
  const fail = (message: string, cause?: unknown): ShardIntegrityError => new ShardIntegrityError(sink.url, shard.name, message, { cause });
  const raw = await sink.createReadStream(shard.name);
  if (!raw) throw fail('is missing');
  const hash = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      hash.update(chunk);
      callback(null, chunk);
    },
  });
  const gunzip = createGunzip();
  const flowing = pipeline(raw, tap, gunzip);
  let failure: unknown;
  flowing.catch((err: unknown) => { failure = err; });
  let docs = 0;
  let pending: Buffer[] = [];
  const parse = (line: Buffer): DatasetRecord => {
    try {
      const record = JSON.parse(line.toString('utf8')) as DatasetRecord;
      if (typeof record?.id !== 'string' || typeof record.content !== 'string') throw new Error('a record needs a string id and content');
      return record;
    } catch (err) {
      throw fail(`record ${docs + 1} is not a valid record (${(err as Error).message})`, err);
    }
  };
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(10, start); nl !== -1; nl = chunk.indexOf(10, start)) {
        const piece = chunk.subarray(start, nl);
        const line = pending.length === 0 ? piece : Buffer.concat([...pending, piece]);
        pending = [];
        start = nl + 1;
        const record = parse(line);
        docs++;
        yield record;
      }
      // Copy: the chunk's memory is not ours once we ask for the next one.
      if (start < chunk.length) pending.push(Buffer.from(chunk.subarray(start)));
    }
    await flowing;
  } catch (err) {
    if (err instanceof ShardIntegrityError) throw err;
    const e = failure ?? err;
    throw fail(`cannot be read (${(e as Error)?.message ?? String(e)})`, e);
  } finally {
    // An early return (the consumer stopped) must not leave the file or the request open.
    raw.destroy();
  }
  if (pending.length > 0) throw fail('ends in the middle of a record');
  if (bytes !== shard.bytes) throw fail(`is ${bytes} bytes; the manifest says ${shard.bytes}`);
  const digest = hash.digest('hex');
  if (digest !== shard.sha256) throw fail(`has sha256 ${digest}; the manifest says ${shard.sha256}`);
  if (docs !== shard.docs) throw fail(`holds ${docs} records; the manifest says ${shard.docs}`);
}

export interface VerifiedDataset {
  url: string;
  shards: number;
  docs: number;
  bytes: number;
}

/** Reads every shard of a dataset and checks it against the manifest; throws at the first difference. */
export async function verifyDataset(spec: string, options: OpenDatasetOptions = {}): Promise<VerifiedDataset> {
  const ds = await openDataset(spec, options);
  try {
    let docs = 0;
    for (const shard of ds.manifest.shards) {
      for await (const _record of readShard(ds.sink, shard)) docs++;
    }
    const bytes = ds.manifest.shards.reduce((n, s) => n + s.bytes, 0);
    return { url: ds.url, shards: ds.manifest.shards.length, docs, bytes };
  } finally {
    await ds.close();
  }
}
