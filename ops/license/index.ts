/**
 * License detection for code datasets, The Stack v2 style: SPDX headers, license files matched against
 * every SPDX license text, repository-level propagation, and the permissive/no_license/non_permissive
 * policy as a pipeline step.
 *
 *   import { matchLicenseText, findSpdxHeaders, detectRepoLicenses, licenseStep } from '../ops/license/index.js';
 *   matchLicenseText(readFileSync('LICENSE', 'utf8'));  // [{ id: 'MIT', ids: ['MIT'], score: 0.99, share: 0.98 }]
 *   findSpdxHeaders('// SPDX-License-Identifier: MIT OR Apache-2.0\n');  // [{ line: 1, valid: true, ids: ['Apache-2.0', 'MIT'], ... }]
 *   licenseType('MIT OR GPL-3.0-only');                 // 'permissive'
 *   const byId = new Map(detectRepoLicenses(files).map((r) => [`${repo}/${r.path}`, r]));
 *   runPipeline([licenseStep({ licenses: byId })], doc, stats);   // drops as 'license:non_permissive'
 *
 * The reference index over spdx-license-list's full texts is built on first use (about a second) and
 * kept for the process; see `reference.ts` and `match.ts` for how matching works.
 */
export { matchLicenseText } from './match.js';
export { normalizeLicenseText, EQUIVALENT_WORDS } from './normalize.js';
export { referenceIndex, rankIds, type LicenseGroup } from './reference.js';
export { parseSpdxExpression, termsOf, sortIds, type ParsedExpression, type SpdxNode } from './expression.js';
export { findSpdxHeaders, DEFAULT_HEADER_LINES, type HeaderOptions, type SpdxHeader } from './header.js';
export { licenseFileKind, readmeLicenseSection, type LicenseFileKind } from './files.js';
export { licenseType, combineTypes } from './type.js';
export {
  PERMISSIVE_LICENSES,
  PERMISSIVE_EXCEPTIONS,
  BLUE_OAK_GOLD,
  BLUE_OAK_SILVER,
  BLUE_OAK_BRONZE,
  PUBLIC_DOMAIN,
  isPermissiveId,
} from './permissive.js';
export { licenseIndex, propagateLicenses, normalizePath, type FileLicenses, type FoundLicenseFile, type RepoFile } from './propagate.js';
export { scanLicenseFile, detectRepoLicenses, type LicenseFileScan, type RepoFileContent } from './repo.js';
export {
  licenseStep,
  resolveLicenseStepOptions,
  DEFAULT_KEEP,
  type KnownLicenses,
  type LicenseStepOptions,
  type ResolvedLicenseStepOptions,
} from './step.js';
export { LicenseOptionsError, LicenseDataError } from './errors.js';
export {
  DEFAULT_MATCH_OPTIONS,
  LICENSE_TYPES,
  resolveMatchOptions,
  type LicenseMatch,
  type LicenseType,
  type MatchOptions,
  type ResolvedMatchOptions,
} from './types.js';
