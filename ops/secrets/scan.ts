/**
 * `scan`: run every detector over a text and resolve overlaps into one ordered list of findings.
 *
 * The text is read by native searches and one sparse pass, never a regex per rule over all of it:
 * the long base64 runs (entropy candidates and vendor tokens), every `:` (IPv6, URL rules,
 * assignments), every `=` (assignments), `@` (emails), `yJ` (JWTs), `BEGIN` (PEM) and a dotted-quad
 * hint (IPv4). The rules' regexes run sticky where those say a match can start.
 */
import { Assignments } from './assignments.js';
import { lineNumbers } from './chars.js';
import { findEntropy } from './entropy.js';
import { SHORTEST_RUN_TOKEN, UrlRules, findJwts, findPrivateKeys, tokensInRun } from './formats.js';
import { Ipv6Scan, findEmails, findIpv4 } from './pii.js';
import { longRuns } from './runs.js';
import { resolveScanOptions, type Candidate, type Finding, type ScanOptions } from './types.js';

export function scan(text: string, options: ScanOptions = {}): Finding[] {
  const resolved = resolveScanOptions(options);
  const candidates: Candidate[] = [];

  const runs = longRuns(text, Math.min(SHORTEST_RUN_TOKEN, resolved.thresholds.minLength));
  findEntropy(text, runs, resolved, candidates);
  for (let r = 0; r < runs.length; r += 2) {
    if (runs[r + 1]! - runs[r]! >= SHORTEST_RUN_TOKEN) tokensInRun(text, runs[r]!, runs[r + 1]!, candidates);
  }

  const assignments = new Assignments(text);
  const ipv6 = new Ipv6Scan(text, candidates);
  const urls = new UrlRules(text, candidates);
  for (let at = text.indexOf(':'); at !== -1; at = text.indexOf(':', at + 1)) {
    ipv6.colon(at);
    urls.colon(at);
    assignments.operator(at);
  }
  for (let at = text.indexOf('='); at !== -1; at = text.indexOf('=', at + 1)) assignments.operator(at);
  assignments.finish(resolved.path, candidates);

  findJwts(text, candidates);
  findPrivateKeys(text, candidates);
  findEmails(text, candidates);
  findIpv4(text, candidates);

  if (candidates.length === 0) return [];
  const kept = resolveOverlaps(candidates);
  const lines = lineNumbers(text, kept.map((c) => c.start));
  return kept.map(({ kind, rule, start, end }, i) => ({ kind, rule, line: lines[i]!, start, end }));
}

/**
 * Keeps a non-overlapping subset, ordered by start. Longest wins; on equal length the more specific
 * rule (lower priority) wins, then the earlier start, then the rule id, so the result never depends on
 * detector order.
 */
export function resolveOverlaps<T extends Pick<Candidate, 'rule' | 'start' | 'end'> & { priority?: number }>(candidates: T[]): T[] {
  const valid = candidates.filter((c) => c.end > c.start);
  const byStart = [...valid].sort((a, b) => a.start - b.start);
  if (byStart.every((c, i) => i === 0 || byStart[i - 1]!.end <= c.start)) return byStart;
  const ranked = valid.sort(
    (a, b) =>
      b.end - b.start - (a.end - a.start) ||
      (a.priority ?? 0) - (b.priority ?? 0) ||
      a.start - b.start ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
  // `kept` stays sorted by start; a candidate can only overlap its neighbours there.
  const kept: T[] = [];
  for (const c of ranked) {
    let lo = 0;
    let hi = kept.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kept[mid]!.start < c.start) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0 && kept[lo - 1]!.end > c.start) continue;
    if (lo < kept.length && kept[lo]!.start < c.end) continue;
    kept.splice(lo, 0, c);
  }
  return kept;
}
