/**
 * Shards: JSON lines, gzipped, written in the order given and rolled to a new shard before a line
 * would take the current one past `shardBytes` of uncompressed data (a line bigger than that gets a
 * shard of its own). Everything streams: a line goes into gzip, gzip's output into the sink, and the
 * sha256 and size of the compressed bytes are taken on the way.
 *
 * The bytes are reproducible: zlib at a fixed level writes no file name and a zero mtime, and the one
 * header byte that depends on the machine (the OS field) is set to 255, "unknown". The same lines in
 * the same order with the same zlib give the same shards.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import type { DatasetSink } from './sink.js';

export const DEFAULT_SHARD_BYTES = 256 * 1024 * 1024;
export const DEFAULT_GZIP_LEVEL = 6;
/** Offset of the OS byte in a gzip header (RFC 1952). */
const GZIP_OS_OFFSET = 9;
const GZIP_OS_UNKNOWN = 255;

export interface ShardInfo {
  /** Object name inside the dataset, e.g. `data/part-00000.jsonl.gz`. */
  name: string;
  /** sha256 (hex) of the shard file, compressed. */
  sha256: string;
  /** Size of the shard file. */
  bytes: number;
  uncompressed_bytes: number;
  docs: number;
}

export interface ShardWriterOptions {
  shardBytes?: number;
  level?: number;
  /** Shard `i` is named `${prefix}${i padded to 5}.jsonl.gz`; default `data/part-`. */
  prefix?: string;
}

export function shardName(prefix: string, index: number): string {
  return `${prefix}${String(index).padStart(5, '0')}.jsonl.gz`;
}

/**
 * Lines go to gzip in chunks of about this size: every write to a zlib stream is a trip through
 * libuv's thread pool, which cost more than compressing a line of a few KB. zlib's output does not
 * depend on how its input was cut, so the shards are the same bytes.
 */
const CHUNK_BYTES = 64 * 1024;

interface OpenShard {
  info: ShardInfo;
  gzip: Gzip;
  /** Lines not yet handed to gzip, and their total size. */
  pending: Uint8Array[];
  pendingBytes: number;
  /** Settles when the shard's object is complete (or failed). */
  done: Promise<void>;
  hash: ReturnType<typeof createHash>;
  /** Set once the shard's pipeline failed. */
  error?: Error;
  out: Writable;
}

export class ShardWriter {
  private readonly shardBytes: number;
  private readonly level: number;
  private readonly prefix: string;
  private readonly finished: ShardInfo[] = [];
  private current: OpenShard | undefined;
  private closed = false;

  constructor(private readonly sink: DatasetSink, options: ShardWriterOptions = {}) {
    this.shardBytes = options.shardBytes ?? DEFAULT_SHARD_BYTES;
    this.level = options.level ?? DEFAULT_GZIP_LEVEL;
    this.prefix = options.prefix ?? 'data/part-';
  }

  /** Appends one line (its trailing newline included). Await it: it waits while gzip or the sink is busy. */
  async write(line: Uint8Array): Promise<void> {
    if (this.closed) throw new Error('ShardWriter: write after close');
    let shard = this.current;
    if (shard && shard.info.docs > 0 && shard.info.uncompressed_bytes + line.length > this.shardBytes) {
      await this.finishShard();
      shard = undefined;
    }
    shard ??= this.open();
    if (shard.error) throw shard.error;
    shard.info.docs++;
    shard.info.uncompressed_bytes += line.length;
    shard.pending.push(line);
    shard.pendingBytes += line.length;
    if (shard.pendingBytes >= CHUNK_BYTES) await this.flushPending(shard);
  }

  /** Hands the lines held back to gzip, waiting while gzip or the sink is busy. */
  private async flushPending(shard: OpenShard): Promise<void> {
    if (shard.pendingBytes === 0) return;
    const chunk = shard.pending.length === 1 ? shard.pending[0]! : Buffer.concat(shard.pending, shard.pendingBytes);
    shard.pending = [];
    shard.pendingBytes = 0;
    if (!shard.gzip.write(chunk)) {
      const drained = once(shard.gzip, 'drain');
      drained.catch(() => {});
      await Promise.race([drained, shard.done]);
    }
  }

  /** Finishes the last shard and returns every shard written, in order. */
  async close(): Promise<ShardInfo[]> {
    if (!this.closed) {
      this.closed = true;
      await this.finishShard();
    }
    return [...this.finished];
  }

  /** Abandons the shard being written (its object never appears, once this resolves); finished shards stay. */
  async abort(err: Error = new Error('aborted')): Promise<void> {
    this.closed = true;
    const shard = this.current;
    this.current = undefined;
    if (!shard) return;
    shard.gzip.destroy(err);
    await shard.done.catch(() => {});
    // The sink cleans up (deletes a temporary file, aborts an upload) before its stream closes.
    if (!shard.out.closed) await once(shard.out, 'close').catch(() => {});
  }

  private open(): OpenShard {
    const info: ShardInfo = { name: shardName(this.prefix, this.finished.length), sha256: '', bytes: 0, uncompressed_bytes: 0, docs: 0 };
    const gzip = createGzip({ level: this.level });
    const hash = createHash('sha256');
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (info.bytes <= GZIP_OS_OFFSET && info.bytes + chunk.length > GZIP_OS_OFFSET) chunk[GZIP_OS_OFFSET - info.bytes] = GZIP_OS_UNKNOWN;
        info.bytes += chunk.length;
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    const out: Writable = this.sink.createWriteStream(info.name);
    const shard: OpenShard = { info, gzip, pending: [], pendingBytes: 0, hash, out, done: pipeline(gzip, tap, out) };
    // Failures surface from write() or close(); this also keeps an early one from being "unhandled".
    shard.done.catch((err: Error) => { shard.error = err; });
    this.current = shard;
    return shard;
  }

  private async finishShard(): Promise<void> {
    const shard = this.current;
    if (!shard) return;
    this.current = undefined;
    await this.flushPending(shard);
    if (shard.error) throw shard.error;
    shard.gzip.end();
    await shard.done;
    shard.info.sha256 = shard.hash.digest('hex');
    this.finished.push(shard.info);
  }
}
