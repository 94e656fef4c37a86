/**
 * Content-addressed blob encoding: a blob is named by the sha256 of its bytes and stored as one
 * codec byte followed by the payload. Pure (hashing and compression only), so worker threads can
 * encode and verify blobs without a store.
 *
 *   const { digest, stored } = encodeBlob(bytes);   // write `stored` at blobKey(digest)
 *   decodeBlob(digest, stored);                     // bytes again, or DigestMismatchError
 */
import { createHash, hash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants as zlib, gunzipSync } from 'node:zlib';
import { CorruptBlobError, DigestMismatchError } from './errors.js';

export { blobKey } from './keys.js';

/** Codec byte at the start of every stored blob. */
export const CODEC_RAW = 0;
/** Written by earlier versions; still read. */
export const CODEC_GZIP = 1;
export const CODEC_BROTLI = 2;
export const LAST_CODEC = CODEC_BROTLI;

/** Smaller bodies gain little from compression and pay its CPU. */
export const MIN_COMPRESS_BYTES = 256;
/** Keep the compressed form only when it saves at least this fraction; otherwise decoding costs more than it saves. */
const MIN_SAVING = 0.1;
/**
 * Brotli at quality 0: on source code it compresses about as well as gzip -1 (a quarter of the size)
 * at 2-3x its speed (bench: 317 against 116 MB/s, one core), and a blob is written once.
 */
const BROTLI_QUALITY = 0;

const DIGEST = /^[0-9a-f]{64}$/;

/**
 * Below this size a one-shot hash is cheaper (no Hash object: 1.1 against 2.3 µs for 1 KiB, and most
 * artifacts are a few bytes); from about 16 KiB up the streaming hash is as fast or faster.
 */
const ONE_SHOT_MAX = 16 * 1024;

export function sha256Hex(bytes: Uint8Array): string {
  if (bytes.byteLength < ONE_SHOT_MAX) return hash('sha256', bytes, 'hex');
  return createHash('sha256').update(bytes).digest('hex');
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

/** The stored form of `bytes` (codec byte + payload), without hashing. */
export function packBlob(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= MIN_COMPRESS_BYTES) {
    const packed = brotliCompressSync(bytes, {
      params: { [zlib.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY, [zlib.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    });
    if (packed.length <= bytes.length * (1 - MIN_SAVING)) return withCodec(CODEC_BROTLI, packed);
  }
  return withCodec(CODEC_RAW, bytes);
}

export function encodeBlob(bytes: Uint8Array): { digest: string; stored: Uint8Array } {
  return { digest: sha256Hex(bytes), stored: packBlob(bytes) };
}

/** The original bytes of a stored blob, verified against `digest`. */
export function decodeBlob(digest: string, stored: Uint8Array): Uint8Array {
  if (stored.length === 0) throw new CorruptBlobError(digest, 'empty object (no codec byte)');
  const payload = stored.subarray(1);
  let bytes: Uint8Array;
  switch (stored[0]) {
    case CODEC_RAW:
      bytes = payload;
      break;
    case CODEC_GZIP:
      try {
        const out = gunzipSync(payload);
        bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength); // plain, like the raw case
      } catch (cause) {
        throw new CorruptBlobError(digest, `gzip payload does not decompress (${(cause as Error).message})`, { cause });
      }
      break;
    case CODEC_BROTLI:
      try {
        const out = brotliDecompressSync(payload);
        bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      } catch (cause) {
        throw new CorruptBlobError(digest, `brotli payload does not decompress (${(cause as Error).message})`, { cause });
      }
      break;
    default:
      throw new CorruptBlobError(digest, `unknown codec byte ${stored[0]} (expected ${CODEC_RAW} raw, ${CODEC_GZIP} gzip or ${CODEC_BROTLI} brotli)`);
  }
  const actual = sha256Hex(bytes);
  if (actual !== digest) throw new DigestMismatchError(digest, actual);
  return bytes;
}

function withCodec(codec: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(payload.length + 1);
  out[0] = codec;
  out.set(payload, 1);
  return out;
}

/**
 * Small blobs ride inline: a task record (and the messages that lead to it) carries the stored bytes of
 * its artifacts up to this size, base64 in `inline`, instead of one object per artifact in the store.
 * A record is self-contained: every digest in its artifact map is in the store or in its `inline`.
 */
export const INLINE_MAX_BYTES = 512;
/** At most this many inline bytes per task; artifacts beyond it go to the store like large ones. */
export const INLINE_TOTAL_BYTES = 64 * 1024;

/** Digest -> stored bytes (codec byte + payload) in base64. */
export type InlineBlobs = Record<string, string>;

export function toInline(stored: Uint8Array): string {
  return Buffer.from(stored.buffer, stored.byteOffset, stored.byteLength).toString('base64');
}

/**
 * The original bytes of an inline blob, verified against its digest like any other. Only the
 * base64 `toInline` writes is read: Buffer's decoder skips characters it does not know and the
 * unused bits of the last one, so an altered value could otherwise give the same bytes.
 */
export function fromInline(digest: string, base64: string): Uint8Array {
  if (typeof base64 !== 'string') throw new CorruptBlobError(digest, `inline value is a ${typeof base64}, not base64`);
  const buf = Buffer.from(base64, 'base64');
  if (buf.toString('base64') !== base64) throw new CorruptBlobError(digest, 'inline value is not the base64 of its bytes');
  return decodeBlob(digest, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
}

/** The part of `inline` that `digests` use, or undefined when none. */
export function pickInline(inline: InlineBlobs | undefined, digests: Iterable<string>): InlineBlobs | undefined {
  if (!inline) return undefined;
  let out: InlineBlobs | undefined;
  for (const d of digests) {
    // Own entries only: a digest read from a message could be 'constructor' or '__proto__'.
    if (!Object.hasOwn(inline, d)) continue;
    const b = inline[d];
    if (b === undefined) continue;
    out ??= {};
    if (d === '__proto__') Object.defineProperty(out, d, { value: b, enumerable: true, writable: true, configurable: true });
    else out[d] = b;
  }
  return out;
}
