/**
 * `scan`: run every detector over a text and resolve overlaps into one ordered list of findings.
 *
 * One pass finds the anchors (anchors.ts): the few places where some rule's match can start. The
 * detectors look only there, running their rules' regexes sticky; most files have no anchor at all
 * and cost that one pass.
 */
import { findAnchors, lineOf, type Anchors } from './anchors.js';
import { findAssignments } from './assignments.js';
import { findEntropy } from './entropy.js';
import { RUN } from './bytes.js';
import { Jwts, PrivateKeys, UrlRules, awsKeyIdAt, tokenAt } from './formats.js';
import { NO_ANCHORS } from './kernel.js';
import { Emails, Ipv6Scan, ipv4At } from './pii.js';
import { resolveScanOptions, type Candidate, type Finding, type ResolvedScanOptions, type ScanOptions } from './types.js';

export function scan(text: string, options: ScanOptions = {}): Finding[] {
  const resolved = resolveScanOptions(options);
  const anchors = findAnchors(text, resolved.thresholds);
  // Most files have no anchor: nothing more to do.
  if (anchors === NO_ANCHORS) return [];
  return findings(text, anchors, detect(text, resolved, anchors));
}

function findings(text: string, anchors: Anchors, candidates: Candidate[]): Finding[] {
  if (candidates.length === 0) return [];
  return resolveOverlaps(candidates).map(({ kind, rule, start, end }) => ({ kind, rule, line: lineOf(text, anchors.newlines, start), start, end }));
}

/** Every detector at its anchors. */
function detect(text: string, options: ResolvedScanOptions, { runs, hits, names }: Anchors): Candidate[] {
  const candidates: Candidate[] = [];
  if (runs.length > 0) {
    findEntropy(text, runs, options, candidates);
    for (let r = 0; r < runs.length; r += 3) {
      if ((runs[r + 2]! & RUN.TOKEN) !== 0) tokenAt(text, runs[r]!, candidates);
      if ((runs[r + 2]! & RUN.AWS) !== 0) awsKeyIdAt(text, runs[r]!, candidates);
    }
  }
  if (names.length > 0) findAssignments(text, names, options.path, candidates);
  if (hits.length === 0) return candidates;
  const ipv6 = new Ipv6Scan(text, candidates);
  const urls = new UrlRules(text, candidates);
  const emails = new Emails(text, candidates);
  const jwts = new Jwts(text, candidates);
  const privateKeys = new PrivateKeys(text, candidates);
  for (let h = 0; h < hits.length; h++) {
    const at = hits[h]!;
    switch (text.charCodeAt(at)) {
      case 58: // :
        ipv6.colon(at);
        urls.colon(at);
        break;
      case 64: // @
        emails.at(at);
        break;
      case 121: // y
        jwts.yJ(at);
        break;
      case 66: // B
        privateKeys.beg(at);
        break;
      default: // a digit
        ipv4At(text, at, candidates);
    }
  }
  return candidates;
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
