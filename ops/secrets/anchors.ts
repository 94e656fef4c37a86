/**
 * Anchors: the places where a detector's match can start, found in one pass so that nothing else
 * reads the whole text; the detectors run their rules' regexes only there. Each anchor is a cheap
 * necessary condition of a match (and the detectors check everything again), never a sufficient one.
 *
 * - `runs`: maximal runs of `[A-Za-z0-9+/_-]` at least 15 long (or `minLength` when shorter) that
 *   start with a vendor token's prefix (`ghp_`, `xoxb-`, `AIza`, …: RUN.TOKEN), or are entropy
 *   candidates (RUN.CANDIDATE): at least `minLength` long, the same quote on both sides or `=`/`:`
 *   (and blanks) before and no base64 character, `=` or `.` after (padding `=`s aside), a digit
 *   unless all hex (RUN.HEX), and an entropy at least the alphabet's threshold (within a rounding
 *   margin, else RUN.UNSURE: the detector computes it again exactly). After each run of 15 or more,
 *   the places inside it where a vendor token starts after `+`, `/` or `-` (the only places inside
 *   a run their lookbehinds allow) and AWS key ids, each as a "run" from there (RUN.TOKEN, RUN.AWS).
 * - `names`: for each `=` and `:` after a name (past blanks and a closing quote) whose kind rules.ts
 *   `kindOfName` tells (`DB_PASSWORD`, `apiKey`: NAME_FLAGS.KIND, with ASSIGNMENT's name start) or
 *   shaped like `aws…key` (NAME_FLAGS.AWS, with the name's end).
 * - `hits`, ascending, the positions of
 *   - `:` that starts an IPv6-shaped run of hex digits and colons, or `://` before `user:pass@` or
 *     `hooks.slack.com/` after `https`;
 *   - `@` between a local-part character and a domain with a dot and then two letters;
 *   - `eyJ` (at the `y`); `-----BEGIN` (at the `B`);
 *   - the last digit of the first of four dotted groups of one to three digits that start a run of
 *     word characters and dots and end it or leave only a dot before a non-digit (IPv4).
 *
 * All conditions read the text narrowed to bytes (bytes.ts), where code units above 0xFF count as
 * blanks for the operator check; that only ever adds anchors.
 *
 * kernel.ts finds them with WebAssembly SIMD; `scriptAnchors` is the same in JavaScript, for where
 * the kernel cannot run and as its reference in tests.
 */
import { BYTE_CLASS, BYTE_FLAGS, C_LOG2_C, ENTROPY_MAX_RUN, ENTROPY_SLACK, MIN_RUN, NAME_FLAGS, RUN, narrowed } from './bytes.js';
import { NO_ANCHORS, kernelAnchors } from './kernel.js';
import { kindOfNameAt } from './rules.js';
import { longRuns } from './runs.js';
import type { Thresholds } from './types.js';

export interface Anchors {
  /** `[start, end, flags, start, end, flags, …]`, ascending; flags are RUN bits. */
  runs: Int32Array;
  hits: Int32Array;
  /** `[start, end, flags, …]` for names before `=` and `:`, ascending; flags are NAME_FLAGS bits. */
  names: Int32Array;
  /** `newlines[b]`: how many `\n` precede position 16·b; for line numbers (`lineOf`). */
  newlines: Int32Array;
}

