/**
 * `password = "…"`, `secret: '…'`, `api_key=…` (the ASSIGNMENT rule) and `aws_secret_access_key = …`
 * (a format rule built the same way): matches a name before `=` or `:` announces.
 *
 * Every `=` and `:` costs a few loads: the name before it must end in a secret word (`…password`,
 * `…Token`, `api_key`) before the rule's regex runs, sticky, at the name. A match can still be lost to
 * an earlier one the global regex made (`label = "password: 1234"`); those are replayed only for the
 * few candidates that would be reported, from the start of their line (see `Replay`).
 */
import { ALNUM, CHARS, NAME, SPACE, hasWordAt } from './chars.js';
import { isConfigFile, isPlaceholder } from './filters.js';
import { AWS_SECRET, matchAt } from './formats.js';
import { ASSIGNMENT, PRIORITY, kindOfName, kindOfNameAt, sticky } from './rules.js';
import type { Candidate } from './types.js';

const ASSIGNMENT_AT = sticky(ASSIGNMENT);
const ASSIGNMENTS = new RegExp(ASSIGNMENT.source, 'g');
const CODE_WORDS = new Set(['null', 'none', 'nil', 'true', 'false', 'undefined', 'str', 'string']);
// `aws` … `key`: from `awssecretkey` to `aws_secret_access_key`.
const AWS_NAME_LENGTHS = [21, 20, 19, 18, 17, 16, 15, 14, 13, 12];

export class Assignments {
  /** Starts of names that end in a secret word; ascending per operator character, merged in `finish`. */
  private readonly names: number[] = [];
  /** Ends of names that end in `key`, for the AWS rule. */
  private readonly keyNames: number[] = [];

  constructor(private readonly text: string) {}

  /** An `=` or `:` at `at`. */
  operator(at: number): void {
    const text = this.text;
    let last = at - 1;
    while (last >= 0 && (CHARS[text.charCodeAt(last)]! & SPACE) !== 0) last--;
    if (last >= 0 && (text.charCodeAt(last) === 34 || text.charCodeAt(last) === 39)) last--;
    if (last < 0 || (CHARS[text.charCodeAt(last)]! & NAME) === 0) return;
    // The last word ignores trailing `_`, `$`, `.` and `-` (`password_` is a password).
    let word = last;
    while (word >= 0 && (CHARS[text.charCodeAt(word)]! & (NAME | ALNUM)) === NAME) word--;
    if (word < 0 || (CHARS[text.charCodeAt(word)]! & ALNUM) === 0 || !endsWithSecretWord(text, word)) return;
    if (word === last && hasWordAt(text, last - 2, 'key')) this.keyNames.push(last + 1);
    let runStart = last;
    while (runStart > 0 && (CHARS[text.charCodeAt(runStart - 1)]! & NAME) !== 0) runStart--;
    const start = nameStart(text, runStart, last);
    if (start >= 0 && kindOfNameAt(text, start, last + 1) !== undefined) this.names.push(start);
  }

  finish(path: string, out: Candidate[]): void {
    this.findAwsSecrets(out);
    if (this.names.length === 0) return;
    const config = isConfigFile(path);
    let replay: Replay | undefined;
    for (const start of ascendingUnique(this.names)) {
      const candidate = this.assignmentAt(start, config);
      if (candidate && !(replay ??= new Replay(this.text)).covered(start)) out.push(candidate);
    }
  }

  private assignmentAt(at: number, config: boolean): Candidate | undefined {
    const text = this.text;
    ASSIGNMENT_AT.lastIndex = at;
    const m = ASSIGNMENT_AT.exec(text);
    const kind = m === null ? undefined : kindOfName(m[1]!);
    if (m === null || kind === undefined) return undefined;
    const quoted = m[3] !== undefined;
    const [start, end] = m.indices![quoted ? 3 : 4]!;
    const value = text.slice(start, end);
    if (isPlaceholder(value) || value.length < (kind === 'key' ? 8 : 4)) return undefined;
    // A sentence is a UI label or a docstring, not a credential.
    if (/\s/.test(value)) return undefined;
    if (!quoted && !config && !plausibleBareValue(value, text[end])) return undefined;
    return { kind, rule: kind === 'password' ? 'password-assignment' : 'key-assignment', start, end, priority: PRIORITY.assignment };
  }

