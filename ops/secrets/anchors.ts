/**
 * Anchors: every place where a detector's match can start, found in one pass over the text so that
 * nothing else reads all of it. A detector runs its rule's regex only at its anchors.
 *
 * - `runs`: maximal runs of the base64 alphabet `[A-Za-z0-9+/_-]` at least `min` long. Entropy
 *   candidates are such runs, and a vendor token starts at the start of one (or see below).
 * - `hits`, ascending, every position where
 *   - the character is `@` (emails), or `=` or `:` after a character in OPERATOR_PREV (chars.ts:
 *     where an assignment to a secret word can end), or `:` before `:`, `/` or a hex digit (IPv6,
 *     `://`); code units 0x00 and from 0xFF up count as such a character (the kernel narrows
 *     them all to 0x00 or 0xFF, and some are blanks);
 *   - `+`, `/` or `-` is followed by `g n r s x A`: a vendor token may start inside a run there
 *     (their lookbehinds allow no other place inside one);
 *   - `A` has `I` or `C` two after it and `A` three after: `AKIA`, `ASIA`, `ABIA`, `ACCA`;
 *   - `yJ` (the `eyJ` that opens a JWT) or `BEG` (`-----BEGIN`) starts.
 *
 * kernel.ts finds them with WebAssembly SIMD; `scriptAnchors` is the same contract in JavaScript,
 * used where the kernel cannot run and as its reference in tests.
 */
import { CHARS, HEX, OPERATOR_PREV } from './chars.js';
import { kernelAnchors } from './kernel.js';
import { longRuns } from './runs.js';

export interface Anchors {
  /** `[start, end, start, end, …]`, ascending. */
  runs: ArrayLike<number>;
  hits: ArrayLike<number>;
}

/** The kernel needs runs of 15 or more (shorter ones fit inside one of its 16-byte blocks). */
export const KERNEL_MIN_RUN = 15;

export function findAnchors(text: string, min: number): Anchors {
  return kernelAnchors(text, min) ?? scriptAnchors(text, min);
}

export function scriptAnchors(text: string, min: number): Anchors {
  // Typed arrays like the kernel's, so the detectors see one kind of array.
  return { runs: Int32Array.from(longRuns(text, min)), hits: Int32Array.from(scriptHits(text)) };
}

// Characters a hit can be at: : = @ + / - A y B.
const HIT_CHARS = new Uint8Array(128);
for (const c of ':=@+/-AyB') HIT_CHARS[c.charCodeAt(0)] = 1;
const FIRST_LETTERS = new Uint8Array(128);
for (const c of 'gnrsxA') FIRST_LETTERS[c.charCodeAt(0)] = 1;

/** OPERATOR_PREV as the kernel sees it: code units it narrows to 0x00 or 0xFF count too. */
function operatorPrev(c: number): boolean {
  return OPERATOR_PREV[c] === 1 || c === 0 || c >= 0xff;
}

function scriptHits(text: string): number[] {
  const hits: number[] = [];
  const n = text.length;
  const at = (i: number): number => (i < n ? text.charCodeAt(i) : 0);
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || HIT_CHARS[c] === 0) continue;
    let hit: boolean;
    switch (c) {
      case 43: // +
      case 47: // /
      case 45: {
        // -
        const next = at(i + 1);
        hit = next < 128 && FIRST_LETTERS[next] === 1;
        break;
      }
      case 65: // A
        hit = at(i + 3) === 65 && (at(i + 2) === 73 || at(i + 2) === 67);
        break;
      case 121: // y
        hit = at(i + 1) === 74;
        break;
      case 66: // B
        hit = at(i + 1) === 69 && at(i + 2) === 71;
        break;
      case 58: {
        // :
        const next = at(i + 1);
        hit = (i > 0 && operatorPrev(text.charCodeAt(i - 1))) || next === 58 || next === 47 || (next < 128 && (CHARS[next]! & HEX) !== 0);
        break;
      }
      case 61: // =
        hit = i > 0 && operatorPrev(text.charCodeAt(i - 1));
        break;
      default: // @
        hit = true;
    }
    if (hit) hits.push(i);
  }
  return hits;
}
