import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bucketCandidates,
  DedupFormatError,
  decodeEdges,
  decodeShufflePiece,
  EXACT_BAND,
  FORMAT_VERSION,
  MetaTable,
  MinHasher,
  resolveDedupOptions,
  scanPartition,
  SignatureTable,
  signatureLookup,
  signatureTableLayout,
  verifyCandidates,
  contentDigest,
  bandKeys,
  shufflePartitionOf,
  encodeMetaTable,
} from '../../../ops/dedup/index.js';
import { doc, editLines, LRU_TS, RING_C, SOURCES } from './fixtures.js';

const docs = [
  doc('acme/app/src/lru.ts', LRU_TS, { licenseType: 'permissive', stars: 120, forks: 9 }),
  doc('acme/fork/src/lru.ts', editLines(LRU_TS, 2, 1), { licenseType: 'no_license', stars: 3 }),
  doc('zed/ring/ring.c', RING_C, { license_type: 'permissive' }),
  doc('zed/empty/blank.txt', ''),
  doc('ünïcode/ids/名前.py', SOURCES['config.py']!, { stars: 2.7, forks: -4 }),
];

/** The same bytes at an odd offset inside a bigger buffer (as a Buffer read from disk can be). */
function misaligned(bytes: Uint8Array): Uint8Array {
  const host = new Uint8Array(bytes.length + 3);
  host.set(bytes, 1);
  return host.subarray(1, 1 + bytes.length);
}

