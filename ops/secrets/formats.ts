/**
 * Format rules run at their anchors (anchors.ts), sticky, instead of over the whole text: vendor
 * tokens where a base64 run or a `+`, `/` or `-` separated part of one starts (their lookbehinds
 * allow nothing else), AWS key ids at `AKIA` and kin, JWTs at `eyJ`, PEM blocks at `-----BEGIN`, URL
 * rules at `://`; the AWS secret rule at the names anchors.ts hands to assignments.ts. The regexes in
 * FORMAT_RULES still decide every match.
 *
 * Where a rule's matches could overlap (a JWT inside the tail of an invalid one, a second PEM header
 * inside an unterminated block), positions before the end of the rule's previous match are skipped,
 * as the global regex would.
 */
import { ALNUM, CHARS, SCHEME, codeAt } from './chars.js';
import { FORMAT_RULES, PRIORITY, sticky, type FormatRule } from './rules.js';
import type { Candidate } from './types.js';

interface Compiled extends FormatRule {
  at: RegExp;
}

function compile(id: string): Compiled {
  const rule = FORMAT_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no format rule ${id}`);
  return { ...rule, at: sticky(rule.pattern) };
}

const AWS_KEY_ID = compile('aws-access-key-id');
const GITHUB = compile('github-token');
const GITHUB_PAT = compile('github-fine-grained-pat');
const GITLAB = compile('gitlab-token');
const SLACK = compile('slack-token');
const SLACK_WEBHOOK = compile('slack-webhook');
const STRIPE = compile('stripe-key');
const NPM = compile('npm-token');
const GOOGLE = compile('google-api-key');
const PRIVATE_KEY = compile('private-key');
const JWT = compile('jwt');
const URL_CREDENTIALS = compile('url-credentials');
export const AWS_SECRET = compile('aws-secret-access-key');

/** The rules this module finds, by id; every rule in FORMAT_RULES must be one of them (tested). */
export const ANCHORED_RULES: readonly string[] = [
  AWS_KEY_ID, GITHUB, GITHUB_PAT, GITLAB, SLACK, SLACK_WEBHOOK, STRIPE, NPM, GOOGLE, PRIVATE_KEY, JWT, URL_CREDENTIALS, AWS_SECRET,
].map((r) => r.id);

/** Runs `rule` at `at`; a match (that passes `validate`) becomes a candidate. Returns the match's end, or -1. */
export function matchAt(text: string, rule: Compiled, at: number, out: Candidate[]): number {
  rule.at.lastIndex = at;
  const m = rule.at.exec(text);
  if (m === null) return -1;
  const [start, end] = rule.group === undefined ? [m.index, m.index + m[0].length] : m.indices![rule.group]!;
  if (!rule.validate || rule.validate(text.slice(start, end))) {
    out.push({ kind: rule.kind, rule: rule.id, start, end, priority: PRIORITY.format });
  }
  return m.index + m[0].length;
}

/**
 * Vendor tokens starting at `at`, the start of a base64 run or of a part of one after `+`, `/` or
 * `-`: the only places their lookbehinds allow.
 */
export function tokenAt(text: string, at: number, out: Candidate[]): void {
  switch (text.charCodeAt(at)) {
    case 103: // g
      if (codeAt(text, at + 1) === 104 && codeAt(text, at + 3) === 95) matchAt(text, GITHUB, at, out);
      else if (text.startsWith('github_pat_', at)) matchAt(text, GITHUB_PAT, at, out);
      else if (text.startsWith('glpat-', at)) matchAt(text, GITLAB, at, out);
      break;
    case 120: // x
      if (text.startsWith('xox', at)) matchAt(text, SLACK, at, out);
      break;
    case 114: // r
    case 115: // s
      if (codeAt(text, at + 1) === 107 && text.startsWith('_live_', at + 2)) matchAt(text, STRIPE, at, out);
      break;
    case 110: // n
      if (codeAt(text, at + 1) === 112 && text.startsWith('m_', at + 2)) matchAt(text, NPM, at, out);
      break;
    case 65: // A
      if (text.startsWith('AIza', at)) matchAt(text, GOOGLE, at, out);
      break;
  }
}

/** AWS key ids from an `A` that anchors.ts found two letters before `I` or `C` and three before `A`. */
export function awsKeyIdAt(text: string, at: number, out: Candidate[]): void {
  const b = codeAt(text, at + 1);
  const c = codeAt(text, at + 2);
  if ((c === 73 && (b === 75 || b === 83 || b === 66)) || (b === 67 && c === 67)) matchAt(text, AWS_KEY_ID, at, out);
}

/** JWTs from each `yJ` after an `e`. */
export class Jwts {
  private end = 0;

  constructor(private readonly text: string, private readonly out: Candidate[]) {}

  yJ(at: number): void {
    const start = at - 1;
    if (start < this.end || codeAt(this.text, start) !== 101) return;
    this.end = Math.max(this.end, matchAt(this.text, JWT, start, this.out));
  }
}

/** PEM private key blocks from each `BEG` of a `-----BEGIN`. */
export class PrivateKeys {
  private end = 0;

  constructor(private readonly text: string, private readonly out: Candidate[]) {}

  beg(at: number): void {
    const start = at - 5;
    if (start < this.end || !this.text.startsWith('-----', start) || !this.text.startsWith('BEGIN', at)) return;
    this.end = Math.max(this.end, matchAt(this.text, PRIVATE_KEY, start, this.out));
  }
}

/** Slack webhooks and credentials in URLs, from the `:` of each `://`; colons arrive in order. */
export class UrlRules {
  private webhookEnd = 0;
  private credentialsEnd = 0;

  constructor(private readonly text: string, private readonly out: Candidate[]) {}

  colon(at: number): void {
    const text = this.text;
    if (codeAt(text, at + 1) !== 47 || codeAt(text, at + 2) !== 47) return;
    if (at >= 5 && at - 5 >= this.webhookEnd && text.startsWith('https', at - 5)) {
      this.webhookEnd = Math.max(this.webhookEnd, matchAt(text, SLACK_WEBHOOK, at - 5, this.out));
    }
    // The scheme's lookbehind admits only the start of its run of scheme characters.
    let start = at;
    while (start > 0 && (CHARS[text.charCodeAt(start - 1)]! & SCHEME) !== 0) start--;
    const first = codeAt(text, start);
    if (start === at || start < this.credentialsEnd || (CHARS[first]! & ALNUM) === 0 || (first >= 48 && first <= 57)) return;
    this.credentialsEnd = Math.max(this.credentialsEnd, matchAt(text, URL_CREDENTIALS, start, this.out));
  }
}

