/**
 * One document as one line of a shard: a JSON object with a fixed key order, so the same document
 * always gives the same bytes. Field names follow The Stack v2's (`license_type`, `detected_licenses`,
 * `length_bytes`), since the people reading shards mostly come from there.
 */
import type { Doc } from '../pipeline.js';
import { canonicalJson, sha256Hex } from './canonical.js';

/** The fields every record has, in this order; extra meta fields follow, in the order configured. */
export const RECORD_FIELDS = [
  'id', 'repo', 'path', 'language', 'license_type', 'detected_licenses', 'content', 'length_bytes', 'sha256',
] as const;

export interface DatasetRecord {
  id: string;
  repo: string | null;
  path: string;
  language: string | null;
  license_type: string | null;
  detected_licenses: string[];
  content: string;
  /** UTF-8 length of content. */
  length_bytes: number;
  /** sha256 (hex) of content as UTF-8. */
  sha256: string;
  [extra: string]: unknown;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** `meta.language` as a name, or as the detection object ops/language returns (`{ language: 'Python', ... }`). */
function languageOf(meta: Record<string, unknown>): string | null {
  const v = meta.language;
  if (v && typeof v === 'object') return str((v as { language?: unknown }).language);
  return str(v);
}

function licensesOf(meta: Record<string, unknown>): string[] {
  const v = meta.detected_licenses ?? meta.detectedLicenses;
  return Array.isArray(v) ? v.filter((l): l is string => typeof l === 'string') : [];
}

export function toRecord(doc: Doc, extraFields: readonly string[] = []): DatasetRecord {
  const { meta } = doc;
  const bytes = Buffer.from(doc.content, 'utf8');
  const record: DatasetRecord = {
    id: doc.id,
    repo: str(meta.repo),
    path: doc.path,
    language: languageOf(meta),
    license_type: str(meta.license_type ?? meta.licenseType),
    detected_licenses: licensesOf(meta),
    content: doc.content,
    length_bytes: bytes.length,
    sha256: sha256Hex(bytes),
  };
  for (const f of extraFields) record[f] = meta[f] ?? null;
  return record;
}

/** The record's line, newline included. Extra fields go through canonical JSON so nested meta is stable too. */
export function encodeRecord(record: DatasetRecord, extraFields: readonly string[] = []): Buffer {
  let line = '{';
  for (const f of RECORD_FIELDS) line += `${JSON.stringify(f)}:${JSON.stringify(record[f])},`;
  for (const f of extraFields) line += `${JSON.stringify(f)}:${canonicalJson(record[f] ?? null)},`;
  return Buffer.from(`${line.slice(0, -1)}}\n`, 'utf8');
}
