import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  blobKey,
  CODEC_BROTLI,
  CODEC_GZIP,
  CODEC_RAW,
  decodeBlob,
  encodeBlob,
  sha256Hex,
} from '../../protocol/cas.js';
import { CorruptBlobError, DigestMismatchError } from '../../protocol/errors.js';

const text = (s: string) => new TextEncoder().encode(s);

describe('cas', () => {
  it('names a blob by the sha256 hex of its bytes', () => {
    const bytes = text('hello mesh');
    const { digest } = encodeBlob(bytes);
    assert.equal(digest, createHash('sha256').update(bytes).digest('hex'));
    assert.equal(sha256Hex(bytes), digest);
  });

  it('keys a blob as data/<first two hex>/<sha256>', () => {
    const { digest } = encodeBlob(text('x'));
    assert.equal(blobKey(digest), `data/${digest.slice(0, 2)}/${digest}`);
  });

  it('stores bodies under 256 bytes raw', () => {
    const bytes = new Uint8Array(255).fill(65); // very compressible, still raw
    const { stored } = encodeBlob(bytes);
    assert.equal(stored[0], CODEC_RAW);
    assert.deepEqual(stored.subarray(1), bytes);
  });

  it('compresses bodies that compress by at least 10% (brotli), and still reads gzip from earlier versions', () => {
    const bytes = text('the same line again\n'.repeat(100));
    const { digest, stored } = encodeBlob(bytes);
    assert.equal(stored[0], CODEC_BROTLI);
    assert.ok(stored.length < bytes.length / 2);
    assert.deepEqual(decodeBlob(digest, stored), bytes);
    const old = Buffer.concat([Buffer.from([CODEC_GZIP]), gzipSync(bytes)]);
    assert.deepEqual(decodeBlob(digest, old), bytes);
    const broken = Buffer.from(stored);
    broken[5] ^= 0xff;
    assert.throws(() => decodeBlob(digest, broken), (err: Error) => err instanceof CorruptBlobError || err instanceof DigestMismatchError);
  });

  it('stores incompressible bodies raw', () => {
    const bytes = randomBytes(4096);
    const { digest, stored } = encodeBlob(bytes);
    assert.equal(stored[0], CODEC_RAW);
    assert.deepEqual(decodeBlob(digest, stored), new Uint8Array(bytes));
  });

  it('round-trips an empty blob', () => {
    const { digest, stored } = encodeBlob(new Uint8Array(0));
    assert.equal(decodeBlob(digest, stored).length, 0);
  });

  it('rejects bytes that do not match their digest, naming both digests', () => {
    const { digest } = encodeBlob(text('original'));
    const other = encodeBlob(text('tampered'));
    assert.throws(
      () => decodeBlob(digest, other.stored),
      (err: unknown) => {
        assert.ok(err instanceof DigestMismatchError);
        assert.equal(err.expected, digest);
        assert.equal(err.actual, other.digest);
        assert.equal(err.retryable, false);
        assert.equal(
          err.message,
          `blob data/${digest.slice(0, 2)}/${digest} is corrupt: expected sha256 ${digest}, got ${other.digest}`,
        );
        return true;
      },
    );
  });

  it('rejects an unknown codec byte and a broken payload as corrupt', () => {
    const { digest, stored } = encodeBlob(text('z'.repeat(1000)));
    const unknown = Uint8Array.from(stored);
    unknown[0] = 7;
    assert.throws(() => decodeBlob(digest, unknown), (err: unknown) => {
      assert.ok(err instanceof CorruptBlobError);
      assert.match(err.message, /is corrupt: unknown codec byte 7/);
      return true;
    });
    const truncated = stored.subarray(0, 5);
    assert.throws(() => decodeBlob(digest, truncated), /is corrupt: brotli payload does not decompress/);
    const gzipped = Buffer.concat([Buffer.from([CODEC_GZIP]), gzipSync(text('z'.repeat(1000)))]);
    assert.throws(() => decodeBlob(digest, gzipped.subarray(0, 6)), /is corrupt: gzip payload does not decompress/);
    assert.throws(() => decodeBlob(digest, new Uint8Array(0)), /is corrupt: empty object/);
  });
});
