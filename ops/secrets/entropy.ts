/**
 * Generic high-entropy detection for keys no format rule knows: quoted strings and assignment values
 * drawn from the base64 or hex alphabet, flagged when their Shannon entropy clears a threshold and no
 * false-positive filter explains them away.
 *
 * A candidate is what QUOTED or ASSIGNED matches. Rather than run them, the scan takes the runs
 * anchors.ts keeps (long base64 runs with a candidate's surroundings, alphabet and entropy) and checks
 * each run's two ends exactly. The one thing a global regex does that a look at the ends does not is
 * consume: in `"ab"cd…"` the quote before `cd…` closed the match `"ab"`, so it opens none. `Consumed`
 * replays that along the (rare) chain of matches that end where the next begins.
 */
import { RUN } from './bytes.js';
import { B64, CHARS, codeAt } from './chars.js';
import {
  asciiEntropy,
  isLockfile,
  isPlaceholder,
  isSequentialOrRepeated,
  isUuid,
  looksLikeHash,
  shannonEntropy,
} from './filters.js';
import { PRIORITY } from './rules.js';
import type { Candidate, ResolvedScanOptions } from './types.js';

/** The candidates, by definition; the scan finds exactly their matches of minimum length. */
export const QUOTED = /(["'`])([A-Za-z0-9+/_-]+={0,2})\1/dg;
// `=` only as trailing padding, so `:_authToken=npm_…` yields the value, not the whole line.
export const ASSIGNED = /[=:][ \t]*([A-Za-z0-9+/_-]+={0,2})(?![A-Za-z0-9+/=_.-])/dg;
const HEX_VALUE = /^[0-9a-f]+$/i;

export type Alphabet = 'hex' | 'base64';

export function alphabetOf(value: string): Alphabet {
  return HEX_VALUE.test(value) ? 'hex' : 'base64';
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

/**
 * The rule id when the value [start, valueEnd) with core [start, coreEnd) is flagged, else undefined:
 * `rejectReason === undefined`. The anchor's flags already settle the alphabet, the digit and, unless
 * RUN.UNSURE, the entropy; what is left needs the value itself.
 */
function flaggedRule(
  text: string,
  start: number,
  coreEnd: number,
  valueEnd: number,
  flags: number,
  thresholds: ResolvedScanOptions['thresholds'],
): string | undefined {
  const hex = (flags & RUN.HEX) !== 0;
  if ((flags & RUN.UNSURE) !== 0 && asciiEntropy(text, start, coreEnd) < (hex ? thresholds.hex : thresholds.base64)) return undefined;
  const value = text.slice(start, valueEnd);
  if (isUuid(value) || isPlaceholder(value) || isSequentialOrRepeated(value.slice(0, coreEnd - start)) || looksLikeHash(text, start, value)) {
    return undefined;
  }
  return hex ? 'entropy-hex' : 'entropy-base64';
}

/**
 * Whether a global regex consumed a position. `previous(at)` is the start of the only match that
 * could cover `at` (-1 when none can); that match happened unless its own start was consumed.
 * Positions are asked in ascending order; remembering the last answer keeps a long chain linear.
 */
class Consumed {
  private lastAt = -1;
  private last = false;

  constructor(private readonly previous: (at: number) => number) {}

  test(at: number): boolean {
    let flips = false;
    let base = false;
    for (let p = at; ; flips = !flips) {
      if (p === this.lastAt) {
        base = this.last;
        break;
      }
      p = this.previous(p);
      if (p < 0) break;
    }
    this.lastAt = at;
    this.last = base !== flips;
    return this.last;
  }
}

/** QUOTED: the match a quote at `at` would close opens at the same quote before a padded run. */
function quoteOpening(text: string, at: number): number {
  let j = at - 1;
  for (let padding = 0; j >= 0 && text.charCodeAt(j) === 61; j--) if (++padding > 2) return -1;
  const runEnd = j;
  while (j >= 0 && (CHARS[text.charCodeAt(j)]! & B64) !== 0) j--;
  return j !== runEnd && j >= 0 && text.charCodeAt(j) === text.charCodeAt(at) ? j : -1;
}

/** ASSIGNED: an `=` at `at` is consumed only as the padding of the match of the operator before its run. */
function operatorBefore(text: string, at: number): number {
  if (text.charCodeAt(at) !== 61) return -1;
  let from = at;
  while (from > 0 && text.charCodeAt(from - 1) === 61) from--;
  let to = at + 1;
  while (to < text.length && text.charCodeAt(to) === 61) to++;
  const after = codeAt(text, to);
  if (to - from > 2 || (after >= 0 && ((CHARS[after]! & B64) !== 0 || after === 46))) return -1;
  let j = from - 1;
  while (j >= 0 && (CHARS[text.charCodeAt(j)]! & B64) !== 0) j--;
  if (j === from - 1) return -1;
  while (j >= 0 && (text.charCodeAt(j) === 32 || text.charCodeAt(j) === 9)) j--;
  const op = codeAt(text, j);
  return op === 61 || op === 58 ? j : -1;
}

/** Entropy candidates among the anchors' runs (`[start, end, flags, …]`, ascending). */
export function findEntropy(text: string, runs: ArrayLike<number>, options: ResolvedScanOptions, out: Candidate[]): void {
  if (isLockfile(options.path)) return;
  const { thresholds } = options;
  const minLength = thresholds.minLength;
  const quotes = new Consumed((at) => quoteOpening(text, at));
  const operators = new Consumed((at) => operatorBefore(text, at));
  for (let r = 0; r < runs.length; r += 3) {
    const start = runs[r]!;
    const end = runs[r + 1]!;
    const flags = runs[r + 2]!;
    if ((flags & RUN.CANDIDATE) === 0 || end - start < minLength) continue;
    let padding = 0;
    while (padding < 3 && codeAt(text, end + padding) === 61) padding++;
    if (padding > 2) continue;
    const after = codeAt(text, end + padding);
    const open = codeAt(text, start - 1);
    let matched = (open === 34 || open === 39 || open === 96) && after === open && !quotes.test(start - 1);
    if (!matched && !(after >= 0 && ((CHARS[after]! & B64) !== 0 || after === 46))) {
      let op = start - 1;
      while (op >= 0 && (text.charCodeAt(op) === 32 || text.charCodeAt(op) === 9)) op--;
      const c = codeAt(text, op);
      matched = (c === 61 || c === 58) && !operators.test(op);
    }
    if (!matched) continue;
    const rule = flaggedRule(text, start, end, end + padding, flags, thresholds);
    if (rule !== undefined) out.push({ kind: 'key', rule, start, end: end + padding, priority: PRIORITY.entropy });
  }
}
