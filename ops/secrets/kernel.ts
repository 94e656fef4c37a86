/**
 * anchors.ts as a WebAssembly kernel, so that JavaScript only ever sees the few anchors that survive.
 *
 * One SIMD pass reads sixteen characters per step:
 * - the base64 class of each byte by nibble lookup (two `i8x16.swizzle`s, the "shufti" technique),
 *   and from its bitmask the run that crosses into the block and the one reaching its end (a run of
 *   15 or more cannot lie strictly inside 16 bytes, so no other can be long);
 * - the characters a hit can be at, by byte compares of the block against itself shifted.
 * Each long run and each such character then goes through the scalar predicates of anchors.ts
 * (`keepRun`, `keepHit`), written a second time in kernel-predicates.ts, and is kept only if it
 * passes. kernel-code.ts has the memory layout and the helpers all of this is written with.
 *
 * Text comes in as UTF-16 (`Buffer#ucs2Write`) and is narrowed to bytes with unsigned saturation:
 * code units above 0xFF become 0x00 (from 0x8000) or 0xFF. The predicates treat both as a blank
 * where a blank could matter, so a narrowed text keeps at least every anchor of the real one.
 */
import { BYTE_CLASS, C_LOG2_C, MIN_RUN, RUN } from './bytes.js';
import type { Anchors } from './anchors.js';
import type { Thresholds } from './types.js';
import { assemble, I32, V128, type FunctionSpec, type Instruction } from './wasm.js';
import {
  C_LOG2_C_AT, CONSTANTS, COUNTS, HITS_AT, NAMES_AT, PADDING, RUNS_AT, TABLE, TEXT, THRESHOLDS,
  add, and, byte, call, chr, eq, geS, get, int, loopWhile, ltS, ne, set, splat, sub, when, type Code,
} from './kernel-code.js';
import {
  awsKeyId, emailCandidate, ipv4Candidate, ipv6Candidate, keepHit, keepRun, operatorName, secretName, secretWordEnd, tokenPrefix, urlCandidate, wordStart,
} from './kernel-predicates.js';

// --- the SIMD pass -------------------------------------------------------------------------------

const nibbleTable = (f: (nibble: number) => number): number[] => Array.from({ length: 16 }, (_, i) => f(i));

/**
 * Class bits of a byte: lo-nibble table AND hi-nibble table. Bit 0 marks `+ - /` (hi 2, lo B D F),
 * bit 1 digits, bit 2 `A-O a-o` minus `@` and backquote, bit 3 `P-Z p-z`, bit 4 `_`.
 */
const CLASS_LO = nibbleTable((l) => (l === 0xb || l === 0xd || l === 0xf ? 1 : 0) | (l <= 9 ? 2 : 0) | (l >= 1 ? 4 : 0) | (l <= 0xa ? 8 : 0) | (l === 0xf ? 16 : 0));
const CLASS_HI = nibbleTable((h) => ({ 2: 1, 3: 2, 4: 4, 5: 8 | 16, 6: 4, 7: 8 })[h] ?? 0);
/**
 * Bits of the byte after a hit: `:` (bit 0), `/` (bit 1), digits (bit 2), `A-F a-f` (bit 3) — what
 * may follow the colon of an IPv6 address or of `://` — and the first letters of the tokens that
 * may follow a separator: `g n` (bit 4), `r s x` (bit 5), `A` (bit 6).
 */
const NEXT_LO = nibbleTable((l) => (l === 0xa ? 1 : 0) | (l === 0xf ? 2 : 0) | (l <= 9 ? 4 : 0) | (l >= 1 && l <= 6 ? 8 : 0) | (l === 7 || l === 0xe ? 16 : 0) | (l === 2 || l === 3 || l === 8 ? 32 : 0) | (l === 1 ? 64 : 0));
const NEXT_HI = nibbleTable((h) => ({ 2: 2, 3: 1 | 4, 4: 8 | 64, 6: 8 | 16, 7: 32 })[h] ?? 0);
const COLON_NEXT = 0x0f;
const FIRST = 0x70;
/**
 * What may stand right before the `=` or `:` of an assignment to a secret word (see
 * operatorName): s d e t n y in either case, `_ $ . -`, a quote, a blank, 0x00 and 0xFF.
 * Any bit is membership.
 */
