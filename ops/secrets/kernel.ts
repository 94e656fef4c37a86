/**
 * The prefilter as a WebAssembly SIMD kernel: sixteen characters per step, one pass, so that the
 * detectors in JavaScript only ever look at the few places anchors.ts names. Per 16-byte block:
 *
 * - the base64 class of each byte by nibble lookup (two `i8x16.swizzle`s, the "shufti" technique),
 *   its bitmask, and the run that crosses into the block and the one reaching its end (a run of 15
 *   or more cannot lie strictly inside 16 bytes, so nothing else can be long);
 * - the hit conditions of anchors.ts as byte compares of the block against itself shifted by one,
 *   two and three bytes, collected into one bitmask whose set bits are stored as positions.
 *
 * Text comes in as UTF-16 (`Buffer#ucs2Write`) and is first narrowed to bytes with unsigned
 * saturation: every code unit above 0xFF becomes 0x00 or 0xFF, which belong to no class, exactly
 * as such a character matches none of the rules.
 */
import { assemble, I32, V128, type Instruction } from './wasm.js';

/** Narrowed text starts here; the bytes before it stay zero. */
const TEXT = 16;
/** Zero bytes kept after the text, for the shifted loads of the last block. */
const PADDING = 64;

type Program = Instruction[];

const nibbleTable = (f: (nibble: number) => number): number[] => Array.from({ length: 16 }, (_, i) => f(i));
const splat = (byte: number): Instruction => ['v128.const', new Array<number>(16).fill(byte)];

/**
 * Class bits of a byte: lo-nibble table AND hi-nibble table. Bit 0 marks `+ - /` (hi 2, lo B D F),
 * bit 1 digits, bit 2 `A-O a-o` minus `@` and backquote, bit 3 `P-Z p-z`, bit 4 `_`.
 */
const CLASS_LO = nibbleTable((l) => (l === 0xb || l === 0xd || l === 0xf ? 1 : 0) | (l <= 9 ? 2 : 0) | (l >= 1 ? 4 : 0) | (l <= 0xa ? 8 : 0) | (l === 0xf ? 16 : 0));
const CLASS_HI = nibbleTable((h) => ({ 2: 1, 3: 2, 4: 4, 5: 8 | 16, 6: 4, 7: 8 })[h] ?? 0);
/**
 * Bits of the byte after a hit candidate: `:` (bit 0), `/` (bit 1), digits (bit 2), `A-F a-f` (bit 3)
 * — what may follow the colon of an IPv6 address or of `://` — and the first letters of the tokens
 * that may follow a separator inside a run: `g n` (bit 4), `r s x` (bit 5), `A` (bit 6).
 */
const NEXT_LO = nibbleTable((l) => (l === 0xa ? 1 : 0) | (l === 0xf ? 2 : 0) | (l <= 9 ? 4 : 0) | (l >= 1 && l <= 6 ? 8 : 0) | (l === 7 || l === 0xe ? 16 : 0) | (l === 2 || l === 3 || l === 8 ? 32 : 0) | (l === 1 ? 64 : 0));
const NEXT_HI = nibbleTable((h) => ({ 2: 2, 3: 1 | 4, 4: 8 | 64, 6: 8 | 16, 7: 32 })[h] ?? 0);
const COLON_NEXT = 0x0f;
const FIRST = 0x70;
/**
 * What may precede the `=` or `:` of an assignment to a secret word (chars.ts OPERATOR_PREV): the
 * letters s d e t n y in either case, `_ $ . -`, a quote, a blank; and 0x00 and 0xFF, which stand
 * for every code unit above 0xFF after narrowing (some are blanks). Any bit is membership.
 */
const PREV_LO = nibbleTable((l) => (l === 0 || (l >= 9 && l <= 0xd) ? 1 : 0) | ([0, 2, 4, 7, 0xd, 0xe].includes(l) ? 2 : 0) | ([4, 5, 0xe].includes(l) ? 4 : 0) | ([3, 4, 9].includes(l) ? 8 : 0) | (l === 0xf ? 16 | 64 : 0) | (l === 0 ? 32 : 0));
const PREV_HI = nibbleTable((h) => ({ 0: 1, 2: 2, 4: 4, 5: 8 | 16, 6: 4, 7: 8, 0xa: 32, 0xf: 64 })[h] ?? 0);

/** Nibble lookup of the v128 in `local`: nonzero lanes are members. */
const shufti = (local: string, lo: number[], hi: number[]): Program => [
  ['v128.const', lo], ['local.get', local], splat(0x0f), ['v128.and'], ['i8x16.swizzle'],
  ['v128.const', hi], ['local.get', local], ['i32.const', 4], ['i8x16.shr_u'], ['i8x16.swizzle'],
  ['v128.and'],
];
const equals = (local: string, char: string): Program => [['local.get', local], splat(char.charCodeAt(0)), ['i8x16.eq']];
const nonzero: Program = [splat(0), ['i8x16.ne']];