describe('dedup codec - serialization round trips', () => {
  const o = resolveDedupOptions({ shufflePartitions: 3, scanPartitions: 8 });
  const scan = scanPartition(5, docs, o);

  it('writes one shuffle piece per bucket partition, each row where its key belongs', () => {
    assert.equal(scan.shuffle.length, 3);
    let exactRows = 0;
    let nearRows = 0;
    scan.shuffle.forEach((bytes, r) => {
      const piece = decodeShufflePiece(misaligned(bytes), o.fingerprint);
      assert.deepEqual([piece.scanPartition, piece.r, piece.R, piece.scanPartitions], [5, r, 3, 8]);
      for (let k = 0; k < piece.rows.length; k += 4) {
        assert.equal(shufflePartitionOf(piece.rows[k + 1]!, 3), r);
        if (piece.rows[k] === EXACT_BAND) exactRows++;
        else nearRows++;
      }
    });
    assert.equal(exactRows, docs.length, 'one exact row per document');
    assert.equal(nearRows, (docs.length - 1) * o.bands, 'one row per band, none for the document without words');
  });

  it('keys exact rows by the first 64 bits of the sha256 and near rows by band keys', () => {
    const rows = scan.shuffle.flatMap((b) => {
      const r = decodeShufflePiece(b).rows;
      return Array.from({ length: r.length / 4 }, (_, k) => [...r.subarray(4 * k, 4 * k + 4)]);
    });
    const digest = Buffer.from(contentDigest(RING_C));
    assert.ok(rows.some(([band, hi, lo, index]) => band === EXACT_BAND && index === 2 && hi === digest.readUInt32BE(0) && lo === digest.readUInt32BE(4)));
    const keys = bandKeys(new MinHasher(o.numPerm, o.seed).sign(RING_C)!, o.bands, o.rows, new Uint32Array(2 * o.bands));
    for (let b = 0; b < o.bands; b++) {
      assert.ok(rows.some(([band, hi, lo, index]) => band === b && index === 2 && hi === keys[2 * b] && lo === keys[2 * b + 1]), `band ${b}`);
    }
  });

  it('round-trips the signature table, with random access by row', () => {
    const table = SignatureTable.decode(misaligned(scan.signatures), o.fingerprint);
    assert.deepEqual([table.partition, table.count], [5, docs.length]);
    const hasher = new MinHasher(o.numPerm, o.seed);
    assert.deepEqual(table.signature(2), hasher.sign(RING_C));
    assert.deepEqual(Buffer.from(new Uint8Array(Uint32Array.from(table.digest(2), (w) => ((w >>> 24) | ((w >>> 8) & 0xff00) | ((w & 0xff00) << 8) | (w << 24)) >>> 0).buffer)), Buffer.from(contentDigest(RING_C)));
    assert.ok(table.signature(3).every((v) => v === 0xffffffff), 'no words: no signature');
    const layout = signatureTableLayout(scan.signatures.subarray(0, 32));
    const row = new Uint32Array(scan.signatures.slice(layout.rowOffset(2), layout.rowOffset(3)).buffer);
    assert.deepEqual(row.subarray(8), table.signature(2), 'a range read of one row gives the same signature');
    assert.throws(() => table.signature(docs.length), RangeError);
  });

  it('round-trips the metadata table, including non-ASCII ids and clamped counts', () => {
    const table = MetaTable.decode(misaligned(scan.meta), o.fingerprint);
    assert.deepEqual(table.rank(0), { id: 'acme/app/src/lru.ts', licenseType: 'permissive', stars: 120, forks: 9 });
    assert.deepEqual(table.rank(1), { id: 'acme/fork/src/lru.ts', licenseType: 'no_license', stars: 3, forks: 0 });
    assert.deepEqual(table.rank(2), { id: 'zed/ring/ring.c', licenseType: 'permissive', stars: 0, forks: 0 });
    assert.deepEqual(table.rank(4), { id: 'ünïcode/ids/名前.py', licenseType: 'other', stars: 2, forks: 0 });
    const empty = MetaTable.decode(encodeMetaTable(o.fingerprint, 0, []));
    assert.equal(empty.count, 0);
  });

  it('round-trips edges', () => {
    // P unknown (0): a bucket takes whatever pieces it is given.
    const alone = scanPartition(5, docs, { shufflePartitions: 3 });
    const lookup = signatureLookup([alone.signatures], o.fingerprint);
    const edges = [0, 1, 2].map((r) => verifyCandidates(bucketCandidates(r, [alone.shuffle[r]!], o), lookup, o));
    const all = edges.flatMap((b) => {
      const piece = decodeEdges(misaligned(b), o.fingerprint);
      return Array.from({ length: piece.edges.length / 5 }, (_, k) => [...piece.edges.subarray(5 * k, 5 * k + 5)]);
    });
    // Each bucket partition that sees the pair writes it; the join unites them.
    assert.ok(all.length >= 1);
    assert.deepEqual([...new Set(all.map((e) => e.join()))], ['5,0,5,1,0'], 'the forked file is a near duplicate of the original');
  });
});

describe('dedup codec - rejecting what does not fit', () => {
  const o = resolveDedupOptions({ shufflePartitions: 2 });
  const scan = scanPartition(0, docs.slice(0, 3), o);

  it('rejects bad magic, unknown versions, wrong kinds and truncation', () => {
    const bad = scan.meta.slice();
    bad[0] = 0;
    assert.throws(() => MetaTable.decode(bad), /bad magic/);
    const future = scan.meta.slice();
    future[4] = FORMAT_VERSION + 1;
    assert.throws(() => MetaTable.decode(future), (e: unknown) => e instanceof DedupFormatError && /format version 2 is not supported/.test(e.message));
    assert.throws(() => MetaTable.decode(scan.signatures), /metadata table: is a signature table/);
    assert.throws(() => SignatureTable.decode(scan.signatures.subarray(0, scan.signatures.length - 4)), /body has/);
    assert.throws(() => decodeShufflePiece(new Uint8Array(10)), /truncated/);
  });

  it('rejects blobs written with other parameters', () => {
    const other = resolveDedupOptions({ threshold: 0.8 });
    assert.notEqual(other.fingerprint, o.fingerprint);
    assert.throws(() => SignatureTable.decode(scan.signatures, other.fingerprint), /other dedup parameters/);
    assert.throws(() => bucketCandidates(0, [scan.shuffle[0]!], other), /other dedup parameters/);
  });
});