/** 1-based line of `offset`. */
export function lineOf(text: string, newlines: Int32Array, offset: number): number {
  let line = 1 + newlines[offset >> 4]!;
  for (let i = offset & ~15; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function findAnchors(text: string, thresholds: Required<Thresholds>): Anchors {
  return kernelAnchors(text, thresholds) ?? scriptAnchors(text, thresholds);
}

const { B64, HEX, NAME, SPACE, ALNUM, LOCAL, URL_STOP, WORD } = BYTE_FLAGS;

/** The narrowed text: `at(i)` is 0 outside it, like the kernel's zero guard and padding. */
class Bytes {
  constructor(readonly text: string) {}

  at(i: number): number {
    return i >= 0 && i < this.text.length ? narrowed(this.text.charCodeAt(i)) : 0;
  }

  is(i: number, flag: number): boolean {
    return (BYTE_CLASS[this.at(i)]! & flag) !== 0;
  }

  nameNotAlnum(i: number): boolean {
    return (BYTE_CLASS[this.at(i)]! & (NAME | ALNUM)) === NAME;
  }

  /** `word` at `i`; with `fold`, ASCII letters in either case (`word` lower-case). */
  word(i: number, word: string, fold = false): boolean {
    for (let k = 0; k < word.length; k++) {
      const b = this.at(i + k);
      if ((fold ? b | 0x20 : b) !== word.charCodeAt(k)) return false;
    }
    return true;
  }
}

export function scriptAnchors(text: string, thresholds: Required<Thresholds>): Anchors {
  const bytes = new Bytes(text);
  const all = longRuns(text, Math.min(MIN_RUN, thresholds.minLength));
  const runs: number[] = [];
  for (let r = 0; r < all.length; r += 2) {
    const [s, e] = [all[r]!, all[r + 1]!];
    const flags = keepRun(bytes, s, e, thresholds);
    if (flags !== 0) runs.push(s, e, flags);
    if (e - s < MIN_RUN) continue;
    // Inside the run: a vendor token after `+`, `/` or `-`, and AWS key ids.
    for (let q = s; q < e; q++) {
      const c = bytes.at(q);
      if (c === 65 && awsKeyId(bytes, q)) runs.push(q, q + 20, RUN.AWS);
      else if ((c === 43 || c === 47 || c === 45) && q + 1 < e && tokenPrefix(bytes, q + 1)) runs.push(q + 1, e, RUN.TOKEN);
    }
  }
  const hits: number[] = [];
  const names: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || HIT_CHARS[c] === 0) continue;
    if (c === 58 || c === 61) {
      const name = operatorName(bytes, i);
      if (name) names.push(...name);
    }
    if (keepHit(bytes, i)) hits.push(i);
  }
  if (runs.length === 0 && hits.length === 0 && names.length === 0) return NO_ANCHORS;
  const newlines = new Int32Array((text.length + 15) >> 4);
  let count = 0;
  let block = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', nl + 1), count++) {
    while (block << 4 <= nl) newlines[block++] = count;
  }
  newlines.fill(count, block);
  return { runs: Int32Array.from(runs), hits: Int32Array.from(hits), names: Int32Array.from(names), newlines };
}

const HIT_CHARS = new Uint8Array(128);
for (const c of ':=@yB0123456789') HIT_CHARS[c.charCodeAt(0)] = 1;

function tokenPrefix(b: Bytes, p: number): boolean {
  switch (b.at(p)) {
    case 103: // g
      return (b.at(p + 1) === 104 && 'pousr'.includes(String.fromCharCode(b.at(p + 2))) && b.at(p + 3) === 95) || b.word(p, 'github_p') || b.word(p, 'glpat-');
    case 120: // x
      return b.word(p, 'xox') && 'baprs'.includes(String.fromCharCode(b.at(p + 3))) && b.at(p + 4) === 45;
    case 114: // r
    case 115: // s
      return b.word(p + 1, 'k_live_');
    case 110: // n
      return b.word(p, 'npm_');
    case 65: // A
      return b.word(p, 'AIza');
    default:
      return false;
  }
}

const counts = new Int32Array(256);

