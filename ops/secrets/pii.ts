/**
 * Personal data in source: email addresses and IP addresses. Addresses that identify nobody (private
 * and reserved ranges, documentation ranges, well-known public DNS resolvers) are left alone.
 *
 * Choice on emails: RFC 2606/6761 reserved domains (`example.com`, `*.test`, …) and obvious template
 * addresses are skipped, but `noreply@…` addresses ARE reported: `1234+alice@users.noreply.github.com`
 * still names a person, and an organisation's noreply address is harmless to redact.
 */
import { ALNUM, CHARS, HEX, LOCAL, WORD, codeAt } from './chars.js';
import { PRIORITY } from './rules.js';
import type { Candidate } from './types.js';

const EMAIL = /(?<![\w.%+:/-])[A-Za-z0-9][A-Za-z0-9._%+-]*@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,})(?![\w-]|\.[A-Za-z0-9])/dg;
const RESERVED_DOMAIN = /(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid|localhost|local)$/i;
// `logo@2x.png` and friends: asset names, not addresses.
const FILE_TLD = /\.(?:png|jpe?g|gif|svg|webp|ico|js|mjs|ts|css|json|html?|md|txt|py|rb|go|rs)$/i;
const TEMPLATE_LOCAL = /^(?:user|username|name|email|you|yourname|your\.name|someone|somebody|foo|bar|firstname\.lastname|john\.doe|jane\.doe)$/i;
const TEMPLATE_DOMAIN = /^(?:domain|email|mail|company|yourdomain|yourcompany|host|server)\.(?:com|org|net)$/i;

const EMAIL_AT = new RegExp(EMAIL.source, 'y');

/**
 * Emails from each `@`: the lookbehind admits only the start of the run of local-part characters
 * before it, and a match ends past the `@`, so one `@` is one attempt, skipped when the previous
 * match covers it. `@`s arrive in order.
 */
export class Emails {
  private end = 0;

  constructor(private readonly text: string, private readonly out: Candidate[]) {}

  at(at: number): void {
    const text = this.text;
    let start = at;
    while (start > 0 && (CHARS[text.charCodeAt(start - 1)]! & LOCAL) !== 0) start--;
    if (start === at || start < this.end || (CHARS[text.charCodeAt(start)]! & ALNUM) === 0) return;
    EMAIL_AT.lastIndex = start;
    const m = EMAIL_AT.exec(text);
    if (m === null) return;
    this.end = start + m[0].length;
    const domain = m[1]!;
    const local = m[0].slice(0, m[0].length - domain.length - 1);
    if (RESERVED_DOMAIN.test(domain) || FILE_TLD.test(domain)) return;
    if (TEMPLATE_DOMAIN.test(domain) || (TEMPLATE_LOCAL.test(local) && TEMPLATE_DOMAIN.test(domain))) return;
    // `git@github.com:org/repo` is an SSH login, not a mailbox.
    if (local === 'git' && text[this.end] === ':') return;
    this.out.push({ kind: 'email', rule: 'email', start, end: this.end, priority: PRIORITY.pii });
  }
}

const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)/g;
const VERSION_BEFORE = /(?<![A-Za-z])(?:version|ver|v)[\s"':=]*$/i;

/** Octets 0–255 without leading zeros (`01.02.03.04` is a version or a date, not an address). */
export function parseIpv4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p[0] === '0')) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    octets.push(n);
  }
  return octets;
}

const PUBLIC_DNS_V4 = new Set(['8.8.8.8', '8.8.4.4', '1.1.1.1', '1.0.0.1', '9.9.9.9', '208.67.222.222', '208.67.220.220']);

/** True for addresses that identify nobody: private, loopback, link-local, documentation, multicast, reserved, public DNS. */
export function isKeptIpv4(o: number[]): boolean {
  const [a, b, c] = o as [number, number, number, number];
  return (
    a === 0 || a === 10 || a === 127 || a >= 224 ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 169 && b === 254) ||
    (a === 100 && b >= 64 && b <= 127) || // carrier-grade NAT
    (a === 192 && b === 0 && c === 2) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113) ||
    PUBLIC_DNS_V4.has(o.join('.'))
  );
}

const IPV4_AT = new RegExp(IPV4.source, 'y');

/**
 * IPv4 from a hit at the last digit of its first group (anchors.ts): the lookbehind admits a match
 * only at the start of a run of `[\w.]`, which is where that group starts.
 */
