/**
 * Generic high-entropy detection for keys no format rule knows: quoted strings and assignment values
 * drawn from the base64 or hex alphabet, flagged when their Shannon entropy clears a threshold and no
 * false-positive filter explains them away.
 */
import { isLockfile, isPlaceholder, isSequentialOrRepeated, isUuid, looksLikeHash, shannonEntropy } from './filters.js';
import { PRIORITY } from './rules.js';
import type { Candidate, ResolvedScanOptions } from './types.js';

const QUOTED = /(["'`])([A-Za-z0-9+/_-]+={0,2})\1/dg;
// `=` only as trailing padding, so `:_authToken=npm_…` yields the value, not the whole line.
const ASSIGNED = /[=:][ \t]*([A-Za-z0-9+/_-]+={0,2})(?![A-Za-z0-9+/=_.-])/dg;
const HEX = /^[0-9a-f]+$/i;

export type Alphabet = 'hex' | 'base64';

export function alphabetOf(value: string): Alphabet {
  return HEX.test(value) ? 'hex' : 'base64';
}

/** Why a candidate is not a secret, or undefined when it should be flagged. Exported for tests. */
export function rejectReason(
  text: string,
  start: number,
  value: string,
  thresholds: ResolvedScanOptions['thresholds'],
): string | undefined {
  const core = value.replace(/=+$/, '');
  if (core.length < thresholds.minLength) return 'too_short';
  if (isUuid(value)) return 'uuid';
  if (isPlaceholder(value)) return 'placeholder';
  if (isSequentialOrRepeated(core)) return 'sequential_or_repeated';
  if (looksLikeHash(text, start, value)) return 'hash';
  const alphabet = alphabetOf(core);
  // Long identifiers and paths (`HeaderMenuButton`, `src/components/list`) reach base64-level entropy;
  // a real key of this length without a single digit is rare enough to give up.
  if (alphabet === 'base64' && !/\d/.test(core)) return 'no_digit';
  if (shannonEntropy(core) < thresholds[alphabet]) return 'low_entropy';
  return undefined;
}

export function runEntropy(text: string, options: ResolvedScanOptions): Candidate[] {
  if (isLockfile(options.path)) return [];
  const out: Candidate[] = [];
  const seen = new Set<number>();
  for (const [pattern, group] of [[QUOTED, 2], [ASSIGNED, 1]] as const) {
    for (const m of text.matchAll(pattern)) {
      const [start, end] = m.indices![group]!;
      if (seen.has(start)) continue;
      seen.add(start);
      const value = text.slice(start, end);
      if (rejectReason(text, start, value, options.thresholds) !== undefined) continue;
      const rule = alphabetOf(value.replace(/=+$/, '')) === 'hex' ? 'entropy-hex' : 'entropy-base64';
      out.push({ kind: 'key', rule, start, end, priority: PRIORITY.entropy });
    }
  }
  return out;
}
