/**
 * One repository end to end: find its license files, match them, read each file's SPDX header, and
 * propagate. The pure pieces (`licenseFileKind`, `matchLicenseText`, `findSpdxHeaders`,
 * `propagateLicenses`) stay usable on their own; this is the glue a pipeline calls once per repo.
 *
 *   const results = detectRepoLicenses(repo.files);   // [{ path, content }]
 *   const byId = new Map(results.map((r) => [`${repo.name}/${r.path}`, r]));
 *   licenseStep({ licenses: byId });
 */
import { findSpdxHeaders, type HeaderOptions, type SpdxHeader } from './header.js';
import { licenseFileKind, readmeLicenseSection, type LicenseFileKind } from './files.js';
import { matchLicenseText } from './match.js';
import { propagateLicenses, type FileLicenses, type FoundLicenseFile } from './propagate.js';
import { sortIds } from './expression.js';
import type { LicenseMatch, MatchOptions } from './types.js';

export interface LicenseFileScan extends FoundLicenseFile {
  kind: LicenseFileKind;
  /** Text matches, main license first. */
  matches: LicenseMatch[];
  /** SPDX tags in the file itself (some LICENSE files are just that). */
  headers: SpdxHeader[];
}

/** Matches a license file (or a README's License section); undefined for any other path. */
export function scanLicenseFile(path: string, text: string, options: MatchOptions & HeaderOptions = {}): LicenseFileScan | undefined {
  const kind = licenseFileKind(path);
  if (kind === undefined) return undefined;
  const body = kind === 'readme' ? readmeLicenseSection(text, path) : text;
  const matches = body === undefined ? [] : matchLicenseText(body, options);
  const headers = kind === 'license' ? findSpdxHeaders(text, options) : [];
  const ids = sortIds([...matches.map((m) => m.id), ...headers.filter((h) => h.valid).flatMap((h) => h.ids)]);
  return { path, kind, matches, headers, ids };
}

export interface RepoFileContent {
  path: string;
  content: string;
}

/** Every file's `detected_licenses` and `license_type`, from the repository's own files. */
export function detectRepoLicenses(files: readonly RepoFileContent[], options: MatchOptions & HeaderOptions = {}): FileLicenses[] {
  const licenseFiles: LicenseFileScan[] = [];
  for (const f of files) {
    const scan = scanLicenseFile(f.path, f.content, options);
    if (scan) licenseFiles.push(scan);
  }
  const repoFiles = files.map((f) => ({
    path: f.path,
    headerIds: findSpdxHeaders(f.content, options)
      .filter((h) => h.valid)
      .map((h) => h.expression!),
  }));
  return propagateLicenses(repoFiles, licenseFiles);
}