/** RUN flags for the run [s, e), 0 to drop it. */
function keepRun(b: Bytes, s: number, e: number, thresholds: Required<Thresholds>): number {
  const length = e - s;
  let flags = length >= MIN_RUN && tokenPrefix(b, s) ? RUN.TOKEN : 0;
  if (length < thresholds.minLength) return flags;
  // Quoted (the same quote after up to two `=`), or assigned (`=`/`:` and blanks before).
  let m = 0;
  while (m < 3 && b.at(e + m) === 61) m++;
  if (m >= 3) return flags;
  const after = b.at(e + m);
  const open = b.at(s - 1);
  if (!((open === 34 || open === 39 || open === 96) && after === open)) {
    if ((BYTE_CLASS[after]! & B64) !== 0 || after === 46) return flags;
    let k = s - 1;
    while (k >= 0 && (b.at(k) === 32 || b.at(k) === 9)) k--;
    if (k < 0 || (b.at(k) !== 61 && b.at(k) !== 58)) return flags;
  }
  // The alphabet: hex, or base64 with a digit.
  let hex = true;
  let digit = false;
  for (let i = s; i < e; i++) {
    const c = b.at(i);
    if (isDigit(c)) digit = true;
    else if (((c | 0x20) - 0x61) >>> 0 >= 6) hex = false;
  }
  if (!hex && !digit) return flags;
  if (hex) flags |= RUN.HEX;
  if (length > ENTROPY_MAX_RUN) return flags | RUN.CANDIDATE | RUN.UNSURE;
  // Entropy: Σ c log2 c over the counts, in order of first appearance, clearing them on the way.
  for (let i = s; i < e; i++) counts[b.at(i)]!++;
  let sum = 0;
  for (let i = s; i < e; i++) {
    const c = b.at(i);
    if (counts[c] !== 0) {
      sum += C_LOG2_C[counts[c]!]!;
      counts[c] = 0;
    }
  }
  const h = (C_LOG2_C[length]! - sum) / length;
  const t = hex ? thresholds.hex : thresholds.base64;
  if (h >= t + ENTROPY_SLACK) return flags | RUN.CANDIDATE;
  if (h >= t - ENTROPY_SLACK) return flags | RUN.CANDIDATE | RUN.UNSURE;
  return flags & RUN.TOKEN;
}

/** The last letter of a name whose kind rules.ts tells ends one of its words: a quick test first. */
function secretWordEnd(b: Bytes, w: number): boolean {
  switch (b.at(w) | 0x20) {
    case 115: // s
      return b.word(w - 3, 'pass', true);
    case 100: // d
      return b.word(w - 2, 'pwd', true) || b.word(w - 5, 'passwd', true) || b.word(w - 7, 'password', true);
    case 101: // e
      return b.word(w - 9, 'passphrase', true);
    case 116: // t
      return b.word(w - 5, 'secret', true);
    case 110: // n
      return b.word(w - 4, 'token', true);
    case 121: // y
      return b.word(w - 2, 'key', true);
    default:
      return false;
  }
}

/** `aws` … `key`: from `awssecretkey` to `aws_secret_access_key`. */
const AWS_NAME_LENGTHS = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];

/** The names list entry for the operator at `p` (`[start, end, flags]`), or undefined. */
function operatorName(b: Bytes, p: number): [number, number, number] | undefined {
  let k = p - 1;
  while (k >= 0 && b.is(k, SPACE)) k--;
  if (k < 0) return undefined;
  if (b.at(k) === 34 || b.at(k) === 39) k--;
  if (k < 0 || !b.is(k, NAME)) return undefined;
  const last = k;
  while (k >= 0 && b.nameNotAlnum(k)) k--;
  if (k < 0 || !b.is(k, ALNUM) || !secretWordEnd(b, k)) return undefined;
  let flags = 0;
  // The AWS secret rule: `aws` … `key` right before the operator.
  if (k === last && b.word(k - 2, 'key', true) && AWS_NAME_LENGTHS.some((n) => b.word(last + 1 - n, 'aws', true))) flags |= NAME_FLAGS.AWS;
  // ASSIGNMENT's name starts at the leftmost `[A-Za-z_$]` of its run that follows the run's start, `.` or `-`.
  let j = last;
  while (j > 0 && b.is(j - 1, NAME)) j--;
  let start = j;
  for (; start <= last; start++) {
    const c = b.at(start);
    const idStart = (b.is(start, ALNUM) && !isDigit(c)) || c === 95 || c === 36;
    if (idStart && (start === j || b.at(start - 1) === 46 || b.at(start - 1) === 45)) {
      if (k >= start && kindOfNameAt(b.text, start, k + 1) !== undefined) flags |= NAME_FLAGS.KIND;
      break;
    }
  }
  if (flags === 0) return undefined;
  return [(flags & NAME_FLAGS.KIND) !== 0 ? start : -1, last + 1, flags];
}

function urlCandidate(b: Bytes, p: number): boolean {
  if (b.at(p + 1) !== 47 || b.at(p + 2) !== 47) return false;
  if (p >= 5 && b.word(p - 5, 'https') && b.word(p + 3, 'hooks.slack.com/')) return true;
  let colon = -1;
  for (let q = p + 3; q < b.text.length; q++) {
    const c = b.at(q);
    if (c === 64) return p + 3 < colon && colon + 1 < q;
    if (b.is(q, URL_STOP)) return false;
    if (c === 58 && colon < 0) colon = q;
  }
  return false;
}

