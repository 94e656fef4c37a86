/**
 * Lists of documents as bytes, for the blobs that carry a batch from one stage to the next. msgpack
 * with a version tag; decoding checks the shape, so a damaged or foreign blob fails loudly.
 */
import { Packr } from 'msgpackr';
import type { Doc } from '../pipeline.js';
import { StackDataError } from './errors.js';

const VERSION = 'stackmesh.docs.v1';
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export function encodeDocs(docs: readonly Doc[]): Uint8Array {
  return packr.pack({ v: VERSION, docs });
}

export function decodeDocs(bytes: Uint8Array): Doc[] {
  let value: unknown;
  try {
    value = packr.unpack(bytes);
  } catch (err) {
    throw new StackDataError('docs', `not a document list (${(err as Error).message})`, { cause: err });
  }
  const v = value as { v?: unknown; docs?: unknown };
  if (v?.v !== VERSION || !Array.isArray(v.docs)) throw new StackDataError('docs', `expected ${VERSION}, got ${String(v?.v)}`);
  for (const d of v.docs as Doc[]) {
    if (typeof d?.id !== 'string' || typeof d.path !== 'string' || typeof d.content !== 'string' || typeof d.meta !== 'object') {
      throw new StackDataError('docs', 'a document lacks id, path, content or meta');
    }
  }
  return v.docs as Doc[];
}

/** Plain data for a blob: a JSON-like value under a version tag. */
export function encodeValue(tag: string, value: unknown): Uint8Array {
  return packr.pack({ v: tag, value });
}

export function decodeValue<T>(tag: string, bytes: Uint8Array): T {
  let v: { v?: unknown; value?: unknown };
  try {
    v = packr.unpack(bytes) as typeof v;
  } catch (err) {
    throw new StackDataError(tag, `does not decode (${(err as Error).message})`, { cause: err });
  }
  if (v?.v !== tag) throw new StackDataError(tag, `expected ${tag}, got ${String(v?.v)}`);
  return v.value as T;
}
