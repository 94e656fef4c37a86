/**
 * `redact`: replace what `scan` found. Keys and passwords become fixed tags; IP addresses become
 * synthetic addresses of the same family in documentation ranges, derived from a hash of the original
 * so one address maps to one replacement in every file (a dataset keeps "these two files talk to the
 * same host" without keeping the host). Different addresses may share a replacement; that is the point.
 */
import { createHash } from 'node:crypto';
import { InvalidFindingError } from './errors.js';
import { parseIpv4, parseIpv6 } from './pii.js';
import { resolveOverlaps } from './scan.js';
import { KINDS, type Finding, type Kind } from './types.js';

export interface RedactResult {
  text: string;
  counts: Record<Kind, number>;
}

export interface RedactOptions {
  /** Mixed into the IP hash so a published dataset's mapping cannot be rebuilt by hashing guesses. */
  salt?: string;
}

const TAGS: Record<Exclude<Kind, 'ip_address'>, string> = { key: '<KEY>', password: '<PASSWORD>', email: '<EMAIL>' };

export function redact(text: string, findings: readonly Finding[], options: RedactOptions = {}): RedactResult {
  findings.forEach((f, i) => checkFinding(text, f, i));
  const counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  let out = '';
  let at = 0;
  for (const f of resolveOverlaps([...findings])) {
    const original = text.slice(f.start, f.end);
    out += text.slice(at, f.start) + (f.kind === 'ip_address' ? syntheticIp(original, options.salt) : TAGS[f.kind]);
    at = f.end;
    counts[f.kind]++;
  }
  return { text: out + text.slice(at), counts };
}

function checkFinding(text: string, f: Finding, index: number): void {
  if (!KINDS.includes(f.kind)) throw new InvalidFindingError(index, `has unknown kind ${JSON.stringify(f.kind)}`);
  if (!Number.isInteger(f.start) || !Number.isInteger(f.end) || f.start < 0 || f.end > text.length || f.start >= f.end) {
    throw new InvalidFindingError(index, `span ${f.start}..${f.end} does not fit a text of length ${text.length}`);
  }
}

const V4_RANGES = ['192.0.2', '198.51.100', '203.0.113'];

/** Same family, same input → same output; an unparseable address falls back to the v4 form of its hash. */
export function syntheticIp(address: string, salt = ''): string {
  const v6 = address.includes(':') ? parseIpv6(address) : undefined;
  // Hash the canonical form so `::1:2` and `0:0:0:0:0:0:1:2` agree.
  const canonical = v6 ? v6.map((g) => g.toString(16)).join(':') : (parseIpv4(address)?.join('.') ?? address);
  const h = createHash('sha256').update(`${salt}\0${canonical}`).digest();
  if (v6) {
    const groups = [0, 2, 4, 6, 8, 10].map((i) => h.readUInt16BE(i).toString(16));
    return `2001:db8:${groups.join(':')}`;
  }
  return `${V4_RANGES[h[0]! % V4_RANGES.length]}.${1 + (h.readUInt16BE(1) % 254)}`;
}
