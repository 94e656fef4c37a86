/** Byte streams the readers share: files (whole or a range), gunzip, and a range of a stream. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { IngestSourceError } from './errors.js';
import type { SkipReason } from './types.js';

export type Chunks = AsyncIterable<Uint8Array>;

/**
 * Thrown inside a reader when the input's framing is broken (bad gzip data). Readers catch it and
 * yield a skip with `reason`; it never leaves the module.
 */
export class CorruptInput extends Error {
  constructor(readonly reason: SkipReason, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EIO', 'EAGAIN', 'EBUSY', 'ETIMEDOUT']);

/** An fs error as a one-line IngestSourceError; missing or forbidden files are not worth a retry. */
export function fsError(file: string, err: unknown): IngestSourceError {
  const e = err as NodeJS.ErrnoException;
  const reason =
    e?.code === 'ENOENT' ? 'no such file or directory' : e?.code === 'EACCES' ? 'permission denied' : (e?.message ?? String(err));
  return new IngestSourceError(file, reason, { retryable: TRANSIENT.has(e?.code ?? ''), cause: err });
}

/** Bytes [start, end) of a file (the whole file by default), read in 256 KiB chunks. */
export async function* fileChunks(file: string, start = 0, end?: number): AsyncGenerator<Uint8Array> {
  if (end !== undefined && end <= start) return;
  const stream = createReadStream(file, { start, end: end === undefined ? undefined : end - 1, highWaterMark: 256 * 1024 });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    throw fsError(file, err);
  } finally {
    stream.destroy();
  }
}

/** How far a gzip stream may expand, and the reason to give past that. */
export interface ExpansionLimit {
  bytes: number;
  reason: 'decompression_bomb_bytes' | 'decompression_bomb_ratio';
}

/**
 * The limit for a gzip file of `compressedSize` bytes. The ratio is the whole file's: a file is over
 * it exactly when it expands past `maxExpansionRatio` times its size, so the limit is one position in
 * the decompressed stream, known before reading. How the input is chunked cannot move it, and
 * planning and every later read of the same file stop at the same byte.
 */
export function expansionLimit(
  compressedSize: number,
  o: { maxExpandedBytes: number; maxExpansionRatio: number; expansionRatioAfterBytes: number },
): ExpansionLimit {
  const byRatio = Math.max(o.expansionRatioAfterBytes, Math.floor(compressedSize * o.maxExpansionRatio));
  return byRatio < o.maxExpandedBytes
    ? { bytes: byRatio, reason: 'decompression_bomb_ratio' }
    : { bytes: o.maxExpandedBytes, reason: 'decompression_bomb_bytes' };
}

/** A gzip file's decompressed bytes within `expansionLimit`; stats the file unless its size is given. */
export async function* gunzipFile(
  file: string,
  o: Parameters<typeof expansionLimit>[1],
  size?: number,
): AsyncGenerator<Uint8Array> {
  size ??= (await stat(file).catch((err) => { throw fsError(file, err); })).size;
  yield* gunzip(fileChunks(file), expansionLimit(size, o));
}

/**
 * Gunzips a stream (concatenated members too). Broken or truncated gzip data ends the stream with
 * `CorruptInput('corrupt_gzip')`; errors of the input itself pass through unchanged. With a `limit`,
 * exactly `limit.bytes` come out of a stream that would give more, then `CorruptInput(limit.reason)`.
 */
export async function* gunzip(input: Chunks, limit?: ExpansionLimit): AsyncGenerator<Uint8Array> {
  const z = createGunzip();
  let inputError: unknown;
  let stopped = false;
  const feed = (async () => {
    try {
      for await (const chunk of input) {
        if (stopped || z.destroyed) return;
        if (!z.write(chunk) && !z.destroyed) await drainOrClose(z);
      }
      if (!z.destroyed) z.end();
    } catch (err) {
      inputError = err;
      z.destroy(err as Error);
    }
  })();
  let out = 0;
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) {
      if (limit !== undefined && out + chunk.length > limit.bytes) {
        if (out < limit.bytes) yield chunk.subarray(0, limit.bytes - out);
        throw new CorruptInput(limit.reason);
      }
      out += chunk.length;
      yield chunk;
    }
  } catch (err) {
    if (inputError !== undefined) throw inputError;
    if (err instanceof CorruptInput) throw err;
    throw new CorruptInput('corrupt_gzip', { cause: err });
  } finally {
    stopped = true;
    z.destroy();
    await feed;
  }
}

function drainOrClose(z: NodeJS.EventEmitter): Promise<void> {
  return new Promise((ok) => {
    const done = () => {
      z.off('drain', done);
      z.off('close', done);
      ok();
    };
    z.on('drain', done);
    z.on('close', done);
  });
}

/** Bytes [start, end) of a stream: what comes before is read and dropped, nothing after is read. */
export async function* byteRange(input: Chunks, start: number, end: number): AsyncGenerator<Uint8Array> {
  let pos = 0;
  for await (const chunk of input) {
    const from = Math.max(0, start - pos);
    const to = Math.min(chunk.length, end - pos);
    pos += chunk.length;
    if (from < to) yield chunk.subarray(from, to);
    if (pos >= end) return;
  }
}

/** Pulls delimited and fixed-size pieces out of a byte stream (git's -z and --batch outputs). */
export class ByteReader {
  private readonly it: AsyncIterator<Uint8Array>;
  private chunk: Uint8Array = new Uint8Array(0);
  private pos = 0;

  constructor(input: Chunks) {
    this.it = input[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    while (this.pos >= this.chunk.length) {
      const next = await this.it.next();
      if (next.done) return false;
      this.chunk = next.value;
      this.pos = 0;
    }
    return true;
  }

  /**
   * Bytes up to `delimiter` (consumed, not returned); undefined at the end of the stream. Throws when
   * the piece exceeds `max` bytes or the stream ends inside it.
   */
  async until(delimiter: number, max: number): Promise<Uint8Array | undefined> {
    const parts: Uint8Array[] = [];
    let length = 0;
    while (await this.fill()) {
      const at = this.chunk.indexOf(delimiter, this.pos);
      const end = at === -1 ? this.chunk.length : at;
      length += end - this.pos;
      if (length > max) throw new Error(`a record longer than ${max} bytes`);
      parts.push(this.chunk.subarray(this.pos, end));
      this.pos = at === -1 ? end : at + 1;
      if (at !== -1) return parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
    }
    if (length > 0) throw new Error('the stream ended inside a record');
    return undefined;
  }

  /** Exactly `n` bytes; throws when the stream ends first. */
  async exact(n: number): Promise<Uint8Array> {
    const out = Buffer.alloc(n);
    let filled = 0;
    while (filled < n) {
      if (!(await this.fill())) throw new Error(`the stream ended ${n - filled} bytes short`);
      const take = Math.min(n - filled, this.chunk.length - this.pos);
      out.set(this.chunk.subarray(this.pos, this.pos + take), filled);
      this.pos += take;
      filled += take;
    }
    return out;
  }

  async close(): Promise<void> {
    await this.it.return?.();
  }
}
