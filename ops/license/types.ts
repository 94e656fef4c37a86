import { LicenseOptionsError } from './errors.js';

/** The Stack v2's three buckets. */
export type LicenseType = 'permissive' | 'no_license' | 'non_permissive';

export const LICENSE_TYPES: readonly LicenseType[] = ['permissive', 'no_license', 'non_permissive'];

/** One license found in a text. */
export interface LicenseMatch {
  /** Best SPDX id of the group. */
  id: string;
  /** Every id whose text is identical to it after normalization, best first (`id` is `ids[0]`). */
  ids: string[];
  /** Share of the license's text found in the input, in (0, 1]. */
  score: number;
  /** Share of the input's text this license explains, in (0, 1]; low when the license is one part of it. */
  share: number;
}

export interface MatchOptions {
  /** Minimum `score` for a match. Default 0.8. */
  threshold?: number;
  /** At most this many licenses per text (concatenated license files). Default 4. */
  maxMatches?: number;
}

export interface ResolvedMatchOptions {
  threshold: number;
  maxMatches: number;
}

export const DEFAULT_MATCH_OPTIONS: Readonly<ResolvedMatchOptions> = { threshold: 0.8, maxMatches: 4 };

export function resolveMatchOptions(options: MatchOptions = {}): ResolvedMatchOptions {
  const threshold = options.threshold ?? DEFAULT_MATCH_OPTIONS.threshold;
  const maxMatches = options.maxMatches ?? DEFAULT_MATCH_OPTIONS.maxMatches;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) {
    throw new LicenseOptionsError('threshold', 'must be a number in (0, 1]');
  }
  if (!Number.isInteger(maxMatches) || maxMatches < 1) {
    throw new LicenseOptionsError('maxMatches', 'must be a positive integer');
  }
  return { threshold, maxMatches };
}
