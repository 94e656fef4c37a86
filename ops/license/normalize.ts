/**
 * License text normalization in the spirit of the SPDX matching guidelines: what is left is a list of
 * lower-case word tokens, so case, whitespace, line wrapping, punctuation, quotes, bullets, list
 * numbering, British/American spellings and the copyright/template lines stop mattering.
 *
 * It is one hand-written scan over the characters, producing each token's 32-bit hash without
 * building the token string: matching a license file is dominated by this pass, and a regex pipeline
 * (lower-case, strip, split, map) costs several times more. `normalizeLicenseText` runs the same scan
 * and also spells the tokens out, for grouping reference texts and for tests.
 *
 * Rules:
 * - a token is a run of letters and digits (any script; CJK characters are one token each), lower-cased,
 *   accents dropped;
 * - a hyphen between word characters joins them, across a line break too (`sub-license`, `non-\ncommercial`);
 * - list markers (`1.`, `(a)`, `b)`, `iv.`, `(c)`) and `<placeholders>`, `[placeholders]`, `{placeholders}` go;
 * - `&` is `and`; `all rights reserved` goes;
 * - a copyright statement goes, from `Copyright (c)`/`©`/`Copyright 2020` (or a line starting with
 *   `Copyright`) to the end of its line or its first full stop, whichever comes first;
 * - equivalent spellings (licence/license, ...) are folded by the vocabulary, see `EQUIVALENT_WORDS`.
 *
 * Only the copyright rule looks at lines (it must guess where the holder's name ends), so re-wrapping
 * a text keeps its tokens except, at worst, a stray word of a holder's name.
 */

/**
 * Spellings the SPDX guidelines treat as the same word (their "equivalent words" idea; this list is
 * our own and covers the variants that occur in license texts).
 */
export const EQUIVALENT_WORDS: ReadonlyMap<string, string> = new Map([
  ['licence', 'license'],
  ['licences', 'licenses'],
  ['licenced', 'licensed'],
  ['licencing', 'licensing'],
  ['sublicence', 'sublicense'],
  ['acknowledgement', 'acknowledgment'],
  ['acknowledgements', 'acknowledgments'],
  ['analogue', 'analog'],
  ['authorisation', 'authorization'],
  ['authorised', 'authorized'],
  ['behaviour', 'behavior'],
  ['centre', 'center'],
  ['favour', 'favor'],
  ['fulfil', 'fulfill'],
  ['judgement', 'judgment'],
  ['labelled', 'labeled'],
  ['modelling', 'modeling'],
  ['offence', 'offense'],
  ['organisation', 'organization'],
  ['organisations', 'organizations'],
  ['practise', 'practice'],
  ['recognise', 'recognize'],
  ['recognised', 'recognized'],
  ['utilise', 'utilize'],
  ['utilised', 'utilized'],
  ['whilst', 'while'],
  ['wilful', 'willful'],
  ['wilfully', 'willfully'],
  ['https', 'http'],
  ['owner', 'holder'],
  ['owners', 'holders'],
]);

/**
 * A copyright statement at a line start: `Copyright (c) 2020 Jane`, `Copyright 2020`, `(C) 2019 Acme`,
 * `© Acme`, the template `Copyright (c) <year> <copyright holders>`. Not `copyright notice, this list
 * of ...`, which is license text that happens to start a wrapped line. Sticky: tested at each line start.
 */