const PREV_LO = nibbleTable((l) => (l === 0 || (l >= 9 && l <= 0xd) ? 1 : 0) | ([0, 2, 4, 7, 0xd, 0xe].includes(l) ? 2 : 0) | ([4, 5, 0xe].includes(l) ? 4 : 0) | ([3, 4, 9].includes(l) ? 8 : 0) | (l === 0xf ? 16 | 64 : 0) | (l === 0 ? 32 : 0));
const PREV_HI = nibbleTable((h) => ({ 0: 1, 2: 2, 4: 4, 5: 8 | 16, 6: 4, 7: 8, 0xa: 32, 0xf: 64 })[h] ?? 0);

/** Nibble lookup of the v128 in `local`: nonzero lanes are members. */
const shufti = (local: string, lo: number[], hi: number[]): Code => [
  ['v128.const', lo], ['local.get', local], splat(0x0f), ['v128.and'], ['i8x16.swizzle'],
  ['v128.const', hi], ['local.get', local], ['i32.const', 4], ['i8x16.shr_u'], ['i8x16.swizzle'],
  ['v128.and'],
];
const equals = (local: string, char: string): Code => [['local.get', local], splat(char.charCodeAt(0)), ['i8x16.eq']];
const nonzero: Code = [splat(0), ['i8x16.ne']];

const narrow: Code = [
  // for (i = 0; i < n; i += 16) text[i..i+16) = saturate(wide[2i..2i+32))
  ...set('i', int(0)),
  ...loopWhile(ltS(get('i'), get('n')), [
    ...add(get('i'), int(TEXT)),
    ...add(get('wide'), add(get('i'), get('i'))), ['local.tee', 'p'], ['v128.load', 0],
    ['local.get', 'p'], ['v128.load', 16],
    ['i8x16.narrow_i16x8_u'], ['v128.store', 0],
    ...set('i', add(get('i'), int(16))),
  ]),
  // The last block may have narrowed bytes past the text: zero the padding.
  ...[0, 16, 32, 48].flatMap((offset): Code => [...add(get('n'), int(TEXT)), splat(0), ['v128.store', offset]]),
];

const storeRun = (start: Code, end: Code, flags: Code): Code => [
  ...get('rp'), ...start, ['i32.store', 0],
  ...get('rp'), ...end, ['i32.store', 4],
  ...get('rp'), ...flags, ['i32.store', 8],
  ...set('rp', add(get('rp'), int(12))),
];

/**
 * Inside the run [s, e): a vendor token after `+`, `/` or `-`, and AWS key ids, each stored as a
 * run of its own that starts there (RUN.TOKEN, RUN.AWS). Sixteen bytes at a time. Returns `rp`.
 */
const innerAnchors: FunctionSpec = {
  name: 'innerAnchors', params: { s: I32, e: I32, rp: I32 }, results: [I32], locals: { q: I32, m: I32, at: I32, v: V128, v1: V128, v2: V128 },
  body: [
    ...set('q', get('s')),
    ...loopWhile(ltS(get('q'), get('e')), [
      ...add(get('q'), int(TEXT)), ['local.tee', 'at'], ['v128.load', 0], ['local.set', 'v'],
      ['local.get', 'at'], ['v128.load', 1], ['local.set', 'v1'],
      ['local.get', 'at'], ['v128.load', 2], ['local.set', 'v2'],
      ...equals('v', '+'), ...equals('v', '/'), ['v128.or'], ...equals('v', '-'), ['v128.or'],
      ...shufti('v1', NEXT_LO, NEXT_HI), splat(FIRST), ['v128.and'], ...nonzero, ['v128.and'],
      ...equals('v', 'A'), ['local.get', 'at'], ['v128.load', 3], splat(65), ['i8x16.eq'], ['v128.and'], ...equals('v2', 'I'), ...equals('v2', 'C'), ['v128.or'], ['v128.and'],
      ['v128.or'], ['i8x16.bitmask'],
      ...int(0xffff), ...sub([...int(1), ...sub(get('e'), get('q')), ['i32.shl']], int(1)), ...geS(sub(get('e'), get('q')), int(16)), ['select'],
      ['i32.and'], ['local.set', 'm'],
      ...loopWhile(ne(get('m'), int(0)), [
        ...set('at', add(get('q'), [...get('m'), ['i32.ctz']])),
        ...when(eq(byte(get('at')), chr('A')),
          when(call('awsKeyId', get('at')), storeRun(get('at'), add(get('at'), int(20)), int(RUN.AWS))),
          when(and(ltS(add(get('at'), int(1)), get('e')), call('tokenPrefix', add(get('at'), int(1)))), storeRun(add(get('at'), int(1)), get('e'), int(RUN.TOKEN)))),
        ...set('m', and(get('m'), sub(get('m'), int(1)))),
      ]),
      ...set('q', add(get('q'), int(16))),
    ]),
    ...get('rp'),
  ],
};

