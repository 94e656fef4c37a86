/**
 * The two per-partition tables a scan writes next to its shuffle pieces.
 *
 * Signature table (fixed-size rows, so row i sits at a computable byte offset and a flow can range-read
 * just the rows a bucket needs):
 *   fields: partition, count, numPerm (0 without signatures), flags (1 = digests, 2 = signatures), P
 *   row i:  [sha256 of content: 8 words, when digests][signature: numPerm words, when signatures]
 * A document without words has no signature (its slot holds 0xffffffff and no band key points to it).
 *
 * Metadata table (what the join ranks by):
 *   fields: partition, count, id bytes, P, 0
 *   body:   license codes (1 byte each, padded to a word) | stars[count] | forks[count]
 *           | id offsets[count + 1] | UTF-8 ids (padded to a word)
 */
import { allocateBlob, blobBytes, expectBodyWords, HEADER_BYTES, HEADER_WORDS, readFrame } from './codec.js';
import { DedupFormatError, DedupInputError } from './errors.js';
import { LICENSE_CODES, LICENSE_TYPES, type RankFields } from './rank.js';

export const DIGEST_WORDS = 8;
const FLAG_DIGESTS = 1;
const FLAG_SIGNATURES = 2;

/** What a bucket needs of one scan partition: implement it over range reads if the tables are big. */
export interface SignatureSource {
  /** The MinHash signature of document `index`; it must stay valid until verification returns. */
  signature(index: number): Uint32Array;
  /** The sha256 of document `index`'s content, as 8 words. */
  digest(index: number): Uint32Array;
}

/** Finds the signatures of a scan partition; undefined when the flow has not loaded that partition. */
export type SignatureLookup = (partition: number) => SignatureSource | undefined;

export interface SignatureTableLayout {
  partition: number;
  count: number;
  numPerm: number;
  hasDigests: boolean;
  hasSignatures: boolean;
  scanPartitions: number;
  rowWords: number;
  /** Byte offset of row `index` in the blob; a row is `rowWords * 4` bytes. */
  rowOffset(index: number): number;
}

/** Reads the layout from the first 32 bytes of a signature table (enough for range reads). */
export function signatureTableLayout(header: Uint8Array, fingerprint?: number): SignatureTableLayout {
  const { fields } = readFrame(header.subarray(0, HEADER_BYTES), 'signature table', fingerprint);
  const [partition, count, numPerm, flags, scanPartitions] = fields;
  const hasDigests = (flags & FLAG_DIGESTS) !== 0;
  const hasSignatures = (flags & FLAG_SIGNATURES) !== 0;
  const rowWords = (hasDigests ? DIGEST_WORDS : 0) + (hasSignatures ? numPerm : 0);
  return { partition, count, numPerm, hasDigests, hasSignatures, scanPartitions, rowWords, rowOffset: (i) => HEADER_BYTES + i * rowWords * 4 };
}

/** Builds a signature table in place: the scan writes each row as it goes. */
export class SignatureTableWriter {
  readonly words: Uint32Array;
  readonly rowWords: number;
  constructor(
    fingerprint: number,
    partition: number,
    readonly count: number,
    readonly numPerm: number,
    readonly digests: boolean,
    readonly signatures: boolean,
    scanPartitions: number,
  ) {
    this.rowWords = (digests ? DIGEST_WORDS : 0) + (signatures ? numPerm : 0);
    const flags = (digests ? FLAG_DIGESTS : 0) | (signatures ? FLAG_SIGNATURES : 0);
    this.words = allocateBlob('signature table', fingerprint, [partition, count, signatures ? numPerm : 0, flags, scanPartitions], count * this.rowWords);
    if (signatures) {
      // "No signature" until a row is written.
      for (let i = 0; i < count; i++) this.words.fill(0xffffffff, this.sigOffset(i), this.sigOffset(i) + numPerm);
    }
  }
  private sigOffset(index: number): number {
    return HEADER_WORDS + index * this.rowWords + (this.digests ? DIGEST_WORDS : 0);
  }
  setDigest(index: number, digest: Uint8Array): void {
    const base = HEADER_WORDS + index * this.rowWords;
    for (let w = 0; w < DIGEST_WORDS; w++) {
      const o = w * 4;
      // Big-endian words, so word 0 is the digest's first four bytes (the prefix partitions use).
      this.words[base + w] = ((digest[o]! << 24) | (digest[o + 1]! << 16) | (digest[o + 2]! << 8) | digest[o + 3]!) >>> 0;
    }
  }
  setSignature(index: number, signature: Uint32Array): void {
    this.words.set(signature, this.sigOffset(index));
  }
  bytes(): Uint8Array {
    return blobBytes(this.words);
  }
}

/** A decoded signature table: zero-copy views into the blob. */
export class SignatureTable implements SignatureSource {
  readonly layout: SignatureTableLayout;
  private constructor(private readonly words: Uint32Array, layout: SignatureTableLayout) {
    this.layout = layout;
  }

  static decode(bytes: Uint8Array, fingerprint?: number): SignatureTable {
    const frame = readFrame(bytes, 'signature table', fingerprint);
    const layout = signatureTableLayout(bytes, fingerprint);
    expectBodyWords('signature table', frame, layout.count * layout.rowWords);
    return new SignatureTable(frame.words, layout);
  }

