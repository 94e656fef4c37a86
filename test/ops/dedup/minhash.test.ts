import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minhashKernel } from '../../../ops/dedup/minhash.js';
import { simdKernel } from '../../../ops/dedup/simd.js';
import { bandKeys, estimateJaccard, jaccard, MinHasher, permutations, resolveDedupOptions, Shingler, shingleStrings, tokenize } from '../../../ops/dedup/index.js';
import { editLines, LRU_TS, rename, rng, SOURCES } from './fixtures.js';

/** Sets of random 32-bit values with |A ∩ B| / |A ∪ B| = common / (common + onlyA + onlyB) exactly. */
function pairWithJaccard(random: () => number, union: number, j: number): { a: Uint32Array; b: Uint32Array; exact: number } {
  const values = new Set<number>();
  while (values.size < union) values.add((random() * 4294967296) >>> 0);
  const all = [...values];
  const common = Math.round(j * union);
  const onlyA = Math.floor((union - common) / 2);
  const a = Uint32Array.from([...all.slice(0, common), ...all.slice(common, common + onlyA)]);
  const b = Uint32Array.from([...all.slice(0, common), ...all.slice(common + onlyA)]);
  return { a, b, exact: common / union };
}

describe('dedup minhash - the estimator', () => {
  it('estimates Jaccard within the binomial error over many pairs', () => {
    const hasher = new MinHasher(256, 1234);
    const random = rng(7);
    let beyond3 = 0;
    let sumZ2 = 0;
    let bias = 0;
    const pairs = 300;
    for (let t = 0; t < pairs; t++) {
      const target = [0.2, 0.4, 0.5, 0.7, 0.8, 0.9][t % 6]!;
      const { a, b, exact } = pairWithJaccard(random, 200 + Math.floor(random() * 1500), target);
      const sa = hasher.signHashes(a).slice();
      const sb = hasher.signHashes(b).slice();
      const se = Math.sqrt((exact * (1 - exact)) / 256);
      const z = (estimateJaccard(sa, sb) - exact) / se;
      if (Math.abs(z) > 3) beyond3++;
      sumZ2 += z * z;
      bias += estimateJaccard(sa, sb) - exact;
    }
    // 3 standard errors hold for 99.7 % of a binomial; allow a little slack but no systematic miss.
    assert.ok(beyond3 <= 3, `${beyond3} of ${pairs} estimates beyond 3 standard errors`);
    assert.ok(sumZ2 / pairs > 0.7 && sumZ2 / pairs < 1.3, `variance ratio ${sumZ2 / pairs} should be near 1`);
    assert.ok(Math.abs(bias / pairs) < 0.01, `mean bias ${bias / pairs}`);
  });

  it('estimates real code pairs close to their exact shingle Jaccard', () => {
    const hasher = new MinHasher();
    for (const [name, src] of Object.entries(SOURCES)) {
      const variant = editLines(src, 6, name.length);
      const exact = jaccard(shingleStrings(src), shingleStrings(variant));
      const est = estimateJaccard(hasher.sign(src)!.slice(), hasher.sign(variant)!.slice());
      const se = Math.sqrt((exact * (1 - exact)) / 256);
      assert.ok(Math.abs(est - exact) <= 3 * se + 1 / 256, `${name}: estimate ${est}, exact ${exact}`);
    }
  });

  it('gives identical signatures for identical sets and 1.0 as their estimate', () => {
    const hasher = new MinHasher();
    const s1 = hasher.sign(LRU_TS)!.slice();
    assert.deepEqual(hasher.sign(LRU_TS)!.slice(), s1);
    assert.equal(estimateJaccard(s1, s1), 1);
    // Shingles are a set: repeating the whole text adds only the shingles across the seam.
    const twice = hasher.sign(`${LRU_TS}\n${LRU_TS}`)!.slice();
    assert.ok(estimateJaccard(s1, twice) > 0.95);
  });

  it('is deterministic per seed and differs between seeds', () => {
    const a = new MinHasher(256, 42).sign(LRU_TS)!.slice();
    const b = new MinHasher(256, 42).sign(LRU_TS)!.slice();
    const c = new MinHasher(256, 43).sign(LRU_TS)!.slice();
    assert.deepEqual(a, b);
    assert.ok(estimateJaccard(a, c) < 0.1);
    const p = permutations(8, 42);
    assert.ok([...p.a].every((x) => (x & 1) === 1), 'multipliers are odd, so each permutation is a bijection');
  });

  it('pins signatures, band keys and the fingerprint: changing any of them must bump ALGORITHM_VERSION', () => {
    const text = 'export function add(a, b) { return a + b; }';
    assert.deepEqual([...new MinHasher(16, 1).sign(text)!.slice(0, 4)], [286159113, 385495183, 1335795199, 11899616]);
    const o = resolveDedupOptions();
    assert.equal(o.fingerprint, 0x3ed4d6fb);
    assert.deepEqual([...bandKeys(new MinHasher(256, o.seed).sign(text)!, 2, 3, new Uint32Array(4))], [1414289471, 1153421211, 252366214, 178653475]);
  });
});