const keepAndStoreRun = (start: Code, end: Code): Code => [
  ...set('s', start),
  ...set('e', end),
  ...set('h', call('keepRun', get('s'), get('e'), get('minLength'))),
  ...when(get('h'), storeRun(get('s'), get('e'), get('h'))),
  ...set('rp', call('innerAnchors', get('s'), get('e'), get('rp'))),
];

const block: Code = [
  ...set('p', add(get('i'), int(TEXT))),
  ['local.get', 'p'], ['v128.load', 0], ['local.set', 'v0'],
  // Newlines before the block, for line numbers.
  ...add(get('lines'), [...get('i'), ['i32.const', 2], ['i32.shr_u']]), ...get('newlines'), ['i32.store', 0],
  ...set('newlines', add(get('newlines'), [...equals('v0', '\n'), ['i8x16.bitmask'], ['i32.popcnt']])),
  ['local.get', 'p'], ['v128.load', 1], ['local.set', 'v1'],
  ...shufti('v0', CLASS_LO, CLASS_HI), ['local.set', 'cls'],
  // Runs: `carry` class bytes end the previous block. Without branches but the rare one where a
  // long run ends: `m` marks the bytes outside the class (bit 16 set, so a full block reads as 16).
  ['local.get', 'cls'], ...nonzero, ['i8x16.bitmask'], ['i32.const', -1], ['i32.xor'], ['i32.const', 0x1ffff], ['i32.and'], ['local.set', 'm'],
  ...set('head', [...get('m'), ['i32.ctz']]),
  ...when(and(ne(get('head'), int(16)), geS(add(get('carry'), get('head')), get('min'))), [
    ...get('raw'), ...sub(get('i'), get('carry')), ['i32.store', 0],
    ...get('raw'), ...add(get('i'), get('head')), ['i32.store', 4],
    ...set('raw', add(get('raw'), int(8))),
  ]),
  // class bytes at the top of the block: leading zeros of the outside bits, in 16 bits
  ...set('carry', [...add(get('carry'), int(16)), ...get('m'), ['i32.const', 16], ['i32.shl'], ['i32.clz'], ...eq(get('head'), int(16)), ['select']]),
  // Where a hit may be: necessary conditions of keepHit, sixteen at a time. Three blocks in four
  // hold no `:` or `=`, so the operator conditions run only where one is.
  ['local.get', 'p'], ['v128.load', 2], ['local.set', 'v2'],
  ...equals('v0', ':'), ['local.tee', 'colon'], ...equals('v0', '='), ['v128.or'], ['local.tee', 'ops'],
  ['v128.any_true'],
  ['if'],
    ['local.get', 'p'], ['i32.const', 1], ['i32.sub'], ['v128.load', 0], ['local.set', 'prev'],
    ['local.get', 'ops'], ...shufti('prev', PREV_LO, PREV_HI), ...nonzero, ['v128.and'],
    ...shufti('v1', NEXT_LO, NEXT_HI), splat(COLON_NEXT), ['v128.and'], ...nonzero, ['local.get', 'colon'], ['v128.and'], ['v128.or'],
    ['local.set', 'ops'],
  ['end'],
  ['local.get', 'ops'],
  ...equals('v0', '@'), ['v128.or'],
  ...equals('v0', 'y'), ...equals('v1', 'J'), ['v128.and'], ['v128.or'],
  ...equals('v0', 'B'), ...equals('v1', 'E'), ['v128.and'], ['v128.or'],
  // digit, dot, digit: an IPv4 address's first dot
  ['local.get', 'v0'], splat(48), ['i8x16.sub'], splat(10), ['i8x16.lt_u'], ...equals('v1', '.'), ['v128.and'],
  ['local.get', 'v2'], splat(48), ['i8x16.sub'], splat(10), ['i8x16.lt_u'], ['v128.and'], ['v128.or'],
  ['i8x16.bitmask'], ['local.set', 'm'],
  ...loopWhile(ne(get('m'), int(0)), [
    ...get('hp'), ...add(get('i'), [...get('m'), ['i32.ctz']]), ['i32.store', 0],
    ...set('hp', add(get('hp'), int(4))),
    ...set('m', and(get('m'), sub(get('m'), int(1)))),
  ]),
];

