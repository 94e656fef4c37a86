/**
 * The frame every dedup blob shares: 32 bytes of little-endian uint32 words, then the body.
 *
 *   word 0  magic 'SMDD' (bytes 53 4d 44 44)
 *   word 1  format version (low byte) | kind << 8
 *   word 2  fingerprint of the dedup parameters that wrote it
 *   word 3…7  five kind-specific fields
 *
 * Bodies are arrays of uint32 rows, read and written through typed-array views. Views use the host's
 * byte order, so the module refuses to run on a big-endian host rather than write blobs nobody else
 * can read. Decoding validates and fails loudly on a version or kind it does not know.
 */
import { DedupFormatError } from './errors.js';

export const MAGIC = 0x44444d53;
export const FORMAT_VERSION = 1;
export const HEADER_WORDS = 8;
export const HEADER_BYTES = HEADER_WORDS * 4;

export type BlobKind = 'shuffle piece' | 'signature table' | 'metadata table' | 'edges';
const KIND_CODES: Record<BlobKind, number> = { 'shuffle piece': 1, 'signature table': 2, 'metadata table': 3, edges: 4 };

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** A fresh blob of `bodyWords` words after the header, header filled in. */
export function allocateBlob(kind: BlobKind, fingerprint: number, fields: readonly number[], bodyWords: number): Uint32Array {
  if (!LITTLE_ENDIAN) throw new DedupFormatError(kind, 'dedup blobs are little-endian; this host is big-endian');
  const words = new Uint32Array(HEADER_WORDS + bodyWords);
  words[0] = MAGIC;
  words[1] = FORMAT_VERSION | (KIND_CODES[kind] << 8);
  words[2] = fingerprint;
  for (let i = 0; i < 5; i++) words[3 + i] = fields[i] ?? 0;
  return words;
}

/** The bytes of a blob built by `allocateBlob`. */
export const blobBytes = (words: Uint32Array): Uint8Array => new Uint8Array(words.buffer, words.byteOffset, words.byteLength);

export interface Frame {
  /** The whole blob as words (copied when the input bytes were not 4-byte aligned). */
  words: Uint32Array;
  fields: [number, number, number, number, number];
}

/**
 * Checks magic, version, kind and (when given) fingerprint; returns word views. A blob produced with
 * other parameters is rejected: mixing them would silently compare unrelated signatures.
 */
export function readFrame(bytes: Uint8Array, kind: BlobKind, fingerprint?: number): Frame {
  if (!LITTLE_ENDIAN) throw new DedupFormatError(kind, 'dedup blobs are little-endian; this host is big-endian');
  if (!(bytes instanceof Uint8Array)) throw new DedupFormatError(kind, 'expected bytes (Uint8Array)');
  if (bytes.byteLength < HEADER_BYTES || bytes.byteLength % 4 !== 0) {
    throw new DedupFormatError(kind, `truncated or padded wrongly (${bytes.byteLength} bytes)`);
  }
  const words =
    bytes.byteOffset % 4 === 0
      ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
      : new Uint32Array(bytes.slice().buffer);
  if (words[0] !== MAGIC) throw new DedupFormatError(kind, 'not a dedup blob (bad magic)');
  const version = words[1]! & 0xff;
  if (version !== FORMAT_VERSION) {
    throw new DedupFormatError(kind, `format version ${version} is not supported (this code reads version ${FORMAT_VERSION})`);
  }
  const code = words[1]! >>> 8;
  if (code !== KIND_CODES[kind]) {
    const actual = (Object.keys(KIND_CODES) as BlobKind[]).find((k) => KIND_CODES[k] === code) ?? `kind ${code}`;
    throw new DedupFormatError(kind, `is a ${actual}`);
  }
  if (fingerprint !== undefined && words[2] !== fingerprint) {
    throw new DedupFormatError(
      kind,
      `was written with other dedup parameters (fingerprint ${hex(words[2]!)}, expected ${hex(fingerprint)})`,
    );
  }
  return { words, fields: [words[3]!, words[4]!, words[5]!, words[6]!, words[7]!] };
}

/** Throws unless the body holds exactly `expected` words. */
export function expectBodyWords(kind: BlobKind, frame: Frame, expected: number): void {
  const actual = frame.words.length - HEADER_WORDS;
  if (actual !== expected) throw new DedupFormatError(kind, `body has ${actual} words, header implies ${expected}`);
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

/** A growable uint32 array: append rows without knowing the count up front. */
export class U32Builder {
  private data: Uint32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Uint32Array(Math.max(4, capacity));
  }
  push4(a: number, b: number, c: number, d: number): void {
    if (this.length + 4 > this.data.length) this.grow(4);
    const data = this.data;
    const n = this.length;
    data[n] = a;
    data[n + 1] = b;
    data[n + 2] = c;
    data[n + 3] = d;
    this.length = n + 4;
  }
  push(...values: number[]): void {
    if (this.length + values.length > this.data.length) this.grow(values.length);
    this.data.set(values, this.length);
    this.length += values.length;
  }
  view(): Uint32Array {
    return this.data.subarray(0, this.length);
  }
  private grow(extra: number): void {
    let cap = this.data.length * 2;
    while (cap < this.length + extra) cap *= 2;
    const bigger = new Uint32Array(cap);
    bigger.set(this.data.subarray(0, this.length));
    this.data = bigger;
  }
}