describe('dedup minhash - kernels', () => {
  it('computes the same minima in the SIMD and the JS kernel', (t) => {
    const simd = simdKernel();
    if (!simd) return t.skip('no WebAssembly SIMD here: the JS kernel is all there is');
    const random = rng(11);
    for (const [numPerm, n] of [[16, 0], [16, 1], [256, 5], [256, 3000], [64, 777]] as const) {
      const p = permutations(numPerm, 99 + n);
      const hashes = Int32Array.from({ length: n }, () => (random() * 4294967296) | 0);
      const js = new Int32Array(numPerm);
      const wasm = new Int32Array(numPerm);
      minhashKernel(hashes, n, p, js);
      simd(hashes, n, p, wasm);
      assert.deepEqual(wasm, js, `numPerm ${numPerm}, ${n} hashes`);
    }
  });

  it('gives the same signatures whichever kernel runs, also for counts that are not multiples of 16', () => {
    for (const numPerm of [256, 100]) {
      const auto = new MinHasher(numPerm, 5);
      const js = new MinHasher(numPerm, 5, 5, 'js');
      assert.equal(js.kernelName, 'js');
      if (numPerm % 16 !== 0) assert.equal(auto.kernelName, 'js');
      for (const src of Object.values(SOURCES)) assert.deepEqual(auto.sign(src)!.slice(), js.sign(src)!.slice());
    }
  });

  it('matches the obvious definition: min over shingles of (a·x + b) mod 2^32', () => {
    const hasher = new MinHasher(32, 3);
    const hashes = new Shingler(5).hash(LRU_TS).slice();
    const sig = hasher.signHashes(hashes);
    const { a, biasedB } = hasher.perms;
    for (let i = 0; i < 32; i++) {
      let min = Infinity;
      for (const x of hashes) min = Math.min(min, Number((BigInt(a[i]! >>> 0) * BigInt(x >>> 0) + BigInt((biasedB[i]! ^ 0x80000000) >>> 0)) % 4294967296n));
      assert.equal(sig[i], min, `permutation ${i}`);
    }
  });
});

describe('dedup minhash - shingles', () => {
  it('lowercases and splits on non-word characters', () => {
    assert.deepEqual(tokenize('const fooBar=BAZ_qux(1.5); // Héllo wörld'), ['const', 'foobar', 'baz_qux', '1', '5', 'héllo', 'wörld']);
  });

  it('hashes exactly the distinct 5-word windows', () => {
    const shingler = new Shingler(5);
    for (const src of [...Object.values(SOURCES), rename(LRU_TS, 'entries', 'items')]) {
      assert.equal(shingler.hash(src).length, shingleStrings(src).size);
    }
    // Repeated windows count once.
    assert.equal(shingler.hash('a b c d e a b c d e').length, shingleStrings('a b c d e a b c d e').size);
    assert.equal(shingleStrings('a b c d e a b c d e').size, 5);
  });

  it('ignores case and punctuation-only differences', () => {
    const hasher = new MinHasher();
    const a = hasher.sign('Return value + Offset;  // Done')!.slice();
    const b = hasher.sign('return VALUE+offset //done')!.slice();
    assert.deepEqual(a, b);
  });

  it('makes one shingle of all words when there are fewer than five', () => {
    const shingler = new Shingler(5);
    assert.equal(shingler.hash('x = y + 1').length, 1);
    assert.deepEqual([...shingleStrings('x = y + 1')], ['x y 1']);
    assert.notDeepEqual([...shingler.hash('x = y + 1')], [...shingler.hash('x = y + 2')]);
    assert.notDeepEqual([...shingler.hash('a b c d')], [...shingler.hash('a b c')]);
  });

  it('has no signature for text without words', () => {
    assert.equal(new MinHasher().sign(''), undefined);
    assert.equal(new MinHasher().sign('{}();\n\t+= -- ==='), undefined);
  });

  it('respects the shingle size', () => {
    assert.equal(new Shingler(1).hash('a b a c').length, 3);
    assert.equal(new Shingler(3).hash('a b c d').length, 2);
  });
});
