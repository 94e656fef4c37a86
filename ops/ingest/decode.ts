/**
 * Records to documents: the last gate before the operators. A record is kept when it is at most
 * `maxBytes`, has no NUL byte and is valid UTF-8; otherwise it is dropped with `too_large`, `binary`
 * or `invalid_utf8`. Skips and drops are counted under the step `ingest`.
 */
import type { Doc, PipelineStats } from '../pipeline.js';
import { resolveIngestOptions, type IngestOptions, type ResolvedIngestOptions } from './options.js';
import type { DropReason, IngestItem, IngestRecord, RecordMeta } from './types.js';

export type DecodeOutcome = { keep: true; doc: Doc } | { keep: false; reason: DropReason };

/** Name under which skips and drops are counted: `ingest:<reason>`. */
export const INGEST_STEP = 'ingest';

// ignoreBOM keeps a byte-order mark in the text: the content stays exactly the file's bytes.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function decode(record: IngestRecord, options: IngestOptions | ResolvedIngestOptions = {}): DecodeOutcome {
  const { maxBytes } = resolveIngestOptions(options);
  const doc = (content: string): DecodeOutcome => ({ keep: true, doc: { id: record.id, path: record.path, content, meta: { ...record.meta } } });
  const { text } = record;
  if (text !== undefined) {
    // The same verdicts as for the UTF-8 bytes: a lone surrogate is what invalid UTF-8 becomes in a string.
    if (Buffer.byteLength(text, 'utf8') > maxBytes) return { keep: false, reason: 'too_large' };
    if (text.includes('\0')) return { keep: false, reason: 'binary' };
    if (!isWellFormed(text)) return { keep: false, reason: 'invalid_utf8' };
    return doc(text);
  }
  const { bytes } = record;
  if (bytes.length > maxBytes) return { keep: false, reason: 'too_large' };
  if (bytes.indexOf(0) !== -1) return { keep: false, reason: 'binary' };
  let content: string;
  try {
    content = utf8.decode(bytes);
  } catch {
    return { keep: false, reason: 'invalid_utf8' };
  }
  return doc(content);
}

/**
 * Decodes an item into a `Doc`, counting into `stats`: step `ingest` gets one `in` per item and one
 * `out` per document, skips and drops go to `dropped` as `ingest:<reason>`. The run's own `in`/`out`
 * are left to `runPipeline`, which the returned document goes through next.
 */
export function decodeItem(
  item: IngestItem,
  stats: PipelineStats,
  options: IngestOptions | ResolvedIngestOptions = {},
): Doc | undefined {
  const step = stats.step(INGEST_STEP);
  step.in++;
  const t0 = performance.now();
  const outcome = item.type === 'skip' ? ({ keep: false, reason: item.reason } as const) : decode(item.record, options);
  step.ms += performance.now() - t0;
  if (!outcome.keep) {
    stats.drop(`${INGEST_STEP}:${outcome.reason}`);
    return undefined;
  }
  step.out++;
  return outcome.doc;
}

/** A record of text content whose `bytes` are encoded only if someone asks for them. */
export function textRecord(id: string, path: string, text: string, meta: RecordMeta): IngestRecord {
  let bytes: Uint8Array | undefined;
  return {
    id,
    path,
    get bytes(): Uint8Array {
      return (bytes ??= utf8Bytes(text));
    },
    text,
    meta,
  };
}

/**
 * UTF-8 bytes of a string from a dataset row. A lone surrogate (JSON allows `"\ud800"`) is encoded
 * as its 3-byte WTF-8 form rather than U+FFFD, so `decode` sees invalid UTF-8 and drops the row,
 * instead of the content being silently changed.
 */
export function utf8Bytes(text: string): Uint8Array {
  if (isWellFormed(text)) return Buffer.from(text, 'utf8');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

// String.prototype.isWellFormed is in Node 20 but only in TypeScript's ES2024 lib.
const isWellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();