const anchors: FunctionSpec = {
  name: 'anchors', exported: true,
  params: { n: I32, min: I32, minLength: I32, wide: I32, runs: I32, hits: I32, lines: I32, rawRuns: I32 },
  results: [],
  locals: { raw: I32, newlines: I32, i: I32, p: I32, s: I32, e: I32, h: I32, carry: I32, head: I32, m: I32, rp: I32, hp: I32, v0: V128, v1: V128, v2: V128, cls: V128, prev: V128, colon: V128, ops: V128 },
  body: [
    ...narrow,
    // The SIMD pass makes no calls (they would spill its registers): it stores the long runs and
    // the candidate hits as they come, and the predicates run over those lists afterwards.
    ...set('raw', get('rawRuns')),
    ...set('hp', get('hits')),
    ...set('i', int(0)),
    ...loopWhile(ltS(get('i'), get('n')), [...block, ...set('i', add(get('i'), int(16)))]),
    // A run reaching the end of a text whose length is a multiple of 16.
    ...when(geS(get('carry'), get('min')), [
      ...get('raw'), ...sub(get('n'), get('carry')), ['i32.store', 0],
      ...get('raw'), ...get('n'), ['i32.store', 4],
      ...set('raw', add(get('raw'), int(8))),
    ]),
    ...set('rp', get('runs')),
    ...set('i', get('rawRuns')),
    ...loopWhile(ltS(get('i'), get('raw')), [
      ...keepAndStoreRun([...get('i'), ['i32.load', 0]], [...get('i'), ['i32.load', 4]]),
      ...set('i', add(get('i'), int(8))),
    ]),
    ...int(RUNS_AT), ...get('rp'), ['i32.store', 0],
    // Hits kept in place.
    ...set('m', get('hp')),
    ...set('hp', get('hits')),
    ...set('i', get('hits')),
    ...loopWhile(ltS(get('i'), get('m')), [
      ...set('s', [...get('i'), ['i32.load', 0]]),
      ...when(call('keepHit', get('s'), get('n')), [
        ...get('hp'), ...get('s'), ['i32.store', 0],
        ...set('hp', add(get('hp'), int(4))),
      ]),
      ...set('i', add(get('i'), int(4))),
    ]),
    ...int(HITS_AT), ...get('hp'), ['i32.store', 0],
  ],
};

/**
 * V8 builds a `v128.const` with three instructions every time the loop reaches it; a load from
 * memory is one, often folded into the instruction that uses it. So every constant becomes a load
 * from a pool that `load` writes into memory.
 */
const POOL = new Map<string, number>();
function pooled(fn: FunctionSpec): FunctionSpec {
  const body = fn.body.flatMap((instruction): Instruction[] => {
    if (instruction[0] !== 'v128.const') return [instruction];
    const bytes = instruction[1] as readonly number[];
    const key = bytes.join(',');
    if (!POOL.has(key)) POOL.set(key, CONSTANTS + 16 * POOL.size);
    return [['i32.const', 0], ['v128.load', POOL.get(key)!]];
  });
  return { ...fn, body };
}

export const KERNEL = assemble(
  [anchors, keepRun, innerAnchors, awsKeyId, keepHit, ipv4Candidate, ipv6Candidate, urlCandidate, emailCandidate, operatorName, secretWordEnd, secretName, wordStart, tokenPrefix].map(pooled),
);
if (CONSTANTS + 16 * POOL.size > COUNTS) throw new Error('kernel constant pool overflows');

