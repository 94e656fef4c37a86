/**
 * How the kernel (kernel.ts) is written: its memory layout, and a small expression language that
 * builds WebAssembly instruction lists for wasm.ts to assemble.
 */
import { BYTE_FLAGS, ENTROPY_MAX_RUN } from './bytes.js';
import type { Instruction } from './wasm.js';

/**
 * Memory layout: the byte class table, the entropy thresholds (hex, base64) and list pointers, the
 * vector constants, per-byte counts, the `c log2 c` table, a zero guard, then the narrowed text and
 * its zero padding.
 */
export const TABLE = 0;
export const THRESHOLDS = 256;
/** Where the names list is written next, and where the runs and hits lists end (addresses). */
export const NAMES_AT = 272;
export const RUNS_AT = 276;
export const HITS_AT = 280;
/** The v128 constants, loaded from memory rather than built in each iteration (see `pooled`). */
export const CONSTANTS = 1024;
export const COUNTS = 2048;
export const C_LOG2_C_AT = 3072;
export const TEXT = C_LOG2_C_AT + 8 * (ENTROPY_MAX_RUN + 1) + 1024;
export const PADDING = 64;

export type Code = Instruction[];

export const get = (local: string): Code => [['local.get', local]];
export const set = (local: string, value: Code): Code => [...value, ['local.set', local]];
export const int = (n: number): Code => [['i32.const', n]];
export const chr = (c: string): Code => int(c.charCodeAt(0));
export const op = (name: string) => (a: Code, b: Code): Code => [...a, ...b, [name]];
export const add = op('i32.add');
export const sub = op('i32.sub');
export const and = op('i32.and');
export const or = op('i32.or');
export const eq = op('i32.eq');
export const ne = op('i32.ne');
export const ltS = op('i32.lt_s');
export const leS = op('i32.le_s');
export const geS = op('i32.ge_s');
export const gtS = op('i32.gt_s');
export const not = (a: Code): Code => [...a, ['i32.eqz']];
export const inc = (local: string): Code => set(local, add(get(local), int(1)));
export const at = (local: string, offset: number): Code => (offset === 0 ? get(local) : add(get(local), int(offset)));
/** The narrowed text's byte at a logical position (the guard and the padding read as 0). */
export const byte = (position: Code): Code => [...position, ['i32.const', TEXT], ['i32.add'], ['i32.load8_u', 0]];
export const has = (b: Code, mask: number): Code => ne([...b, ['i32.load8_u', TABLE], ['i32.const', mask], ['i32.and']], int(0));
export const when = (cond: Code, then: Code, otherwise?: Code): Code => [...cond, ['if'], ...then, ...(otherwise ? [['else'] as Instruction, ...otherwise] : []), ['end']];
export const ret = (value: Code): Code => [...value, ['return']];
export const loopWhile = (cond: Code, body: Code): Code => [['block'], ['loop'], ...cond, ['i32.eqz'], ['br_if', 1], ...body, ['br', 0], ['end'], ['end']];
export const any = (...terms: Code[]): Code => terms.reduce((a, b) => or(a, b));
export const all = (...terms: Code[]): Code => terms.reduce((a, b) => and(a, b));
export const call = (fn: string, ...args: Code[]): Code => [...args.flat(), ['call', fn]];
/** `word` at `local + offset`, exactly (`fold`: ASCII letters in either case; `word` is lower-case). */
export const word = (local: string, offset: number, text: string, fold = false): Code =>
  all(...[...text].map((c, i) => eq(fold ? or(byte(at(local, offset + i)), int(0x20)) : byte(at(local, offset + i)), chr(c))));
export const { B64, HEX, NAME, SPACE, ALNUM, LOCAL, URL_STOP, WORD } = BYTE_FLAGS;
export const isNameNotAlnum = (b: Code): Code => eq([...b, ['i32.load8_u', TABLE], ['i32.const', NAME | ALNUM], ['i32.and']], int(NAME));
export const isDigit = (b: Code): Code => [...sub(b, chr('0')), ['i32.const', 10], ['i32.lt_u']];
export const isUpper = (b: Code): Code => [...sub(b, chr('A')), ['i32.const', 26], ['i32.lt_u']];
export const isLower = (b: Code): Code => [...sub(b, chr('a')), ['i32.const', 26], ['i32.lt_u']];
export const isUpperOrDigit = (b: Code): Code => or(isUpper(b), isDigit(b));
export const splat = (b: number): Instruction => ['v128.const', new Array<number>(16).fill(b)];
export const cLog2c = (count: Code): Code => [...count, ['i32.const', 3], ['i32.shl'], ['f64.load', C_LOG2_C_AT]];
