import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeBlob, encodeBlob, fromInline, pickInline, toInline } from '../../protocol/cas.js';
import { CorruptBlobError, DigestMismatchError } from '../../protocol/errors.js';
import { digest, RUNS } from './arbitraries.js';

const bytes = fc.oneof(fc.uint8Array({ maxLength: 600 }), fc.string({ maxLength: 600 }).map((s) => new TextEncoder().encode(s.repeat(3))));
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

describe('protocol - inline blobs', () => {
  it('round trip: the bytes toInline wrote come back from fromInline', () => {
    fc.assert(fc.property(bytes, (b) => {
      const { digest: d, stored } = encodeBlob(b);
      assert.deepEqual(Buffer.from(fromInline(d, toInline(stored))), Buffer.from(b));
      assert.deepEqual(Buffer.from(decodeBlob(d, stored)), Buffer.from(b));
    }), RUNS);
  });

  it('an inline value changed in any way is a CorruptBlobError, never the bytes', () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), c: fc.constantFrom(...BASE64, '=', '!', ' ', '\n', '-', '_') }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), c: fc.constantFrom(...BASE64, '=', '!', ' ', '\n', '.') }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), c: fc.constant('') }),
    );
    fc.assert(fc.property(bytes, edit, (b, e) => {
      const { digest: d, stored } = encodeBlob(b);
      const good = toInline(stored);
      const at = e.at % (good.length + (e.kind === 'insert' ? 1 : 0));
      const bad = e.kind === 'set' ? good.slice(0, at) + e.c + good.slice(at + 1)
        : e.kind === 'insert' ? good.slice(0, at) + e.c + good.slice(at)
          : good.slice(0, at) + good.slice(at + 1);
      fc.pre(bad !== good);
      assert.throws(() => fromInline(d, bad), CorruptBlobError);
    }), { numRuns: 500 });
  });

  it('the unused bits of the last base64 character are corruption too', () => {
    const { digest: d, stored } = encodeBlob(new Uint8Array([65]));
    assert.equal(toInline(stored), 'AEE=');
    assert.throws(() => fromInline(d, 'AEF='), CorruptBlobError);
    assert.throws(() => fromInline(d, 'AEE=x'), CorruptBlobError);
    assert.throws(() => fromInline(d, 'AEE'), CorruptBlobError);
    assert.throws(() => fromInline(d, toInline(encodeBlob(new Uint8Array([66])).stored)), DigestMismatchError);
  });

  it('pickInline returns exactly the own entries the digests name', () => {
    const key = fc.oneof(digest, fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'));
    const inline = fc.dictionary(key, fc.string({ maxLength: 8 }), { maxKeys: 5 }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, string>);
    fc.assert(fc.property(inline, fc.array(key, { maxLength: 6 }), (map, wanted) => {
      const picked = pickInline(map, wanted);
      const expected = Object.entries(map).filter(([k]) => wanted.includes(k));
      if (expected.length === 0) assert.equal(picked, undefined);
      else assert.deepEqual(Object.entries(picked!).sort(), expected.sort());
    }), RUNS);
  });
});
