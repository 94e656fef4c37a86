/**
 * Long runs of the base64 alphabet, for the JavaScript anchors (anchors.ts `scriptAnchors`; the
 * kernel finds them sixteen bytes at a time). Most of a source file is short words, so the scan
 * probes the last position of a window as wide as the shortest interesting run: a character outside
 * the alphabet there rules out every run starting in the window, and the scan moves on a whole window
 * without reading the rest of it.
 */
import { B64, CHARS } from './chars.js';

/** Maximal runs of `[A-Za-z0-9+/_-]` at least `min` long, as flat `[start, end, start, end, …]`. */
export function longRuns(text: string, min: number): number[] {
  const runs: number[] = [];
  const n = text.length;
  let i = 0; // a run of `min` or more starts at or after i
  let known = 0; // [i, known) is already known to be in the alphabet
  while (i + min <= n) {
    let q = i + min - 1;
    while (q >= known && (CHARS[text.charCodeAt(q)]! & B64) !== 0) q--;
    if (q >= known) {
      // text[q] breaks every run through it; (q, i + min) is in the alphabet.
      known = i + min;
      i = q + 1;
      continue;
    }
    let end = i + min;
    while (end < n && (CHARS[text.charCodeAt(end)]! & B64) !== 0) end++;
    runs.push(i, end);
    i = end + 1;
    known = i;
  }
  return runs;
}
