import { SecretsOptionsError } from './errors.js';

/** What a finding is, which also decides its replacement: `<KEY>`, `<PASSWORD>`, `<EMAIL>` or a synthetic IP. */
export type Kind = 'key' | 'password' | 'email' | 'ip_address';

export const KINDS: readonly Kind[] = ['key', 'password', 'email', 'ip_address'];

/**
 * Where something sensitive sits. Deliberately carries no copy of the value: findings end up in run
 * stats and logs, which must not become a second place the secret lives.
 */
export interface Finding {
  kind: Kind;
  /** Rule id, e.g. `github-token`, `entropy-base64`, `ipv4`. */
  rule: string;
  /** 1-based line of `start`. */
  line: number;
  /** Offsets into the scanned text, `end` exclusive. */
  start: number;
  end: number;
}

export interface Thresholds {
  /** Minimum Shannon entropy (bits per char) for base64-like candidates. Default 4.5. */
  base64?: number;
  /** Minimum Shannon entropy for hex-only candidates. Default 3.0. */
  hex?: number;
  /** Candidates shorter than this are never flagged by entropy. Default 16. */
  minLength?: number;
}

export interface ScanOptions {
  /** Path of the file; lockfiles skip entropy checks, config files accept bare `password=value`. */
  path?: string;
  thresholds?: Thresholds;
}

export interface ResolvedScanOptions {
  path: string;
  thresholds: Required<Thresholds>;
}

export const DEFAULT_THRESHOLDS: Readonly<Required<Thresholds>> = { base64: 4.5, hex: 3.0, minLength: 16 };
/** Shared by every default resolution, so frozen. */
const DEFAULTS: Required<Thresholds> = Object.freeze({ ...DEFAULT_THRESHOLDS });

export function resolveScanOptions(options: ScanOptions = {}): ResolvedScanOptions {
  // The common call, `{ path }`, on the per-file path: no spreading and checking.
  if (options.thresholds === undefined) return { path: options.path ?? '', thresholds: DEFAULTS };
  const t = { ...DEFAULT_THRESHOLDS, ...stripUndefined(options.thresholds) };
  for (const field of ['base64', 'hex'] as const) {
    if (!Number.isFinite(t[field]) || t[field] < 0) {
      throw new SecretsOptionsError(`thresholds.${field}`, 'must be a non-negative finite number');
    }
  }
  if (!Number.isInteger(t.minLength) || t.minLength < 1) {
    throw new SecretsOptionsError('thresholds.minLength', 'must be a positive integer');
  }
  return { path: options.path ?? '', thresholds: t };
}

function stripUndefined(t: Thresholds): Thresholds {
  return Object.fromEntries(Object.entries(t).filter(([, v]) => v !== undefined)) as Thresholds;
}

/** A finding before line numbers are attached; `priority` breaks length ties (lower wins). */
export interface Candidate {
  kind: Kind;
  rule: string;
  start: number;
  end: number;
  priority: number;
}