function ipv6Candidate(b: Bytes, p: number): boolean {
  // The first colon of its run of hex digits and colons, with no word character or `.` before.
  let k = p - 1;
  while (k >= 0 && b.is(k, HEX)) k--;
  if (k >= 0 && (b.at(k) === 58 || b.at(k) === 46 || b.is(k, WORD))) return false;
  // Groups of at most four hex digits, two to seven colons, then no word character.
  let q = k + 1;
  let group = 0;
  let colons = 0;
  let digit = false;
  let double = false;
  for (;; q++) {
    const c = b.at(q);
    if (c === 58) {
      colons++;
      group = 0;
      if (b.at(q + 1) === 58) double = true;
    } else if (b.is(q, HEX)) {
      if (++group > 4) return false;
      if (c >= 48 && c <= 57) digit = true;
    } else {
      break;
    }
  }
  if (colons < 2 || colons > 7 || b.is(q, WORD)) return false;
  // rules of pii.ts parseIpv6: eight groups unless compressed
  if (!double && colons !== 7) return false;
  // Compressed forms without a digit are code (`abc::def`), not addresses.
  return !(double && !digit);
}

function emailCandidate(b: Bytes, p: number): boolean {
  if (!b.is(p - 1, LOCAL) || !b.is(p + 1, ALNUM)) return false;
  // The domain needs a dot and, after it, two letters in a row (the top-level domain).
  let dot = false;
  let letters = 0;
  for (let q = p + 1; ; q++) {
    const c = b.at(q);
    if (c === 46) {
      dot = true;
      letters = 0;
    } else if (b.is(q, ALNUM) && !(c >= 48 && c <= 57)) {
      if (dot) letters++;
      if (letters >= 2) return true;
    } else if ((c >= 48 && c <= 57) || c === 45) {
      letters = 0;
    } else {
      return false;
    }
  }
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isUpperOrDigit = (c: number): boolean => (c >= 65 && c <= 90) || isDigit(c);

function ipv4Candidate(b: Bytes, p: number): boolean {
  if (!isDigit(b.at(p)) || b.at(p + 1) !== 46 || !isDigit(b.at(p + 2))) return false;
  // The first group of digits of its run of word characters and dots.
  let k = p;
  while (k > 0 && isDigit(b.at(k - 1))) k--;
  if (k > 0 && (b.is(k - 1, WORD) || b.at(k - 1) === 46)) return false;
  // Four groups of one to three digits, dotted, then no word character and no dot before a digit.
  let q = k;
  for (let group = 1; group <= 4; group++) {
    let digits = 0;
    while (isDigit(b.at(q))) {
      q++;
      digits++;
    }
    if (digits < 1 || digits > 3) return false;
    if (group < 4) {
      if (b.at(q) !== 46) return false;
      q++;
    }
  }
  return !b.is(q, WORD) && !(b.at(q) === 46 && isDigit(b.at(q + 1)));
}

/** `AKIA`, `ASIA`, `ABIA` or `ACCA` at `p`, in exactly twenty capitals and digits. */
function awsKeyId(b: Bytes, p: number): boolean {
  const [x, y] = [b.at(p + 1), b.at(p + 2)];
  if (!(b.at(p) === 65 && b.at(p + 3) === 65 && ((y === 73 && (x === 75 || x === 83 || x === 66)) || (x === 67 && y === 67)))) return false;
  if (isUpperOrDigit(b.at(p - 1))) return false;
  let q = p + 4;
  while (q < p + 20 && isUpperOrDigit(b.at(q))) q++;
  return q === p + 20 && !isUpperOrDigit(b.at(q));
}

function keepHit(b: Bytes, p: number): boolean {
  switch (b.at(p)) {
    case 58: // :
      return ipv6Candidate(b, p) || urlCandidate(b, p);
    case 64: // @
      return emailCandidate(b, p);
    case 121: // y
      return b.at(p - 1) === 101 && b.at(p + 1) === 74;
    case 66: // B
      return b.word(p, 'BEGIN') && b.word(p - 5, '-----');
    default:
      return ipv4Candidate(b, p);
  }
}
