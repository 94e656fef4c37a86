/** `scan`: run every detector over a text and resolve overlaps into one ordered list of findings. */
import { runEntropy } from './entropy.js';
import { findEmails, findIpv4, findIpv6 } from './pii.js';
import { runAssignmentRules, runFormatRules } from './rules.js';
import { resolveScanOptions, type Candidate, type Finding, type ScanOptions } from './types.js';

export function scan(text: string, options: ScanOptions = {}): Finding[] {
  const resolved = resolveScanOptions(options);
  const candidates = [
    ...runFormatRules(text),
    ...runAssignmentRules(text, resolved.path),
    ...runEntropy(text, resolved),
    ...findEmails(text),
    ...findIpv4(text),
    ...findIpv6(text),
  ];
  const lines = lineStarts(text);
  return resolveOverlaps(candidates).map(({ kind, rule, start, end }) => ({ kind, rule, line: lineOf(lines, start), start, end }));
}

/**
 * Keeps a non-overlapping subset, ordered by start. Longest wins; on equal length the more specific
 * rule (lower priority) wins, then the earlier start, then the rule id, so the result never depends on
 * detector order.
 */
export function resolveOverlaps<T extends Pick<Candidate, 'rule' | 'start' | 'end'> & { priority?: number }>(candidates: T[]): T[] {
  const ranked = [...candidates].sort(
    (a, b) =>
      b.end - b.start - (a.end - a.start) ||
      (a.priority ?? 0) - (b.priority ?? 0) ||
      a.start - b.start ||
      (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0),
  );
  const kept: T[] = [];
  for (const c of ranked) {
    if (c.end <= c.start) continue;
    if (!kept.some((k) => c.start < k.end && k.start < c.end)) kept.push(c);
  }
  return kept.sort((a, b) => a.start - b.start);
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

/** 1-based line containing `offset` (binary search over line starts). */
function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
