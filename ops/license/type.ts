/**
 * `licenseType`: The Stack v2's bucket for what is known about a file's licenses.
 *
 *   licenseType([])                               // 'no_license'
 *   licenseType('MIT OR GPL-3.0-only')            // 'permissive': an OR needs one permissive branch
 *   licenseType('MIT AND GPL-3.0-only')           // 'non_permissive': an AND needs every part
 *   licenseType(['MIT', 'Apache-2.0'])            // 'permissive': a list is an AND of its entries
 *   licenseType('Apache-2.0 WITH LLVM-exception') // 'permissive': WITH needs license and exception
 *
 * Anything not on the allowlist (`permissive.ts`), including LicenseRef-* and text that is no valid
 * expression, is non_permissive: when in doubt, leave the file out.
 */
import { parseSpdxExpression, type ParsedExpression, type SpdxNode } from './expression.js';
import { isPermissiveException, isPermissiveId } from './permissive.js';
import type { LicenseType } from './types.js';

/** SPDX's "no license information" values. */
const NOTHING = new Set(['NONE', 'NOASSERTION']);

/**
 * One expression (string or parsed), or a list of entries that all apply (license files found plus a
 * header), each entry an id or an expression.
 */
export function licenseType(input: string | ParsedExpression | readonly (string | ParsedExpression)[]): LicenseType {
  const entries = (Array.isArray(input) ? input : [input]) as readonly (string | ParsedExpression)[];
  let seen = false;
  for (const entry of entries) {
    const type = entryType(entry);
    if (type === 'non_permissive') return 'non_permissive';
    if (type === 'permissive') seen = true;
  }
  return seen ? 'permissive' : 'no_license';
}

function entryType(entry: string | ParsedExpression): LicenseType {
  if (typeof entry === 'string') {
    const text = entry.trim();
    if (text === '' || NOTHING.has(text.toUpperCase())) return 'no_license';
    // A bare id (the common case) needs no parse: on the list or not is all there is to know.
    if (/^[A-Za-z0-9.+-]+$/.test(text)) return isPermissiveId(text) ? 'permissive' : 'non_permissive';
    entry = parseSpdxExpression(text);
  }
  if (!entry.valid || !entry.tree) return NOTHING.has(entry.raw.toUpperCase()) || entry.raw === '' ? 'no_license' : 'non_permissive';
  return isPermissiveTree(entry.tree) ? 'permissive' : 'non_permissive';
}

/** Types of parts that all apply (an AND): one non_permissive part decides, then any permissive one. */
export function combineTypes(...types: readonly LicenseType[]): LicenseType {
  if (types.includes('non_permissive')) return 'non_permissive';
  return types.includes('permissive') ? 'permissive' : 'no_license';
}

export function isPermissiveTree(tree: SpdxNode): boolean {
  if ('conjunction' in tree) {
    return tree.conjunction === 'or'
      ? isPermissiveTree(tree.left) || isPermissiveTree(tree.right)
      : isPermissiveTree(tree.left) && isPermissiveTree(tree.right);
  }
  return isPermissiveId(tree.license + (tree.plus ? '+' : '')) && (!tree.exception || isPermissiveException(tree.exception));
}
