/**
 * The scanner as a plain reading of the rules: every rule's global regex over the whole text, every
 * filter as first written. Slow and obviously right, so the anchored scanner is tested against it
 * (equivalence.test.ts): same findings, offsets, lines and rule ids on any text.
 *
 * The rule definitions (FORMAT_RULES, ASSIGNMENT, QUOTED, ASSIGNED) and the filters that did not
 * change come from ops/secrets; the helpers the fast scanner rewrote are kept here in their first form.
 */
import { ASSIGNED, QUOTED } from '../../../ops/secrets/entropy.js';
import { isConfigFile } from '../../../ops/secrets/filters.js';
import { ASSIGNMENT } from '../../../ops/secrets/rules.js';
import {
  FORMAT_RULES,
  isKeptIpv4,
  isKeptIpv6,
  isPlaceholder,
  isUuid,
  parseIpv4,
  parseIpv6,
  resolveScanOptions,
  shannonEntropy,
  type Finding,
  type Kind,
  type ResolvedScanOptions,
  type ScanOptions,
} from '../../../ops/secrets/index.js';

interface Candidate {
  kind: Kind;
  rule: string;
  start: number;
  end: number;
  priority: number;
}

const PRIORITY = { format: 0, assignment: 1, entropy: 2, pii: 1 };

export function referenceScan(text: string, options: ScanOptions = {}): Finding[] {
  const resolved = resolveScanOptions(options);
  const candidates = [
    ...formatRules(text),
    ...assignments(text, resolved.path),
    ...entropy(text, resolved),
    ...emails(text),
    ...ipv4(text),
    ...ipv6(text),
  ];
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  const lineOf = (offset: number) => starts.filter((s) => s <= offset).length;
  return resolveOverlaps(candidates).map(({ kind, rule, start, end }) => ({ kind, rule, line: lineOf(start), start, end }));
}

/** scan.ts `resolveOverlaps` as first written: quadratic and plain. */
function resolveOverlaps(candidates: Candidate[]): Candidate[] {
  const ranked = [...candidates].sort(
    (a, b) => b.end - b.start - (a.end - a.start) || a.priority - b.priority || a.start - b.start || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
  const kept: Candidate[] = [];
  for (const c of ranked) {
    if (c.end <= c.start) continue;
    if (!kept.some((k) => c.start < k.end && k.start < c.end)) kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}

function formatRules(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const rule of FORMAT_RULES) {
    for (const m of text.matchAll(new RegExp(rule.pattern))) {
      const [start, end] = rule.group === undefined ? [m.index!, m.index! + m[0].length] : m.indices![rule.group]!;
      if (rule.validate && !rule.validate(text.slice(start, end))) continue;
      out.push({ kind: rule.kind, rule: rule.id, start, end, priority: PRIORITY.format });
    }
  }
  return out;
}

const PASSWORD_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret']);
const KEY_WORDS = new Set(['token', 'apikey', 'secretkey', 'accesskey', 'privatekey', 'authkey']);
const KEY_PAIRS = new Set(['api key', 'secret key', 'access key', 'private key', 'auth key', 'signing key', 'api token', 'access token', 'auth token', 'bearer token']);
const CODE_WORDS = new Set(['null', 'none', 'nil', 'true', 'false', 'undefined', 'str', 'string']);

/** rules.ts `kindOfName` as first written, with regexes. */
export function referenceKindOfName(name: string): Kind | undefined {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.toLowerCase());
  const last = words.at(-1);
  if (last === undefined) return undefined;
  if (PASSWORD_WORDS.has(last)) return 'password';
  if (KEY_WORDS.has(last) || KEY_PAIRS.has(words.slice(-2).join(' '))) return 'key';
  return undefined;
}

function assignments(text: string, path: string): Candidate[] {
  const out: Candidate[] = [];
  const config = isConfigFile(path);
  for (const m of text.matchAll(new RegExp(ASSIGNMENT))) {
    const kind = referenceKindOfName(m[1]!);
    if (kind === undefined) continue;
    const quoted = m[3] !== undefined;
    const [start, end] = m.indices![quoted ? 3 : 4]!;
    const value = text.slice(start, end);
    if (isPlaceholder(value) || value.length < (kind === 'key' ? 8 : 4)) continue;
    if (/\s/.test(value)) continue;
    if (!quoted && !config && !plausibleBareValue(value, text[end])) continue;
    out.push({ kind, rule: kind === 'password' ? 'password-assignment' : 'key-assignment', start, end, priority: PRIORITY.assignment });
  }
  return out;
}

function plausibleBareValue(value: string, next: string | undefined): boolean {
  if (next === '(' || next === '[') return false;
  if (CODE_WORDS.has(value.toLowerCase())) return false;
  return /\d/.test(value) || !/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/.test(value);
}

function isSequentialOrRepeated(value: string): boolean {
  const n = value.length;
  if (n < 2) return false;
  for (let unit = 1; unit <= 4 && unit * 2 <= n; unit++) {
    const head = value.slice(0, unit);
    if (head.repeat(Math.ceil(n / unit)).slice(0, n) === value) return true;
  }
  let steps = 0;
  for (let i = 1; i < n; i++) if (Math.abs(value.charCodeAt(i) - value.charCodeAt(i - 1)) === 1) steps++;
  return steps >= (n - 1) * 0.6;
}

