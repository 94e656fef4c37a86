/**
 * Dataset rows (JSONL objects, Parquet rows) to records, through the configured field names. Values
 * are normalized to JSON: BigInt to number (or string past 2^53), Date to ISO text, bytes to text.
 */
import { textRecord } from './decode.js';
import type { ResolvedFieldNames } from './options.js';
import { record, skip, type IngestItem, type RecordMeta, type SourceType } from './types.js';

const lossy = new TextDecoder();

export interface RowPlace {
  source: SourceType;
  /** Where the row is, for skips: `data.jsonl:17`, `data.parquet#row9`. */
  where: string;
  line?: number;
  row?: number;
}

export function rowToItem(row: Record<string, unknown>, fields: ResolvedFieldNames, place: RowPlace): IngestItem {
  const content = first(row, fields.content);
  if (typeof content !== 'string' && !(content instanceof Uint8Array)) return skip(place.where, 'missing_content');

  const path = text(first(row, fields.path));
  if (path === undefined || path === '') return skip(place.where, 'missing_path');

  const meta: RecordMeta = { source: place.source };
  const repo = text(first(row, fields.repo));
  if (repo !== undefined && repo !== '') meta.repo = repo;
  const commit = text(first(row, fields.commit));
  if (commit !== undefined) meta.commit = commit;
  const license = licenses(first(row, fields.license));
  if (license !== undefined) meta.license = license;
  const stars = number(first(row, fields.stars));
  if (stars !== undefined) meta.stars = stars;
  const language = text(first(row, fields.language));
  if (language !== undefined) meta.language = language;
  const blobId = text(first(row, fields.blobId));
  if (blobId !== undefined) meta.blobId = blobId;
  if (place.line !== undefined) meta.line = place.line;
  if (place.row !== undefined) meta.row = place.row;
  for (const name of fields.keep) {
    const value = own(row, name);
    if (value !== undefined) meta[name] = plain(value);
  }
  const id = meta.repo ? `${meta.repo}/${path}` : path;
  return record(typeof content === 'string' ? textRecord(id, path, content, meta) : { id, path, bytes: content, meta });
}

/** The first of `names` whose value is present and not null. */
function first(row: Record<string, unknown>, names: readonly string[]): unknown {
  for (const name of names) {
    const value = own(row, name);
    if (value !== undefined && value !== null) return value;
  }
  return undefined;
}

// A row from JSON.parse is a plain object: `constructor` must not be found on its prototype.
const own = (row: Record<string, unknown>, name: string): unknown => (Object.hasOwn(row, name) ? row[name] : undefined);

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof Uint8Array) return lossy.decode(value);
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  return undefined;
}

function number(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

function licenses(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  const list = Array.isArray(value) ? value : [value];
  const out = list.map(text).filter((s): s is string => s !== undefined && s !== '');
  return out.length > 0 || Array.isArray(value) ? out : undefined;
}

/** A value as plain JSON, so meta serializes the same way everywhere. */
export function plain(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Uint8Array) return lossy.decode(value);
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return Array.from(value as ArrayLike<unknown>, plain);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as object)) if (v !== undefined) out[k] = plain(v);
    return out;
  }
  return null;
}
