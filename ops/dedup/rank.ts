/**
 * Which copy survives: among duplicates the best-ranked document is kept. The order, shared by exact
 * and near dedup: license type (permissive < no_license < other), then more stars, then more forks,
 * then id. Exact and near dedup rank the same way, so a file never survives one and loses the other
 * for a different reason.
 */
import type { Doc } from '../pipeline.js';

export type LicenseType = 'permissive' | 'no_license' | 'other';

/** Codes in rank order (lower is better); stored as one byte per document in the metadata table. */
export const LICENSE_CODES: Readonly<Record<LicenseType, number>> = { permissive: 0, no_license: 1, other: 2 };
export const LICENSE_TYPES: readonly LicenseType[] = ['permissive', 'no_license', 'other'];

/** What the rank looks at. Stars and forks are non-negative integers (missing counts as 0). */
export interface RankFields {
  id: string;
  licenseType: LicenseType;
  stars: number;
  forks: number;
}

/**
 * Default extraction from `doc.meta`: `licenseType` (or The Stack's column name `license_type`) equal
 * to `permissive` or `no_license`, anything else or nothing is `other`; `stars` and `forks` when they
 * are finite non-negative numbers.
 */
export function rankFieldsOf(doc: Doc): RankFields {
  const meta = doc.meta ?? {};
  const license = meta.licenseType ?? meta.license_type;
  return {
    id: doc.id,
    licenseType: license === 'permissive' || license === 'no_license' ? license : 'other',
    stars: count(meta.stars),
    forks: count(meta.forks),
  };
}

/** Clamped to what the metadata table stores (uint32). */
export function count(value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return 0;
  return Math.min(Math.floor(value), 0xffffffff);
}

/** Negative when `a` should be kept over `b`. Equal fields compare equal; callers break ties by docRef. */
export function compareRank(a: RankFields, b: RankFields): number {
  return (
    LICENSE_CODES[a.licenseType] - LICENSE_CODES[b.licenseType] ||
    b.stars - a.stars ||
    b.forks - a.forks ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}
