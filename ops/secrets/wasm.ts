/**
 * A minimal WebAssembly assembler: one module that imports its memory as `env.memory` and exports one
 * function, written as a list of instructions with named locals. Enough for the SIMD prefilter in
 * kernel.ts, and small enough to read against the spec (binary format, sections 5.3–5.5; SIMD
 * opcodes are the final 0xFD-prefixed ones).
 */

export const I32 = 0x7f;
export const V128 = 0x7b;
export type ValueType = typeof I32 | typeof V128;

/** `[op, ...immediates]`: locals by name, v128 constants as 16 bytes, memory offsets as numbers. */
export type Instruction = readonly [string, ...(string | number | readonly number[])[]];

const PLAIN: Record<string, number> = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, br_if: 0x0d,
  'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22, 'i32.store': 0x36, 'i32.const': 0x41,
  'i32.eqz': 0x45, 'i32.eq': 0x46, 'i32.ne': 0x47, 'i32.lt_u': 0x49, 'i32.ge_u': 0x4f,
  'i32.clz': 0x67, 'i32.ctz': 0x68, 'i32.add': 0x6a, 'i32.sub': 0x6b, 'i32.and': 0x71, 'i32.or': 0x72,
  'i32.xor': 0x73, 'i32.shl': 0x74, 'i32.shr_u': 0x76,
};

const SIMD: Record<string, number> = {
  'v128.load': 0x00, 'v128.store': 0x0b, 'v128.const': 0x0c, 'i8x16.swizzle': 0x0e, 'i8x16.splat': 0x0f,
  'i8x16.eq': 0x23, 'i8x16.ne': 0x24, 'i8x16.lt_u': 0x26, 'v128.and': 0x4e, 'v128.or': 0x50,
  'v128.any_true': 0x53, 'i8x16.bitmask': 0x64, 'i8x16.narrow_i16x8_u': 0x66, 'i8x16.shr_u': 0x6d,
  'i8x16.sub': 0x71,
};

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const vector = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => vector([...Buffer.from(s, 'utf8')].map((b) => [b]));

export interface FunctionSpec {
  exportName: string;
  params: Record<string, ValueType>;
  results: ValueType[];
  locals: Record<string, ValueType>;
  body: readonly Instruction[];
}

export function assemble(spec: FunctionSpec): Uint8Array {
  const names = [...Object.keys(spec.params), ...Object.keys(spec.locals)];
  const local = (n: unknown): number[] => {
    const index = names.indexOf(String(n));
    if (index < 0) throw new Error(`unknown local ${String(n)}`);
    return uleb(index);
  };
  const code: number[] = [];
  for (const [op, ...args] of spec.body) {
    const [arg] = args;
    if (op in SIMD) {
      code.push(0xfd, ...uleb(SIMD[op]!));
      // memarg: alignment 1 (any address), then the offset.
      if (op === 'v128.load' || op === 'v128.store') code.push(0, ...uleb(Number(arg ?? 0)));
      if (op === 'v128.const') {
        if (!Array.isArray(arg) || arg.length !== 16) throw new Error('v128.const takes 16 bytes');
        code.push(...(arg as number[]));
      }
    } else if (op in PLAIN) {
      code.push(PLAIN[op]!);
      if (op === 'block' || op === 'loop' || op === 'if') code.push(0x40);
      else if (op.startsWith('local.')) code.push(...local(arg));
      else if (op === 'br' || op === 'br_if') code.push(...uleb(Number(arg)));
      else if (op === 'i32.const') code.push(...sleb(Number(arg)));
      else if (op === 'i32.store') code.push(2, ...uleb(Number(arg ?? 0)));
    } else {
      throw new Error(`unknown instruction ${op}`);
    }
  }
  const body = [...vector(Object.values(spec.locals).map((t) => [1, t])), ...code, 0x0b];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([[0x60, ...vector(Object.values(spec.params).map((t) => [t])), ...vector(spec.results.map((t) => [t]))]])),
    ...section(2, vector([[...name('env'), ...name('memory'), 0x02, 0x00, 0x01]])),
    ...section(3, vector([[0]])),
    ...section(7, vector([[...name(spec.exportName), 0x00, 0x00]])),
    ...section(10, vector([[...uleb(body.length), ...body]])),
  ]);
}
