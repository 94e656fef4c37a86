/**
 * A minimal WebAssembly assembler: a module that imports its memory as `env.memory` and defines a
 * few functions, written as instruction lists with named locals and named calls. Enough for the
 * prefilter in kernel.ts, and small enough to read against the spec (binary format, sections
 * 5.3–5.5; SIMD opcodes are the final 0xFD-prefixed ones).
 */
import { name, section, sleb, uleb, vector } from '../wasm/encode.js';

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof F64 | typeof V128;

/** `[op, ...immediates]`: locals and callees by name, v128 constants as 16 bytes, memory offsets as numbers. */
export type Instruction = readonly [string, ...(string | number | readonly number[])[]];

export interface FunctionSpec {
  name: string;
  exported?: boolean;
  params: Record<string, ValueType>;
  results: ValueType[];
  locals: Record<string, ValueType>;
  body: readonly Instruction[];
}

const PLAIN: Record<string, number> = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d, return: 0x0f, call: 0x10,
  select: 0x1b, 'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22,
  'i32.load': 0x28, 'i32.load8_u': 0x2d, 'i32.store': 0x36, 'i32.const': 0x41,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_s': 0x48, 'i32.lt_u': 0x49, 'i32.gt_s': 0x4a,
  'i32.gt_u': 0x4b, 'i32.le_s': 0x4c, 'i32.le_u': 0x4d, 'i32.ge_s': 0x4e, 'i32.ge_u': 0x4f,
  'i32.clz': 0x67, 'i32.ctz': 0x68, 'i32.popcnt': 0x69, 'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.and': 0x71, 'i32.or': 0x72,
  'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_u': 0x76,
  'f64.load': 0x2b, 'f64.const': 0x44, 'f64.lt': 0x63, 'f64.ge': 0x66, 'f64.add': 0xa0, 'f64.sub': 0xa1,
  'f64.div': 0xa3, 'f64.convert_i32_s': 0xb7,
};

const SIMD: Record<string, number> = {
  'v128.load': 0x00, 'v128.store': 0x0b, 'v128.const': 0x0c, 'i8x16.swizzle': 0x0e, 'i8x16.splat': 0x0f,
  'i8x16.eq': 0x23, 'i8x16.ne': 0x24, 'i8x16.lt_u': 0x26, 'v128.and': 0x4e, 'v128.or': 0x50,
  'v128.any_true': 0x53, 'i8x16.bitmask': 0x64, 'i8x16.narrow_i16x8_u': 0x66, 'i8x16.shr_u': 0x6d,
  'i8x16.sub': 0x71,
};

/** Natural alignment (log2) of the memory instructions, written in their memarg. */
const ALIGN: Record<string, number> = { 'i32.load': 2, 'i32.store': 2, 'i32.load8_u': 0, 'f64.load': 3, 'v128.load': 0, 'v128.store': 0 };

function encodeBody(fn: FunctionSpec, functions: readonly FunctionSpec[]): number[] {
  const locals = [...Object.keys(fn.params), ...Object.keys(fn.locals)];
  const indexOf = (list: readonly string[], n: unknown, what: string): number[] => {
    const index = list.indexOf(String(n));
    if (index < 0) throw new Error(`${fn.name}: unknown ${what} ${String(n)}`);
    return uleb(index);
  };
  const code: number[] = [];
  for (const [op, ...args] of fn.body) {
    const [arg] = args;
    if (op in SIMD) {
      code.push(0xfd, ...uleb(SIMD[op]!));
      if (op in ALIGN) code.push(ALIGN[op]!, ...uleb(Number(arg ?? 0)));
      if (op === 'v128.const') {
        if (!Array.isArray(arg) || arg.length !== 16) throw new Error('v128.const takes 16 bytes');
        code.push(...(arg as number[]));
      }
    } else if (op in PLAIN) {
      code.push(PLAIN[op]!);
      if (op === 'block' || op === 'loop' || op === 'if') code.push(0x40);
      else if (op.startsWith('local.')) code.push(...indexOf(locals, arg, 'local'));
      else if (op === 'call') code.push(...indexOf(functions.map((f) => f.name), arg, 'function'));
      else if (op === 'br' || op === 'br_if') code.push(...uleb(Number(arg)));
      else if (op === 'i32.const') code.push(...sleb(Number(arg)));
      else if (op === 'f64.const') {
        const bytes = new DataView(new ArrayBuffer(8));
        bytes.setFloat64(0, Number(arg), true);
        code.push(...new Uint8Array(bytes.buffer));
      }
      else if (op in ALIGN) code.push(ALIGN[op]!, ...uleb(Number(arg ?? 0)));
    } else {
      throw new Error(`${fn.name}: unknown instruction ${op}`);
    }
  }
  return [...vector(Object.values(fn.locals).map((t) => [1, t])), ...code, 0x0b];
}

export function assemble(functions: readonly FunctionSpec[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(Object.values(f.params).map((t) => [t])), ...vector(f.results.map((t) => [t]))]);
  const exports = functions.flatMap((f, i) => (f.exported ? [[...name(f.name), 0x00, ...uleb(i)]] : []));
  const bodies = functions.map((f) => {
    const body = encodeBody(f, functions);
    return [...uleb(body.length), ...body];
  });
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vector(functions.map((_, i) => uleb(i)))),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies)),
  ]);
}