const HASH_WORDS = /\b(?:commit|sha\d*|integrity|hash|checksum|digest|rev|revision|etag|resolved|parent|tree|object)\b|sha\d*[-_]|hash[-_]|commit[-_]/i;
const SRI_PREFIX = /^(?:sha1|sha256|sha384|sha512|md5)[-_:]/i;

function looksLikeHash(text: string, start: number, value: string): boolean {
  if (SRI_PREFIX.test(value)) return true;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  return HASH_WORDS.test(text.slice(Math.max(lineStart, start - 48), start));
}

const LOCKFILES = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'deno.lock',
  'cargo.lock', 'gemfile.lock', 'poetry.lock', 'pipfile.lock', 'uv.lock', 'composer.lock', 'go.sum',
  'flake.lock', 'mix.lock', 'pubspec.lock', 'podfile.lock', 'packages.lock.json', 'gradle.lockfile',
]);

function isLockfile(path: string): boolean {
  const base = path.split(/[\\/]/).pop()!.toLowerCase();
  return LOCKFILES.has(base) || base.endsWith('.lock') || base.endsWith('.lockfile');
}

function rejected(text: string, start: number, value: string, thresholds: ResolvedScanOptions['thresholds']): boolean {
  const core = value.replace(/=+$/, '');
  if (core.length < thresholds.minLength || isUuid(value) || isPlaceholder(value) || isSequentialOrRepeated(core)) return true;
  if (looksLikeHash(text, start, value)) return true;
  const alphabet = /^[0-9a-f]+$/i.test(core) ? 'hex' : 'base64';
  if (alphabet === 'base64' && !/\d/.test(core)) return true;
  return shannonEntropy(core) < thresholds[alphabet];
}

function entropy(text: string, options: ResolvedScanOptions): Candidate[] {
  if (isLockfile(options.path)) return [];
  const out: Candidate[] = [];
  const seen = new Set<number>();
  for (const [pattern, group] of [[QUOTED, 2], [ASSIGNED, 1]] as const) {
    for (const m of text.matchAll(new RegExp(pattern))) {
      const [start, end] = m.indices![group]!;
      if (seen.has(start)) continue;
      seen.add(start);
      const value = text.slice(start, end);
      if (rejected(text, start, value, options.thresholds)) continue;
      const rule = /^[0-9a-f]+$/i.test(value.replace(/=+$/, '')) ? 'entropy-hex' : 'entropy-base64';
      out.push({ kind: 'key', rule, start, end, priority: PRIORITY.entropy });
    }
  }
  return out;
}

const EMAIL = /(?<![\w.%+:/-])[A-Za-z0-9][A-Za-z0-9._%+-]*@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})(?![\w-]|\.[A-Za-z0-9])/g;
const RESERVED_DOMAIN = /(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost|local)$/i;
const FILE_TLD = /\.(?:png|jpe?g|gif|svg|webp|ico|js|mjs|ts|css|json|html?|md|txt|py|rb|go|rs)$/i;
const TEMPLATE_LOCAL = /^(?:user|username|name|email|you|yourname|your\.name|someone|somebody|foo|bar|firstname\.lastname|john\.doe|jane\.doe)$/i;
const TEMPLATE_DOMAIN = /^(?:domain|email|mail|company|yourdomain|yourcompany|host|server)\.(?:com|org|net)$/i;

function emails(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(EMAIL)) {
    const domain = m[1]!;
    const local = m[0].slice(0, m[0].length - domain.length - 1);
    if (RESERVED_DOMAIN.test(domain) || FILE_TLD.test(domain)) continue;
    if (TEMPLATE_DOMAIN.test(domain) || (TEMPLATE_LOCAL.test(local) && TEMPLATE_DOMAIN.test(domain))) continue;
    if (local === 'git' && text[m.index! + m[0].length] === ':') continue;
    out.push({ kind: 'email', rule: 'email', start: m.index!, end: m.index! + m[0].length, priority: PRIORITY.pii });
  }
  return out;
}

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const VERSION_BEFORE = /(?<![A-Za-z])(?:version|ver|v)[\s"':=]*$/i;

function ipv4(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(IPV4)) {
    const octets = parseIpv4(m[0]);
    if (!octets || isKeptIpv4(octets)) continue;
    const lineStart = text.lastIndexOf('\n', m.index! - 1) + 1;
    if (VERSION_BEFORE.test(text.slice(Math.max(lineStart, m.index! - 16), m.index!))) continue;
    out.push({ kind: 'ip_address', rule: 'ipv4', start: m.index!, end: m.index! + m[0].length, priority: PRIORITY.pii });
  }
  return out;
}

const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;

function ipv6(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(IPV6)) {
    if (m[0].includes('::') && !/\d/.test(m[0])) continue;
    const groups = parseIpv6(m[0]);
    if (!groups || isKeptIpv6(groups)) continue;
    out.push({ kind: 'ip_address', rule: 'ipv6', start: m.index!, end: m.index! + m[0].length, priority: PRIORITY.pii });
  }
  return out;
}