/** Longest text the kernel takes; longer ones go to the JavaScript scan (and would need a large memory). */
export const KERNEL_MAX_LENGTH = 4 << 20;

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
  run: (n: number, min: number, minLength: number, wide: number, runs: number, hits: number, lines: number, rawRuns: number) => void;
}

let instance: Instance | null | undefined;

function load(): Instance | null {
  try {
    const memory = new WebAssembly.Memory({ initial: 16 });
    new Uint8Array(memory.buffer).set(BYTE_CLASS, TABLE);
    new Float64Array(memory.buffer, C_LOG2_C_AT, C_LOG2_C.length).set(C_LOG2_C);
    for (const [key, at] of POOL) new Uint8Array(memory.buffer, at, 16).set(key.split(',').map(Number));
    const exports = new WebAssembly.Instance(new WebAssembly.Module(KERNEL), { env: { memory } }).exports;
    return { memory, run: exports.anchors as unknown as Instance['run'] };
  } catch {
    // No WebAssembly SIMD here: anchors.ts scans in JavaScript.
    return null;
  }
}

/** Anchors of a text with none (`newlines` empty too: nothing will need a line number). */
export const NO_ANCHORS: Anchors = Object.freeze({ runs: new Int32Array(0), hits: new Int32Array(0), names: new Int32Array(0), newlines: new Int32Array(0) });

let buffer: Buffer | undefined;
let words: Int32Array | undefined;
let doubles: Float64Array | undefined;
/** The thresholds last written to the kernel's memory. */
let thresholdsIn: Required<Thresholds> | undefined;

/**
 * anchors.ts `findAnchors` for texts the kernel takes, else undefined. The returned arrays view the
 * kernel's memory: valid until the next call.
 */
export function kernelAnchors(text: string, thresholds: Required<Thresholds>): Anchors | undefined {
  if (instance === undefined) instance = load();
  if (instance === null || text.length > KERNEL_MAX_LENGTH || thresholds.minLength < MIN_RUN) return undefined;
  const n = text.length;
  // Layout after the text: its UTF-16 copy, then the runs, hits, newline counts and names lists.
  const wide = align(TEXT + n + PADDING);
  const runs = align(wide + 2 * n + 32);
  const hits = align(runs + 12 * ((n >> 1) + 16));
  const lines = align(hits + 4 * (n + 16));
  const names = align(lines + 4 * ((n >> 4) + 2));
  const rawRuns = align(names + 12 * ((n >> 1) + 16));
  const size = rawRuns + 8 * ((n >> 4) + 2);
  // Only this function grows the memory (at least doubling it), so the views stay valid until it does.
  if (buffer === undefined || words === undefined || doubles === undefined || size > buffer.length) {
    const { memory } = instance;
    const have = memory.buffer.byteLength;
    if (size > have) memory.grow(Math.ceil(Math.max(size - have, have) / 65536));
    buffer = Buffer.from(memory.buffer);
    words = new Int32Array(memory.buffer);
    doubles = new Float64Array(memory.buffer, THRESHOLDS, 2);
    thresholdsIn = undefined;
  }
  if (thresholds !== thresholdsIn) {
    doubles[0] = thresholds.base64;
    doubles[1] = thresholds.hex;
    thresholdsIn = thresholds;
  }
  // What `buffer.write(text, wide, 'utf16le')` calls, without the argument handling around it.
  (buffer as Buffer & { ucs2Write(text: string, offset: number): number }).ucs2Write(text, wide);
  words[NAMES_AT >> 2] = names;
  instance.run(n, MIN_RUN, thresholds.minLength, wide, runs, hits, lines, rawRuns);
  const namesEnd = words[NAMES_AT >> 2]!;
  const runsEnd = words[RUNS_AT >> 2]!;
  const hitsEnd = words[HITS_AT >> 2]!;
  // Most texts have no anchor at all: no views to make.
  if (namesEnd === names && runsEnd === runs && hitsEnd === hits) return NO_ANCHORS;
  return {
    names: words.subarray(names >> 2, namesEnd >> 2),
    runs: words.subarray(runs >> 2, runsEnd >> 2),
    hits: words.subarray(hits >> 2, hitsEnd >> 2),
    newlines: words.subarray(lines >> 2, (lines >> 2) + ((n + 15) >> 4)),
  };
}

const align = (offset: number): number => (offset + 63) & ~63;

