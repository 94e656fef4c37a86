/**
 * `SPDX-License-Identifier:` tags in a file's first lines, in whatever comment syntax the language
 * uses: `//`, `#`, `/* … *\/`, `<!-- … -->`, `--`, `;`, `%`, `{- … -}`, `(* … *)`, `.. ` (reST), `REM`.
 * The tag's value is everything after the colon up to the line end, minus a comment closer and quotes.
 */
import { parseSpdxExpression, type ParsedExpression } from './expression.js';
import { LicenseOptionsError } from './errors.js';

export interface SpdxHeader extends ParsedExpression {
  /** 1-based line of the tag. */
  line: number;
}

export interface HeaderOptions {
  /** Only the first this many lines are read. Default 30. */
  maxLines?: number;
}

export const DEFAULT_HEADER_LINES = 30;

const TAG = /SPDX-License-Identifier\s*:\s*(.*)$/i;
/** Comment closers and string quotes that may trail the value on the same line. */
const TRAILER = /\s*(?:\*\/|-->|-\}|\*\)|"""|'''|#\}|%\}|--\]\]|\]\]|;|,|\\n|["'`])\s*$/;
const LEADING_QUOTE = /^["'`]/;

/** Every tag in the first `maxLines` lines; invalid expressions are returned with `valid: false`. */
export function findSpdxHeaders(text: string, options: HeaderOptions = {}): SpdxHeader[] {
  const maxLines = resolveMaxLines(options.maxLines);
  const headers: SpdxHeader[] = [];
  let start = 0;
  for (let line = 1; line <= maxLines && start <= text.length; line++) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    // Cheap test first: almost every line lacks the tag.
    const content = text.slice(start, text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    if (content.length > 0 && /spdx-license-identifier/i.test(content)) {
      const m = TAG.exec(content);
      if (m) headers.push({ line, ...parseSpdxExpression(cleanValue(m[1]!)) });
    }
    start = end + 1;
  }
  return headers;
}

/** Strips a trailing comment closer, quotes and `;`/`,` (`"Apache-2.0",` → `Apache-2.0`); a closer mid-value ends it. */
export function cleanValue(value: string): string {
  let v = value;
  const closer = /\*\/|-->|-\}|\*\)/.exec(v);
  if (closer) v = v.slice(0, closer.index);
  for (let prev = ''; prev !== v; ) {
    prev = v;
    v = v.replace(TRAILER, '').replace(LEADING_QUOTE, '').trim();
  }
  return v;
}

export function resolveMaxLines(maxLines: number | undefined, field = 'maxLines'): number {
  const n = maxLines ?? DEFAULT_HEADER_LINES;
  if (!Number.isInteger(n) || n < 1) throw new LicenseOptionsError(field, 'must be a positive integer');
  return n;
}