const narrow: Program = [
  // for (i = 0; i < n; i += 16) text[i..i+16) = saturate(wide[2i..2i+32))
  ['i32.const', 0], ['local.set', 'i'],
  ['block'], ['loop'],
    ['local.get', 'i'], ['local.get', 'n'], ['i32.ge_u'], ['br_if', 1],
    ['local.get', 'i'], ['i32.const', TEXT], ['i32.add'],
    ['local.get', 'wide'], ['local.get', 'i'], ['i32.const', 1], ['i32.shl'], ['i32.add'], ['local.tee', 'p'], ['v128.load', 0],
    ['local.get', 'p'], ['v128.load', 16],
    ['i8x16.narrow_i16x8_u'], ['v128.store', 0],
    ['local.get', 'i'], ['i32.const', 16], ['i32.add'], ['local.set', 'i'],
    ['br', 0],
  ['end'], ['end'],
  // The last block may have narrowed bytes past the text: zero the padding.
  ...[0, 16, 32, 48].flatMap((offset): Program => [['local.get', 'n'], ['i32.const', TEXT], ['i32.add'], splat(0), ['v128.store', offset]]),
];

const storeRun = (start: Program, end: Program): Program => [
  ['local.get', 'rp'], ...start, ['i32.store', 0],
  ['local.get', 'rp'], ...end, ['i32.store', 4],
  ['local.get', 'rp'], ['i32.const', 8], ['i32.add'], ['local.set', 'rp'],
];

const block: Program = [
  ['local.get', 'p'], ['v128.load', 0], ['local.set', 'v0'],
  ['local.get', 'p'], ['v128.load', 1], ['local.set', 'v1'],
  ['local.get', 'p'], ['v128.load', 2], ['local.set', 'v2'],
  ...shufti('v0', CLASS_LO, CLASS_HI), ['local.set', 'cls'],
  // Runs: `carry` class bytes end the previous block.
  ['local.get', 'cls'], ...nonzero, ['i8x16.bitmask'], ['local.set', 'm'],
  ['local.get', 'm'], ['i32.const', 0xffff], ['i32.eq'],
  ['if'],
    ['local.get', 'carry'], ['i32.const', 16], ['i32.add'], ['local.set', 'carry'],
  ['else'],
    ['local.get', 'm'], ['i32.const', -1], ['i32.xor'], ['i32.ctz'], ['local.set', 'head'],
    ['local.get', 'carry'], ['local.get', 'head'], ['i32.add'], ['local.get', 'min'], ['i32.ge_u'],
    ['if'],
      ...storeRun(
        [['local.get', 'i'], ['local.get', 'carry'], ['i32.sub']],
        [['local.get', 'i'], ['local.get', 'head'], ['i32.add']],
      ),
    ['end'],
    // class bytes at the top of the block: leading zeros of the complement, in 16 bits
    ['local.get', 'm'], ['i32.const', -1], ['i32.xor'], ['i32.const', 16], ['i32.shl'], ['i32.clz'], ['local.set', 'carry'],
  ['end'],
  // Hits.
  ...shufti('v1', NEXT_LO, NEXT_HI), ['local.set', 'next'],
  ['local.get', 'p'], ['i32.const', 1], ['i32.sub'], ['v128.load', 0], ['local.set', 'prev'],
  ...shufti('prev', PREV_LO, PREV_HI), ...nonzero,
  ...equals('v0', ':'), ['local.tee', 'colon'], ...equals('v0', '='), ['v128.or'], ['v128.and'],
  ['local.get', 'next'], splat(COLON_NEXT), ['v128.and'], ...nonzero, ['local.get', 'colon'], ['v128.and'], ['v128.or'],
  ...equals('v0', '@'), ['v128.or'],
  ['local.get', 'cls'], splat(1), ['v128.and'], ...nonzero, ['local.get', 'next'], splat(FIRST), ['v128.and'], ...nonzero, ['v128.and'], ['v128.or'],
  ...equals('v0', 'A'), ['local.get', 'p'], ['v128.load', 3], splat(65), ['i8x16.eq'], ['v128.and'],
  ...equals('v2', 'I'), ...equals('v2', 'C'), ['v128.or'], ['v128.and'], ['v128.or'],
  ...equals('v0', 'y'), ...equals('v1', 'J'), ['v128.and'], ['v128.or'],
  ...equals('v0', 'B'), ...equals('v1', 'E'), ['v128.and'], ...equals('v2', 'G'), ['v128.and'], ['v128.or'],
  ['i8x16.bitmask'], ['local.set', 'm'],
  ['block'], ['loop'],
    ['local.get', 'm'], ['i32.eqz'], ['br_if', 1],
    ['local.get', 'hp'], ['local.get', 'i'], ['local.get', 'm'], ['i32.ctz'], ['i32.add'], ['i32.store', 0],
    ['local.get', 'hp'], ['i32.const', 4], ['i32.add'], ['local.set', 'hp'],
    ['local.get', 'm'], ['local.get', 'm'], ['i32.const', 1], ['i32.sub'], ['i32.and'], ['local.set', 'm'],
    ['br', 0],
  ['end'], ['end'],
];