export function ipv4At(text: string, at: number, out: Candidate[]): void {
  let start = at;
  while (start > 0 && text.charCodeAt(start - 1) >= 48 && text.charCodeAt(start - 1) <= 57) start--;
  IPV4_AT.lastIndex = start;
  const m = IPV4_AT.exec(text);
  if (m === null) return;
  const octets = parseIpv4(m[0]);
  if (!octets || isKeptIpv4(octets)) return;
  if (VERSION_BEFORE.test(lineBefore(text, start, 16))) return;
  out.push({ kind: 'ip_address', rule: 'ipv4', start, end: start + m[0].length, priority: PRIORITY.pii });
}

/** Up to `max` characters before `offset`, not reaching back past the start of its line. */
export function lineBefore(text: string, offset: number, max: number): string {
  const before = text.slice(Math.max(0, offset - max), offset);
  return before.slice(before.lastIndexOf('\n') + 1);
}

const IPV6 = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])/g;

/** Eight 16-bit groups, or undefined. Embedded dotted IPv4 (`::ffff:1.2.3.4`) is not supported. */
export function parseIpv6(s: string): number[] | undefined {
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const all = [...head, ...tail];
  if (all.some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  if (halves.length === 1 ? all.length !== 8 : all.length > 7) return undefined;
  const zeros = new Array<string>(8 - all.length).fill('0');
  return [...head, ...zeros, ...tail].map((g) => parseInt(g, 16));
}

const PUBLIC_DNS_V6 = new Set([
  '2001:4860:4860:0:0:0:0:8888', '2001:4860:4860:0:0:0:0:8844', // Google
  '2606:4700:4700:0:0:0:0:1111', '2606:4700:4700:0:0:0:0:1001', // Cloudflare
  '2620:fe:0:0:0:0:0:fe', '2620:fe:0:0:0:0:0:9', // Quad9
  '2620:119:35:0:0:0:0:35', '2620:119:53:0:0:0:0:53', // OpenDNS
]);

export function isKeptIpv6(g: number[]): boolean {
  const key = g.map((n) => n.toString(16)).join(':');
  const unspecifiedOrLoopback = g.slice(0, 7).every((n) => n === 0) && g[7]! <= 1;
  return (
    unspecifiedOrLoopback ||
    (g[0]! & 0xfe00) === 0xfc00 || // unique local fc00::/7
    (g[0]! & 0xffc0) === 0xfe80 || // link-local fe80::/10
    (g[0]! & 0xff00) === 0xff00 || // multicast
    (g[0] === 0x2001 && g[1] === 0x0db8) || // documentation
    PUBLIC_DNS_V6.has(key)
  );
}

const IPV6_AT = new RegExp(IPV6.source, 'y');

/**
 * IPv6 from the colons, which arrive in order. A match is a whole run of hex digits and colons (its
 * lookarounds forbid either next to it), and its first colon has at most four hex digits and another
 * colon after it; any other colon is a label, a ternary or a type annotation and costs a few loads.
 */
export class Ipv6Scan {
  private done = 0;

  constructor(private readonly text: string, private readonly out: Candidate[]) {}

  colon(at: number): void {
    if (at < this.done) return;
    const text = this.text;
    let next = at + 1;
    while (next < at + 5 && isHexAt(text, next)) next++;
    if (codeAt(text, next) !== 58) return;
    let start = at;
    while (start > 0 && isHexOrColon(text.charCodeAt(start - 1))) start--;
    let end = next + 1;
    while (end < text.length && isHexOrColon(text.charCodeAt(end))) end++;
    this.done = end;
    const before = codeAt(text, start - 1);
    if (before === 46 || (before >= 0 && (CHARS[before]! & WORD) !== 0)) return;
    IPV6_AT.lastIndex = start;
    const m = IPV6_AT.exec(text);
    if (m === null) return;
    // Compressed forms without a digit are code (`abc::def`, `face::bad`), not addresses.
    if (m[0].includes('::') && !/\d/.test(m[0])) return;
    const groups = parseIpv6(m[0]);
    if (!groups || isKeptIpv6(groups)) return;
    this.out.push({ kind: 'ip_address', rule: 'ipv6', start, end: start + m[0].length, priority: PRIORITY.pii });
  }
}

function isHexAt(text: string, i: number): boolean {
  return i < text.length && (CHARS[text.charCodeAt(i)]! & HEX) !== 0;
}

function isHexOrColon(c: number): boolean {
  return (CHARS[c]! & HEX) !== 0 || c === 58;
}
