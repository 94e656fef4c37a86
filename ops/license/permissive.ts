/**
 * Which licenses count as permissive: the Blue Oak Council's permissive license list plus
 * public-domain dedications, as The Stack v2 did.
 *
 * Source: Blue Oak Council License List, https://blueoakcouncil.org/list, tiers Gold, Silver and
 * Bronze, transcribed to SPDX ids on 2026-11-27 (plus BlueOak-1.0.0, the Council's own model
 * license). The Lead tier (licenses the Council rates as badly drafted) is left out on purpose: a
 * file under one of those is dropped as non_permissive rather than kept on a doubtful license.
 * Every id here exists in spdx-license-list; a test checks that, so a typo cannot go unnoticed.
 */

export const BLUE_OAK_GOLD: readonly string[] = ['BlueOak-1.0.0', 'BSD-2-Clause-Patent'];

export const BLUE_OAK_SILVER: readonly string[] = [
  'ADSL', 'Apache-2.0', 'APAFML', 'BSD-1-Clause', 'BSD-2-Clause', 'BSD-2-Clause-FreeBSD', 'BSD-2-Clause-NetBSD',
  'BSD-2-Clause-Views', 'BSL-1.0', 'DSDP', 'ECL-1.0', 'ECL-2.0', 'ImageMagick', 'ISC', 'Linux-OpenIB', 'MIT',
  'MIT-Modern-Variant', 'MS-PL', 'MulanPSL-1.0', 'Mup', 'PostgreSQL', 'Spencer-99', 'UPL-1.0', 'Xerox',
];

export const BLUE_OAK_BRONZE: readonly string[] = [
  '0BSD', 'AFL-1.1', 'AFL-1.2', 'AFL-2.0', 'AFL-2.1', 'AFL-3.0', 'AMDPLPA', 'AML', 'AMPAS', 'ANTLR-PD',
  'ANTLR-PD-fallback', 'Apache-1.0', 'Apache-1.1', 'Artistic-2.0', 'Bahyph', 'Barr', 'BSD-3-Clause',
  'BSD-3-Clause-Attribution', 'BSD-3-Clause-Clear', 'BSD-3-Clause-LBNL', 'BSD-3-Clause-Modification',
  'BSD-3-Clause-No-Nuclear-License-2014', 'BSD-3-Clause-No-Nuclear-Warranty', 'BSD-3-Clause-Open-MPI',
  'BSD-4-Clause', 'BSD-4-Clause-Shortened', 'BSD-4-Clause-UC', 'BSD-Source-Code', 'bzip2-1.0.5', 'bzip2-1.0.6',
  'CC0-1.0', 'CNRI-Jython', 'CNRI-Python', 'CNRI-Python-GPL-Compatible', 'Cube', 'curl', 'eGenix', 'Entessa',
  'FTL', 'HTMLTIDY', 'IBM-pibs', 'ICU', 'Info-ZIP', 'Intel', 'JasPer-2.0', 'Libpng', 'libpng-2.0', 'libtiff',
  'LPPL-1.3c', 'MIT-0', 'MIT-advertising', 'MIT-CMU', 'MIT-enna', 'MIT-feh', 'MIT-open-group', 'MITNFA', 'MTLL',
  'MulanPSL-2.0', 'Multics', 'Naumen', 'NCSA', 'Net-SNMP', 'NetCDF', 'NTP', 'OLDAP-2.0', 'OLDAP-2.0.1',
  'OLDAP-2.1', 'OLDAP-2.2', 'OLDAP-2.2.1', 'OLDAP-2.2.2', 'OLDAP-2.3', 'OLDAP-2.4', 'OLDAP-2.5', 'OLDAP-2.6',
  'OLDAP-2.7', 'OLDAP-2.8', 'OML', 'OpenSSL', 'PHP-3.0', 'PHP-3.01', 'Plexus', 'PSF-2.0', 'Python-2.0', 'Ruby',
  'Saxpath', 'SGI-B-2.0', 'SMLNJ', 'SWL', 'TCL', 'TCP-wrappers', 'Unicode-DFS-2015', 'Unicode-DFS-2016',
  'Unlicense', 'VSL-1.0', 'W3C', 'X11', 'XFree86-1.1', 'Xnet', 'xpp', 'Zlib', 'zlib-acknowledgement', 'ZPL-2.0',
  'ZPL-2.1',
];

/** Public-domain dedications and waivers (some are also Blue Oak-rated; duplicates are harmless). */
export const PUBLIC_DOMAIN: readonly string[] = [
  'CC0-1.0', 'Unlicense', 'WTFPL', '0BSD', 'CC-PDDC', 'PDDL-1.0', 'SAX-PD', 'NIST-PD', 'NIST-PD-fallback', 'ANTLR-PD',
];

/**
 * Exceptions that only widen a permissive license's grant, so `X WITH exception` stays permissive
 * when X is. Any other exception makes the term non-permissive: the rule for WITH, as for AND, is
 * that every part must be on a list.
 */
export const PERMISSIVE_EXCEPTIONS: readonly string[] = ['LLVM-exception', 'Swift-exception'];

export const PERMISSIVE_LICENSES: ReadonlySet<string> = new Set([...BLUE_OAK_GOLD, ...BLUE_OAK_SILVER, ...BLUE_OAK_BRONZE, ...PUBLIC_DOMAIN]);

const permissiveLower = new Set([...PERMISSIVE_LICENSES].map((id) => id.toLowerCase()));
const exceptionsLower = new Set(PERMISSIVE_EXCEPTIONS.map((id) => id.toLowerCase()));

/** Case-insensitive, as SPDX ids are. `X+` ("X or later") is permissive when X is. */
export function isPermissiveId(id: string): boolean {
  return permissiveLower.has((id.endsWith('+') ? id.slice(0, -1) : id).toLowerCase());
}

export function isPermissiveException(id: string): boolean {
  return exceptionsLower.has(id.toLowerCase());
}