  get partition(): number {
    return this.layout.partition;
  }
  get count(): number {
    return this.layout.count;
  }

  signature(index: number): Uint32Array {
    const { hasSignatures, hasDigests, numPerm, rowWords } = this.layout;
    if (!hasSignatures) throw new DedupFormatError('signature table', 'holds no signatures (written for exact dedup only)');
    this.check(index);
    const start = HEADER_WORDS + index * rowWords + (hasDigests ? DIGEST_WORDS : 0);
    return this.words.subarray(start, start + numPerm);
  }

  digest(index: number): Uint32Array {
    if (!this.layout.hasDigests) throw new DedupFormatError('signature table', 'holds no digests (written for near dedup only)');
    this.check(index);
    const start = HEADER_WORDS + index * this.layout.rowWords;
    return this.words.subarray(start, start + DIGEST_WORDS);
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.layout.count) {
      throw new RangeError(`document ${index} is not in scan partition ${this.layout.partition} (${this.layout.count} documents)`);
    }
  }
}

/** Encodes the rank fields of a partition's documents, in document order. */
export function encodeMetaTable(fingerprint: number, partition: number, ranks: readonly RankFields[], scanPartitions = 0): Uint8Array {
  const count = ranks.length;
  const encoder = new TextEncoder();
  const ids = ranks.map((r) => encoder.encode(r.id));
  const idBytes = ids.reduce((n, b) => n + b.length, 0);
  const licenseWords = Math.ceil(count / 4);
  const body = licenseWords + 2 * count + (count + 1) + Math.ceil(idBytes / 4);
  const words = allocateBlob('metadata table', fingerprint, [partition, count, idBytes, scanPartitions, 0], body);
  const bytes = blobBytes(words);
  let o = HEADER_WORDS;
  const licenses = bytes.subarray(o * 4, (o + licenseWords) * 4);
  ranks.forEach((r, i) => (licenses[i] = LICENSE_CODES[r.licenseType]));
  o += licenseWords;
  ranks.forEach((r, i) => (words[o + i] = r.stars));
  o += count;
  ranks.forEach((r, i) => (words[o + i] = r.forks));
  o += count;
  let at = 0;
  const idStart = (o + count + 1) * 4;
  ids.forEach((b, i) => {
    words[o + i] = at;
    bytes.set(b, idStart + at);
    at += b.length;
  });
  words[o + count] = at;
  return bytes;
}

/** A decoded metadata table; ids are decoded on demand (the join touches few of them). */
export class MetaTable {
  private static readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly licenses: Uint8Array;
  private readonly stars: Uint32Array;
  private readonly forks: Uint32Array;
  private readonly offsets: Uint32Array;
  private readonly idBytes: Uint8Array;

  private constructor(readonly partition: number, readonly count: number, readonly scanPartitions: number, words: Uint32Array, idByteLength: number) {
    const bytes = blobBytes(words);
    let o = HEADER_WORDS;
    const licenseWords = Math.ceil(count / 4);
    this.licenses = bytes.subarray(o * 4, o * 4 + count);
    o += licenseWords;
    this.stars = words.subarray(o, o + count);
    o += count;
    this.forks = words.subarray(o, o + count);
    o += count;
    this.offsets = words.subarray(o, o + count + 1);
    o += count + 1;
    this.idBytes = bytes.subarray(o * 4, o * 4 + idByteLength);
  }

  static decode(bytes: Uint8Array, fingerprint?: number): MetaTable {
    const frame = readFrame(bytes, 'metadata table', fingerprint);
    const [partition, count, idBytes, scanPartitions] = frame.fields;
    expectBodyWords('metadata table', frame, Math.ceil(count / 4) + 3 * count + 1 + Math.ceil(idBytes / 4));
    const table = new MetaTable(partition, count, scanPartitions, frame.words, idBytes);
    if (table.offsets[count] !== idBytes) throw new DedupFormatError('metadata table', 'id offsets do not match the id bytes');
    for (let i = 0; i < count; i++) {
      if (table.licenses[i]! >= LICENSE_TYPES.length) throw new DedupFormatError('metadata table', `unknown license code ${table.licenses[i]}`);
      if (table.offsets[i]! > table.offsets[i + 1]!) throw new DedupFormatError('metadata table', 'id offsets are not ascending');
    }
    return table;
  }

  id(index: number): string {
    return MetaTable.decoder.decode(this.idBytes.subarray(this.offsets[index], this.offsets[index + 1]));
  }

  rank(index: number): RankFields {
    return { id: this.id(index), licenseType: LICENSE_TYPES[this.licenses[index]!]!, stars: this.stars[index]!, forks: this.forks[index]! };
  }
}

/** A lookup over whole signature tables (encoded or decoded), e.g. every table of a small run. */
export function signatureLookup(tables: Iterable<Uint8Array | SignatureTable>, fingerprint?: number): SignatureLookup {
  const byPartition = new Map<number, SignatureTable>();
  for (const t of tables) {
    const table = t instanceof SignatureTable ? t : SignatureTable.decode(t, fingerprint);
    if (byPartition.has(table.partition)) throw new DedupInputError('bucket', `two signature tables for scan partition ${table.partition}`, { partition: table.partition });
    byPartition.set(table.partition, table);
  }
  return (partition) => byPartition.get(partition);
}