const COPYRIGHT_LINE = /[^A-Za-z0-9(©\n]*(?:copyright\b[ \t\r:]*(?:\(c\)|©|\d|<|\[|\{|by\b|$)|\(c\)[ \t]*(?:\d|<|\[)|©)/imy;
/** After the word `copyright` anywhere: a year, `(c)`, `©` or a placeholder make it a statement. */
const COPYRIGHT_STATEMENT = /[ \t:]*(?:\(c\)|©|\d|<|\[|\{)/iy;
const NON_ASCII = /[^\x00-\x7f]/;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/;

const enum Kind {
  Separator = -1,
  Ignorable = -2,
  Cjk = -3,
}

/** Lower-cased code for a word character, or a `Kind`. Non-ASCII answers are cached per code. */
const nonAscii = new Map<number, number>();
function classify(c: number): number {
  if (c < 128) {
    if (c >= 97 && c <= 122) return c;
    if (c >= 65 && c <= 90) return c + 32;
    if (c >= 48 && c <= 57) return c;
    return Kind.Separator;
  }
  let k = nonAscii.get(c);
  if (k === undefined) {
    const ch = String.fromCharCode(c);
    if (c >= 0x300 && c <= 0x36f) k = Kind.Ignorable;
    else if (CJK.test(ch)) k = Kind.Cjk;
    else if (LETTER_OR_DIGIT.test(ch)) k = ch.toLowerCase().charCodeAt(0);
    else k = Kind.Separator;
    nonAscii.set(c, k);
  }
  return k;
}

const FNV_OFFSET = 0x811c9dc5;
const fnv = (h: number, c: number) => Math.imul(h ^ c, 0x01000193);

/** The hash a token gets (its lower-cased text, FNV-1a); never 0. */
export function tokenHash(word: string): number {
  let h = FNV_OFFSET;
  for (let i = 0; i < word.length; i++) h = fnv(h, word.charCodeAt(i));
  return h >>> 0 || 1;
}

const AND = tokenHash('and');
const COPYRIGHT_WORD = tokenHash('copyright') | 0;
const ALL = tokenHash('all');
const RIGHTS = tokenHash('rights');
const RESERVED = tokenHash('reserved');

/** Lower-cased code of each ASCII word character, -1 for the rest. */
const ASCII_CLASS = Int16Array.from({ length: 128 }, (_, c) => classify(c));

let buffer = new Uint32Array(4096);

/**
 * The token hashes of a text, in order. With `words`, also pushes each token's text (slower; the
 * tokens are the same). The loop keeps its state in locals and has one place where a token ends:
 * this is the hot path of matching.
 */
export function tokenHashes(text: string, words?: string[]): Uint32Array {
  const t = NON_ASCII.test(text) ? text.normalize('NFKD') : text;
  const n = t.length;
  if (buffer.length < n + 16) buffer = new Uint32Array(n + 16);
  const out = buffer;
  let count = 0;
  let h = FNV_OFFSET;
  let len = 0;
  let start = 0;
  let word = '';
  let i = skipCopyright(t, 0);
  for (; i < n; i++) {
    const c = t.charCodeAt(i);
    const k = c < 128 ? ASCII_CLASS[c]! : classify(c);
    if (k >= 0) {
      if (len === 0) start = i;
      h = Math.imul(h ^ k, 0x01000193);
      len++;
      if (words !== undefined) word += String.fromCharCode(k);
      continue;
    }
    if (k === Kind.Ignorable) continue;
    if (c === 45 /* - */ && len > 0) {
      let j = i + 1;
      while (j < n && isSpace(t.charCodeAt(j))) j++;
      if (j < n && classify(t.charCodeAt(j)) >= 0) {
        i = j - 1;
        continue;
      }
    }
    if (len > 0) {
      if (h === COPYRIGHT_WORD && (COPYRIGHT_STATEMENT.lastIndex = i, COPYRIGHT_STATEMENT.test(t))) {
        // `... does.> Copyright (C) 19yy <name>` mid-line: a statement, not the word.
        h = FNV_OFFSET;
        len = 0;
        word = '';
        i = copyrightEnd(t, i) - 1;
        continue;
      }
      if (!isListMarker(t, start, i, len)) {
        out[count++] = h >>> 0 || 1;
        if (words !== undefined) words.push(word);
      }
      h = FNV_OFFSET;
      len = 0;
      word = '';
    }
    if (c === 10) {
      i = skipCopyright(t, i + 1) - 1;
    } else if (c === 60 /* < */ || c === 91 /* [ */ || c === 123 /* { */) {
      const close = placeholderEnd(t, i, c);
      if (close > 0) i = close;
    } else if (c === 38 /* & */) {
      out[count++] = AND;
      if (words !== undefined) words.push('and');
    } else if (k === Kind.Cjk) {
      out[count++] = tokenHash(String.fromCharCode(c));
      if (words !== undefined) words.push(String.fromCharCode(c));
    }
  }
  if (len > 0 && !isListMarker(t, start, n, len)) {
    out[count++] = h >>> 0 || 1;
    if (words !== undefined) words.push(word);
  }
  return dropAllRightsReserved(out.slice(0, count), words);
}

/** Past a copyright statement starting the line at `i`, or `i` when the line is not one. */
function skipCopyright(t: string, i: number): number {
  // Most lines start with a word that is not "copyright": decide those without running the regex.
  let j = i;
  for (; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 10 || c === 40 /* ( */ || c === 0xa9 /* © */ || (c < 128 && ASCII_CLASS[c]! >= 0) || c >= 128) break;
  }
  const first = t.charCodeAt(j) | 0x20;
  if (first !== 99 /* c */ && first !== 40 /* ( */ && first !== (0xa9 | 0x20)) return i;
  COPYRIGHT_LINE.lastIndex = i;
  return COPYRIGHT_LINE.test(t) ? copyrightEnd(t, COPYRIGHT_LINE.lastIndex) : i;
}

/** The normalized tokens of a text, space-separated: equal strings mean "the same text" for matching. */
export function normalizeLicenseText(text: string): string {
  const words: string[] = [];
  tokenHashes(text, words);
  return words.map((w) => EQUIVALENT_WORDS.get(w) ?? w).join(' ');
}

/**
 * Where a copyright statement starting a line ends: at the line end, or earlier at a full stop
 * followed by a space, so a paragraph that was re-wrapped onto the copyright line keeps its text
 * (`Copyright 2020 Acme Inc. Permission is hereby granted ...`). Cutting a holder like `Jane Q. Doe`
 * short leaves a stray token or two, which costs far less than losing a sentence.
 */
function copyrightEnd(t: string, from: number): number {
  for (let j = from; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 10) return j;
    if (c === 46 /* . */ && j + 1 < t.length && (t.charCodeAt(j + 1) === 32 || t.charCodeAt(j + 1) === 9)) return j;
  }
  return t.length;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** `1.`, `(a)`, `b)`, `iv.` between whitespace: numbering, wherever wrapping put it. */
function isListMarker(t: string, start: number, end: number, len: number): boolean {
  if (len > 5) return false;
  const after = t.charCodeAt(end);
  if (after !== 46 /* . */ && after !== 41 /* ) */) return false;
  if (end + 1 < t.length && !isSpace(t.charCodeAt(end + 1))) return false;
  let before = start - 1;
  if (before >= 0 && t.charCodeAt(before) === 40 /* ( */) before--;
  if (before >= 0 && !isSpace(t.charCodeAt(before))) return false;
  if (len === 1) return true;
  if (len === 2 && isDigit(t.charCodeAt(start)) && isDigit(t.charCodeAt(start + 1))) return true;
  for (let i = start; i < end; i++) {
    const c = t.charCodeAt(i) | 0x20;
    if (c !== 105 /* i */ && c !== 118 /* v */ && c !== 120 /* x */) return false;
  }
  return true;
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Long enough for GPL's `<one line to give the program's name and a brief idea of what it does.>`. */
const PLACEHOLDER_MAX = 100;

/** Index of the closer of a short placeholder (it may be wrapped over lines) opened at `i`, or -1. */
function placeholderEnd(t: string, i: number, open: number): number {
  const close = open === 60 ? 62 : open === 91 ? 93 : 125;
  const limit = Math.min(t.length, i + PLACEHOLDER_MAX + 2);
  for (let j = i + 1; j < limit; j++) {
    const c = t.charCodeAt(j);
    if (c === close) return j > i + 1 ? j : -1;
    if (c === open) return -1;
  }
  return -1;
}

function dropAllRightsReserved(hashes: Uint32Array, words?: string[]): Uint32Array {
  let found = -1;
  for (let i = 0; i + 2 < hashes.length; i++) {
    if (hashes[i] === ALL && hashes[i + 1] === RIGHTS && hashes[i + 2] === RESERVED) {
      found = i;
      break;
    }
  }
  if (found === -1) return hashes;
  const keep: number[] = [];
  const kept: string[] = [];
  for (let i = 0; i < hashes.length; i++) {
    if (hashes[i] === ALL && hashes[i + 1] === RIGHTS && hashes[i + 2] === RESERVED) {
      i += 2;
      continue;
    }
    keep.push(hashes[i]!);
    if (words) kept.push(words[i]!);
  }
  if (words) {
    words.length = 0;
    for (const w of kept) words.push(w);
  }
  return Uint32Array.from(keep);
}
