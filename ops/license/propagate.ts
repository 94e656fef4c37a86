/**
 * Repository-level propagation, a pure function over path lists: a license file speaks for the
 * directory it sits in (its "base path") and everything below, the nearest one winning, so
 * `vendor/lib/LICENSE` overrides the root `LICENSE` for files under `vendor/lib/`. A file's own SPDX
 * header is added to whatever it inherits.
 *
 *   propagateLicenses(
 *     [{ path: 'src/a.ts' }, { path: 'vendor/lib/b.c', headerIds: ['Zlib'] }],
 *     [{ path: 'LICENSE', ids: ['MIT'] }, { path: 'vendor/lib/COPYING', ids: ['GPL-2.0-only'] }],
 *   );
 *   // [{ path: 'src/a.ts', detected_licenses: ['MIT'], license_type: 'permissive', base_path: '' },
 *   //  { path: 'vendor/lib/b.c', detected_licenses: ['GPL-2.0-only', 'Zlib'], license_type: 'non_permissive', base_path: 'vendor/lib' }]
 */
import { parseSpdxExpression, sortIds } from './expression.js';
import { licenseType } from './type.js';
import type { LicenseType } from './types.js';

export interface RepoFile {
  path: string;
  /**
   * The file's own SPDX header: ids, or whole expressions (`MIT OR Apache-2.0`) when the OR should
   * count as an OR for `license_type` rather than as "both apply".
   */
  headerIds?: readonly string[];
}

export interface FoundLicenseFile {
  path: string;
  /** Ids matched in it. A file with none found does not shadow an ancestor's license. */
  ids: readonly string[];
}

export interface FileLicenses {
  path: string;
  /** Sorted unique SPDX ids (or `X WITH exception` terms). */
  detected_licenses: string[];
  license_type: LicenseType;
  /** Directory of the license files that applied ('' for the root); absent when none did. */
  base_path?: string;
}

export function propagateLicenses(files: readonly RepoFile[], licenseFiles: readonly FoundLicenseFile[]): FileLicenses[] {
  const licensesOf = licenseIndex(licenseFiles);
  return files.map(licensesOf);
}

/**
 * The same propagation for many files one at a time: the license files are indexed by directory
 * once, then each file costs a walk up its own directories.
 */
export function licenseIndex(licenseFiles: readonly FoundLicenseFile[]): (file: RepoFile) => FileLicenses {
  const byDir = new Map<string, Set<string>>();
  for (const lf of licenseFiles) {
    if (lf.ids.length === 0) continue;
    const dir = dirname(normalizePath(lf.path));
    let ids = byDir.get(dir);
    if (!ids) byDir.set(dir, (ids = new Set()));
    for (const id of lf.ids) ids.add(id);
  }
  return (file) => {
    const path = normalizePath(file.path);
    const base = nearest(dirname(path), byDir);
    const inherited = base === undefined ? [] : [...byDir.get(base)!];
    const header = file.headerIds ?? [];
    const out: FileLicenses = {
      path: file.path,
      detected_licenses: sortIds([...inherited, ...header.flatMap(termsOfEntry)]),
      license_type: licenseType([...inherited, ...header]),
    };
    if (base !== undefined) out.base_path = base;
    return out;
  };
}

/** `./a\\b/c.ts` → `a/b/c.ts`: one spelling, so prefixes compare. */
export function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').replace(/^(?:\.\/|\/)+/, '').replace(/\/{2,}/g, '/');
}

/** '' for a file at the root. */
export function dirname(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '' : path.slice(0, slash);
}

/** The closest directory at or above `dir` that has license files. */
function nearest(dir: string, byDir: ReadonlyMap<string, unknown>): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (byDir.has(d)) return d;
    if (d === '') return undefined;
  }
}

/** An entry's ids: itself when it is one, its terms when it is an expression. */
function termsOfEntry(entry: string): string[] {
  const text = entry.trim();
  if (text === '') return [];
  if (/^[A-Za-z0-9.+-]+$/.test(text)) return [text];
  const parsed = parseSpdxExpression(text);
  return parsed.valid ? parsed.ids : [text];
}
