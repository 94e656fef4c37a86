/**
 * The MinHash kernel as a tiny hand-assembled WebAssembly SIMD module: four i32x4 lanes × 4 vectors =
 * 16 permutations per pass over the shingle hashes, one `v128.load32_splat`, four multiplies, adds and
 * signed mins per hash. It computes exactly what `minhashKernel` (minhash.ts) computes — wrapping
 * 32-bit multiply and add, signed min of biased values — and tests hold the two to the same output.
 * When WebAssembly SIMD is missing, `simdKernel()` returns undefined and the JS kernel runs.
 *
 * Memory layout per call: A[k] | B[k] | OUT[k] | HASHES[n], all int32, starting at byte 0.
 */
import { name, section, sleb, uleb, vector } from '../wasm/encode.js';
import type { Permutations } from './minhash.js';

// Instruction bytes (WebAssembly core + SIMD proposal, as standardised).
const I32 = 0x7f;
const V128 = 0x7b;
const LOCAL_GET = 0x20;
const LOCAL_SET = 0x21;
const I32_CONST = 0x41;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_GE_U = 0x4f;
const BLOCK = 0x02;
const LOOP = 0x03;
const BR = 0x0c;
const BR_IF = 0x0d;
const END = 0x0b;
const VOID = 0x40;
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00];
const V128_LOAD32_SPLAT = [SIMD, 0x09];
const V128_STORE = [SIMD, 0x0b];
const I32X4_SPLAT = [SIMD, 0x11];
const I32X4_ADD = [SIMD, 0xae, 0x01];
const I32X4_MUL = [SIMD, 0xb5, 0x01];
const I32X4_MIN_S = [SIMD, 0xb6, 0x01];

const memarg = (alignLog2: number, offset: number) => [...uleb(alignLog2), ...uleb(offset)];

// kernel(aPtr, bPtr, outPtr, hashPtr, hashEnd, blocks): params 0..5; locals 6 = j (i32), 7 = x,
// 8..11 = a0..a3, 12..15 = b0..b3, 16..19 = m0..m3 (v128).
const P_A = 0, P_B = 1, P_OUT = 2, P_H = 3, P_END = 4, P_BLOCKS = 5, L_J = 6, L_X = 7, L_A = 8, L_B = 12, L_M = 16;

function kernelBody(): number[] {
  const code: number[] = [];
  const get = (i: number) => code.push(LOCAL_GET, ...uleb(i));
  const set = (i: number) => code.push(LOCAL_SET, ...uleb(i));
  code.push(BLOCK, VOID, LOOP, VOID); // $blocks: one pass per 16 permutations
  get(P_BLOCKS);
  code.push(0x45, BR_IF, 1); // i32.eqz → exit
  for (let q = 0; q < 4; q++) {
    get(P_A);
    code.push(...V128_LOAD, ...memarg(2, 16 * q));
    set(L_A + q);
    get(P_B);
    code.push(...V128_LOAD, ...memarg(2, 16 * q));
    set(L_B + q);
    code.push(I32_CONST, ...sleb(0x7fffffff), ...I32X4_SPLAT);
    set(L_M + q);
  }
  get(P_H);
  set(L_J);
  code.push(BLOCK, VOID, LOOP, VOID); // $hashes
  get(L_J);
  get(P_END);
  code.push(I32_GE_U, BR_IF, 1);
  get(L_J);
  code.push(...V128_LOAD32_SPLAT, ...memarg(2, 0));
  set(L_X);
  for (let q = 0; q < 4; q++) {
    get(L_M + q);
    get(L_A + q);
    get(L_X);
    code.push(...I32X4_MUL);
    get(L_B + q);
    code.push(...I32X4_ADD, ...I32X4_MIN_S);
    set(L_M + q);
  }
  get(L_J);
  code.push(I32_CONST, ...sleb(4), I32_ADD);
  set(L_J);
  code.push(BR, 0, END, END); // continue $hashes
  for (let q = 0; q < 4; q++) {
    get(P_OUT);
    get(L_M + q);
    code.push(...V128_STORE, ...memarg(2, 16 * q));
  }
  for (const p of [P_A, P_B, P_OUT]) {
    get(p);
    code.push(I32_CONST, ...sleb(64), I32_ADD);
    set(p);
  }
  get(P_BLOCKS);
  code.push(I32_CONST, 1, I32_SUB);
  set(P_BLOCKS);
  code.push(BR, 0, END, END, END); // continue $blocks; end of function
  return code;
}

export function kernelModuleBytes(): Uint8Array {
  const type = [0x60, ...vector(Array.from({ length: 6 }, () => [I32])), 0x00];
  const locals = vector([[1, I32], [13, V128]]);
  const body = [...locals, ...kernelBody()];
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([type])),
    ...section(3, vector([[0]])),
    ...section(5, vector([[0x00, 1]])), // memory: min 1 page, no max
    ...section(7, vector([[...name('kernel'), 0x00, 0], [...name('memory'), 0x02, 0]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}

export type Kernel = (hashes: Int32Array, n: number, p: Permutations, out: Int32Array) => void;

/** The slice of the WebAssembly global this module uses (the project's lib settings do not declare it). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

let cached: Kernel | null | undefined;

/** The SIMD kernel for permutation counts that are multiples of 16, or undefined without WebAssembly SIMD. */
export function simdKernel(): Kernel | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  try {
    const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
    const bytes = kernelModuleBytes();
    if (!wasm || !wasm.validate(bytes)) return undefined;
    const instance = new wasm.Instance(new wasm.Module(bytes), {});
    const memory = instance.exports.memory as WasmMemory;
    const kernel = instance.exports.kernel as (a: number, b: number, out: number, h: number, end: number, blocks: number) => void;
    let heap = new Int32Array(memory.buffer);
    cached = (hashes, n, p, out) => {
      const k = p.a.length;
      const words = 3 * k + n;
      if (words > heap.length) {
        memory.grow(Math.ceil((words * 4 - memory.buffer.byteLength) / 65536));
        heap = new Int32Array(memory.buffer);
      }
      heap.set(p.a, 0);
      heap.set(p.biasedB, k);
      heap.set(hashes.subarray(0, n), 3 * k);
      kernel(0, 4 * k, 8 * k, 12 * k, 12 * k + 4 * n, k / 16);
      out.set(heap.subarray(2 * k, 3 * k));
    };
  } catch {
    cached = null;
  }
  return cached ?? undefined;
}
