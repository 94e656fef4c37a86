/**
 * Artifact serialization: msgpackr with structured-clone semantics (Map, Set, Date, RegExp, Error,
 * typed arrays, Buffer, BigInt, cycles). The same value gives the same bytes in any process, so the
 * same value gives the same digest.
 */
import { Packr } from 'msgpackr';

const packr = new Packr({ structuredClone: true, moreTypes: true });

export function packValue(value: unknown): Uint8Array {
  // pack() returns a view into a shared arena: copy before it is kept or transferred.
  return Uint8Array.prototype.slice.call(packr.pack(value));
}

export function unpackValue(bytes: Uint8Array): unknown {
  // Binary values decode as views of the source: a Buffer source keeps Buffers Buffers.
  return packr.unpack(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

const UNSUPPORTED_CLASSES: Array<[string, unknown]> = [
  ['Promise', Promise], ['WeakMap', WeakMap], ['WeakSet', WeakSet], ['WeakRef', globalThis.WeakRef],
  ['SharedArrayBuffer', SharedArrayBuffer],
];

/**
 * Why a value cannot be stored faithfully, or undefined when it can. msgpackr would silently drop
 * functions, so they are looked for first. `path` names where inside the value the problem is.
 */
export function unstorableReason(value: unknown): string | undefined {
  const seen = new Set<object>();
  const walk = (v: unknown, path: string): string | undefined => {
    const t = typeof v;
    if (t === 'function') return `${path || 'the value'} is a function`;
    if (t === 'symbol') return `${path || 'the value'} is a symbol`;
    if (t !== 'object' || v === null) return undefined;
    const obj = v as object;
    if (seen.has(obj)) return undefined;
    seen.add(obj);
    if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer || obj instanceof Date || obj instanceof RegExp) return undefined;
    for (const [name, cls] of UNSUPPORTED_CLASSES) {
      if (cls && obj instanceof (cls as new () => object)) return `${path || 'the value'} is a ${name}`;
    }
    if (obj instanceof Map) {
      let i = 0;
      for (const [k, val] of obj) {
        const r = walk(k, `${path}<key ${i}>`) ?? walk(val, `${path}.get(${JSON.stringify(String(k)).slice(0, 40)})`);
        if (r) return r;
        i++;
      }
      return undefined;
    }
    if (obj instanceof Set) {
      let i = 0;
      for (const val of obj) {
        const r = walk(val, `${path}<element ${i++}>`);
        if (r) return r;
      }
      return undefined;
    }
    if (Array.isArray(obj)) {
      for (let i = 0; i < obj.length; i++) {
        const r = walk(obj[i], `${path}[${i}]`);
        if (r) return r;
      }
      return undefined;
    }
    for (const key of Object.keys(obj)) {
      const r = walk((obj as Record<string, unknown>)[key], `${path}.${key}`);
      if (r) return r;
    }
    return undefined;
  };
  return walk(value, '');
}
