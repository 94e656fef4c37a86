import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rejectReason } from '../../../ops/secrets/entropy.js';
import {
  DEFAULT_THRESHOLDS,
  isLockfile,
  isPlaceholder,
  isSequentialOrRepeated,
  resolveScanOptions,
  scan,
  SecretsOptionsError,
  shannonEntropy,
} from '../../../ops/secrets/index.js';
import { at, hex, noise } from './fixtures.js';

const reason = (value: string, text = `x = "${value}"`) => rejectReason(text, text.indexOf(value), value, DEFAULT_THRESHOLDS);

describe('secrets entropy - generic high-entropy candidates', () => {
  it('measures Shannon entropy in bits per character', () => {
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abcd'), 2);
    assert.equal(shannonEntropy(''), 0);
  });

  it('flags random base64 in quotes and hex in assignments, with the alphabet in the rule id', () => {
    const b = noise(48, 40);
    const h = hex(40, 41);
    const text = `const k = "${b}";\nSIGNING = ${h}\n`;
    const found = scan(text).map((f) => [f.rule, f.line, at(text, f)]);
    assert.deepEqual(found, [['entropy-base64', 1, b], ['entropy-hex', 2, h]]);
  });

  it('respects configurable thresholds', () => {
    const h = hex(24, 42);
    const text = `v = "${h}"`;
    assert.equal(scan(text).length, 1);
    assert.deepEqual(scan(text, { thresholds: { hex: 4.1 } }), []);
    assert.deepEqual(scan(`v = "${noise(48, 43)}"`, { thresholds: { base64: 5.5 } }), []);
    assert.equal(scan(`v = "${noise(12, 44)}"`, { thresholds: { minLength: 8, base64: 3 } }).length, 1);
  });

  it('rejects options that name an impossible threshold', () => {
    assert.throws(() => resolveScanOptions({ thresholds: { base64: -1 } }), (e: unknown) => e instanceof SecretsOptionsError && e.field === 'thresholds.base64');
    assert.throws(() => resolveScanOptions({ thresholds: { minLength: 0 } }), /thresholds.minLength must be a positive integer/);
    assert.deepEqual(resolveScanOptions({ thresholds: { hex: undefined } }).thresholds, DEFAULT_THRESHOLDS);
  });
});

describe('secrets entropy - false-positive filters', () => {
  it('skips short values', () => assert.equal(reason(noise(15, 45)), 'too_short'));

  it('skips UUIDs', () => assert.equal(reason('3f2b8c1e-9a4d-4e7f-b0c2-5d6e7f8a9b0c'), 'uuid'));

  it('skips everything in lockfiles', () => {
    const text = `"integrity": "${noise(40, 46)}", "x": "${noise(40, 47)}"`;
    assert.equal(scan(text).length, 1);
    for (const path of ['package-lock.json', 'a/b/yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'go.sum']) {
      assert.ok(isLockfile(path), path);
      assert.deepEqual(scan(text, { path }), []);
    }
    assert.equal(isLockfile('src/lock.ts'), false);
  });

  it('skips git SHAs and integrity hashes next to commit/sha/integrity words', () => {
    const sha = hex(40, 48);
    assert.equal(reason(sha, `commit ${sha}`), 'hash');
    assert.equal(reason(sha, `{"sha": "${sha}"}`), 'hash');
    assert.equal(reason(sha, `rev = "${sha}"`), 'hash');
    const sri = 'sha512-' + noise(40, 49);
    assert.equal(reason(sri, `x: "${sri}"`), 'hash');
    assert.equal(reason(sha), undefined);
  });

  it('skips sequential and repeated values', () => {
    for (const v of ['abcdefghijklmnopqrstuvwxyz0123456789', '12345678901234567890', 'xxxxxxxxxxxxxxxxxxxx', 'ab12ab12ab12ab12ab12', 'zyxwvutsrqponmlkjihg']) {
      assert.ok(isSequentialOrRepeated(v), v);
    }
    assert.equal(isSequentialOrRepeated(noise(24, 50)), false);
    assert.equal(reason('abcdefghijklmnopqrstuvwxyz0123456789'), 'sequential_or_repeated');
  });

  it('skips placeholders', () => {
    for (const v of ['<token>', '${API_TOKEN}', '{{ secret }}', 'your_api_key', 'changeme', 'example-key', '****', 'XXXXXXXX', 'password']) {
      assert.ok(isPlaceholder(v), v);
    }
    assert.equal(isPlaceholder(noise(20, 51)), false);
    assert.equal(reason('YOUR_API_KEY_GOES_HERE_1234'), 'placeholder');
  });

  it('skips long identifiers and paths that have no digit', () => {
    assert.equal(reason('src/components/HeaderMenuButtonWithIcon'), 'no_digit');
    assert.equal(reason('Aa1Bb2' + 'a'.repeat(20)), 'low_entropy');
  });
});