const program: Program = [
  ...narrow,
  ['local.get', 'runs'], ['local.set', 'rp'],
  ['local.get', 'hits'], ['local.set', 'hp'],
  ['i32.const', 0], ['local.set', 'i'],
  ['block'], ['loop'],
    ['local.get', 'i'], ['local.get', 'n'], ['i32.ge_u'], ['br_if', 1],
    ['local.get', 'i'], ['i32.const', TEXT], ['i32.add'], ['local.set', 'p'],
    ...block,
    ['local.get', 'i'], ['i32.const', 16], ['i32.add'], ['local.set', 'i'],
    ['br', 0],
  ['end'], ['end'],
  // A run reaching the end of a text whose length is a multiple of 16.
  ['local.get', 'carry'], ['local.get', 'min'], ['i32.ge_u'],
  ['if'],
    ...storeRun([['local.get', 'n'], ['local.get', 'carry'], ['i32.sub']], [['local.get', 'n']]),
  ['end'],
  ['local.get', 'rp'], ['local.get', 'runs'], ['i32.sub'], ['i32.const', 3], ['i32.shr_u'],
  ['local.get', 'hp'], ['local.get', 'hits'], ['i32.sub'], ['i32.const', 2], ['i32.shr_u'],
];

export const KERNEL = assemble({
  exportName: 'anchors',
  params: { n: I32, min: I32, wide: I32, runs: I32, hits: I32 },
  results: [I32, I32],
  locals: { i: I32, p: I32, carry: I32, head: I32, m: I32, rp: I32, hp: I32, v0: V128, v1: V128, v2: V128, cls: V128, next: V128, prev: V128, colon: V128 },
  body: program,
});

/** Longest text the kernel takes; longer ones go to the JavaScript scan (and would need a large memory). */
export const KERNEL_MAX_LENGTH = 8 << 20;

// The ES lib and @types/node leave WebAssembly undeclared; this is the part used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

interface Instance {
  memory: WasmMemory;
  run: (n: number, min: number, wide: number, runs: number, hits: number) => [number, number];
}

let instance: Instance | null | undefined;

function load(): Instance | null {
  try {
    const memory = new WebAssembly.Memory({ initial: 16 });
    const exports = new WebAssembly.Instance(new WebAssembly.Module(KERNEL), { env: { memory } }).exports;
    return { memory, run: exports.anchors as unknown as Instance['run'] };
  } catch {
    // No WebAssembly SIMD here: anchors.ts scans in JavaScript.
    return null;
  }
}

let buffer: Buffer | undefined;
let words: Int32Array | undefined;

/**
 * Runs of at least `min` (15 or more) and hit positions of `text`, or undefined when the kernel is
 * unavailable. The returned arrays view the kernel's memory: valid until the next call.
 */
export function kernelAnchors(text: string, min: number): { runs: Int32Array; hits: Int32Array } | undefined {
  if (instance === undefined) instance = load();
  if (instance === null || text.length > KERNEL_MAX_LENGTH || min < 15) return undefined;
  const n = text.length;
  const wide = align(TEXT + n + PADDING);
  const runs = align(wide + 2 * n + 32);
  const hits = align(runs + 8 * ((n >> 4) + 2));
  const size = hits + 4 * (n + 16);
  const { memory } = instance;
  if (size > memory.buffer.byteLength) memory.grow(Math.ceil((size - memory.buffer.byteLength) / 65536));
  if (buffer === undefined || words === undefined || buffer.buffer !== memory.buffer) {
    buffer = Buffer.from(memory.buffer);
    words = new Int32Array(memory.buffer);
  }
  buffer.write(text, wide, 'utf16le');
  const [runCount, hitCount] = instance.run(n, min, wide, runs, hits);
  return {
    runs: words.subarray(runs >> 2, (runs >> 2) + 2 * runCount),
    hits: words.subarray(hits >> 2, (hits >> 2) + hitCount),
  };
}

const align = (offset: number): number => (offset + 63) & ~63;
