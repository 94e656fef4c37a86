/**
 * SPDX license expressions (`MIT OR Apache-2.0`, `GPL-2.0-only WITH Classpath-exception-2.0`), parsed
 * with `spdx-expression-parse`. A bad expression is a value, not an exception: files in the wild
 * carry `SPDX-License-Identifier: GPLv2` and the pipeline must keep going.
 *
 * SPDX says license ids match case-insensitively, while the parser wants them exact, so an expression
 * that fails is retried once with its ids and operators put in canonical case (`mit or apache-2.0`).
 */
import { createRequire } from 'node:module';
import parse from 'spdx-expression-parse';

export type SpdxNode = parse.Info;

export interface ParsedExpression {
  /** As written, trimmed. */
  raw: string;
  valid: boolean;
  /** Canonical text when valid: ids in SPDX case, operators upper-case. */
  expression?: string;
  tree?: SpdxNode;
  /** The expression's terms, sorted unique: `MIT`, `GPL-2.0+`, `Apache-2.0 WITH LLVM-exception`. */
  ids: string[];
  /** Why it did not parse. */
  error?: string;
}

export function parseSpdxExpression(raw: string): ParsedExpression {
  const text = raw.trim();
  if (text === '') return { raw: text, valid: false, ids: [], error: 'empty expression' };
  let firstError: string | undefined;
  for (const candidate of [text, canonicalCase(text)]) {
    try {
      const tree = parse(candidate);
      return { raw: text, valid: true, expression: render(tree), tree, ids: termsOf(tree) };
    } catch (err) {
      firstError ??= describe(err);
    }
  }
  return { raw: text, valid: false, ids: [], error: firstError };
}

/** The leaves of an expression as terms, sorted unique. */
export function termsOf(tree: SpdxNode): string[] {
  const out = new Set<string>();
  const walk = (n: SpdxNode): void => {
    if ('conjunction' in n) {
      walk(n.left);
      walk(n.right);
    } else out.add(term(n));
  };
  walk(tree);
  return sortIds(out);
}

export function term(leaf: parse.LicenseInfo): string {
  return `${leaf.license}${leaf.plus ? '+' : ''}${leaf.exception ? ` WITH ${leaf.exception}` : ''}`;
}

/** Canonical text; a group under a different operator gets parentheses, even where precedence makes them optional. */
export function render(tree: SpdxNode, parent?: 'and' | 'or'): string {
  if (!('conjunction' in tree)) return term(tree);
  const text = `${render(tree.left, tree.conjunction)} ${tree.conjunction.toUpperCase()} ${render(tree.right, tree.conjunction)}`;
  return parent !== undefined && parent !== tree.conjunction ? `(${text})` : text;
}

/** Code-unit order, so the same set always serializes the same way. */
export function sortIds(ids: Iterable<string>): string[] {
  return [...new Set(ids)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

let canonicalIds: Map<string, string> | undefined;

/** Lower-case id → SPDX id, from spdx-license-list. */
export function canonicalId(id: string): string | undefined {
  if (!canonicalIds) {
    const ids = createRequire(import.meta.url)('spdx-license-list/simple') as ReadonlySet<string>;
    canonicalIds = new Map([...ids].map((i) => [i.toLowerCase(), i]));
  }
  return canonicalIds.get(id.toLowerCase());
}

function canonicalCase(text: string): string {
  return text.replace(/[A-Za-z0-9.+:-]+/g, (word) => {
    const upper = word.toUpperCase();
    if (upper === 'AND' || upper === 'OR' || upper === 'WITH') return upper;
    const plus = word.endsWith('+') ? '+' : '';
    const id = canonicalId(plus ? word.slice(0, -1) : word);
    if (id) return id + plus;
    const ref = /^(documentref-[^:]+:)?licenseref-(.+)$/i.exec(word);
    if (ref) return `${ref[1] ? `DocumentRef-${ref[1].slice('documentref-'.length)}` : ''}LicenseRef-${ref[2]}`;
    return word;
  });
}

function describe(err: unknown): string {
  // The parser reports a missing operand as a TypeError on null; say what it means.
  if (err instanceof TypeError) return 'incomplete expression';
  return err instanceof Error ? err.message : String(err);
}