  private findAwsSecrets(out: Candidate[]): void {
    if (this.keyNames.length === 0) return;
    let end = 0;
    for (const nameEnd of ascendingUnique(this.keyNames)) {
      for (const length of AWS_NAME_LENGTHS) {
        const at = nameEnd - length;
        if (at < end || !hasWordAt(this.text, at, 'aws')) continue;
        const matchEnd = matchAt(this.text, AWS_SECRET, at, out);
        if (matchEnd >= 0) {
          end = matchEnd;
          break;
        }
      }
    }
  }
}

/** Secret words end the name at `at`: pass, passwd, password, passphrase, pwd, secret, token, or key after api, auth, …. */
function endsWithSecretWord(text: string, at: number): boolean {
  switch (text.charCodeAt(at) | 0x20) {
    case 115: // s
      return hasWordAt(text, at - 3, 'pass');
    case 100: // d
      return hasWordAt(text, at - 2, 'pwd') || hasWordAt(text, at - 5, 'passwd') || hasWordAt(text, at - 7, 'password');
    case 101: // e
      return hasWordAt(text, at - 9, 'passphrase');
    case 116: // t
      return hasWordAt(text, at - 5, 'secret');
    case 110: // n
      return hasWordAt(text, at - 4, 'token');
    case 121: {
      // y: `key` counts only after api, secret, access, private, auth or signing (separators between allowed).
      if (!hasWordAt(text, at - 2, 'key')) return false;
      let before = at - 3;
      while (before >= 0 && (CHARS[text.charCodeAt(before)]! & (NAME | ALNUM)) === NAME) before--;
      const c = before >= 0 ? text.charCodeAt(before) | 0x20 : 0;
      return c === 105 || c === 116 || c === 115 || c === 101 || c === 104 || c === 103;
    }
    default:
      return false;
  }
}

/** Where ASSIGNMENT's name starts in the name run [runStart, last]: `(?<![\w$])[A-Za-z_$]`, leftmost. */
function nameStart(text: string, runStart: number, last: number): number {
  for (let i = runStart; i <= last; i++) {
    const c = text.charCodeAt(i);
    const idStart = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36;
    if (!idStart) continue;
    if (i === runStart) return i;
    const before = text.charCodeAt(i - 1);
    if (before === 46 || before === 45) return i;
  }
  return -1;
}

function plausibleBareValue(value: string, next: string | undefined): boolean {
  if (next === '(' || next === '[') return false;
  if (CODE_WORDS.has(value.toLowerCase())) return false;
  // `password = config.password`, `token = getToken` read a variable rather than hold a secret.
  return /\d/.test(value) || !/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/.test(value);
}

function ascendingUnique(values: number[]): number[] {
  const sorted = values.sort((a, b) => a - b);
  return sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
}

const OPERATOR_AHEAD = /\s*[:=]/y;

/**
 * ASSIGNMENT run as a global regex, from a point where its state is known, to tell whether an earlier
 * match covers a position. A line start is such a point unless the line opens with an operator (only
 * there can a match run on from the line before: nothing but the blank between name and operator
 * crosses a newline). Queries come in ascending order and share the replay on a line.
 */
class Replay {
  private readonly all = ASSIGNMENTS;
  private position = 0;
  private last: { start: number; end: number } | undefined;
  private next: RegExpExecArray | null | undefined;

  constructor(private readonly text: string) {}

  covered(at: number): boolean {
    const from = this.lineStart(at);
    if (this.position <= from) {
      this.position = from;
      this.last = undefined;
      this.next = undefined;
    }
    for (;;) {
      if (this.next === undefined) {
        this.all.lastIndex = this.position;
        this.next = this.all.exec(this.text);
      }
      if (this.next === null || this.next.index >= at) break;
      this.last = { start: this.next.index, end: this.next.index + this.next[0].length };
      this.position = this.last.end;
      this.next = undefined;
    }
    return this.last !== undefined && this.last.start < at && at < this.last.end;
  }

  private lineStart(at: number): number {
    let start = this.text.lastIndexOf('\n', at - 1) + 1;
    for (;;) {
      OPERATOR_AHEAD.lastIndex = start;
      if (start === 0 || !OPERATOR_AHEAD.test(this.text)) return start;
      start = start >= 2 ? this.text.lastIndexOf('\n', start - 2) + 1 : 0;
    }
  }
}
