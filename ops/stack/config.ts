/**
 * The curation flow's configuration: flow parameters in, resolved options out, validated with
 * messages that name the parameter. Its hash goes into the dataset manifest, so everything that
 * changes the output is here and nothing that does not (where the output goes) is hashed.
 */
import type { DedupMode } from '../dedup/index.js';
import type { LicenseType } from '../license/index.js';
import { StackConfigError } from './errors.js';

export interface StackConfig {
  /** Directory, .tar(.gz), .jsonl(.gz), .parquet, s3://bucket/prefix or git:PATH. */
  source: string;
  /** Directory or s3://bucket/prefix for the dataset version. */
  out: string;
  name?: string;
  version?: string;
  /** Input batch size (bytes); one foreach partition per batch. Default 16 MiB. */
  batchBytes?: number;
  /** Files over this size are dropped (`ingest:too_large`). Default 1 MiB. */
  maxFileBytes?: number;
  /** License types kept. Default permissive and no_license (The Stack v2). */
  keepLicenses?: readonly LicenseType[];
  dedup?: DedupMode | 'none';
  /** Near-duplicate Jaccard threshold. Default 0.7. */
  threshold?: number;
  numPerm?: number;
  /** Shuffle partitions for dedup (R). Default 4. */
  shufflePartitions?: number;
  /** Shard size, uncompressed bytes. Default 256 MiB. */
  shardBytes?: number;
  /** Mixed into synthetic IPs so a published mapping cannot be rebuilt by hashing guesses. */
  redactSalt?: string;
  /** Replace a dataset already at `out`. */
  overwrite?: boolean;
}

export interface ResolvedStackConfig {
  source: string;
  out: string;
  name: string;
  version: string;
  batchBytes: number;
  maxFileBytes: number;
  keepLicenses: LicenseType[];
  dedup: DedupMode | 'none';
  threshold: number;
  numPerm: number;
  shufflePartitions: number;
  shardBytes: number;
  redactSalt: string;
  overwrite: boolean;
}

const MiB = 1024 * 1024;
const LICENSE_TYPES: readonly LicenseType[] = ['permissive', 'no_license', 'non_permissive'];
const DEDUP_MODES = ['both', 'exact', 'near', 'none'] as const;

function positiveInt(name: string, v: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (v === undefined || v === '') return fallback;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > max) throw new StackConfigError(name, `must be a positive integer${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}, got ${String(v)}`);
  return n;
}

function nonEmpty(name: string, v: unknown, fallback?: string): string {
  if ((v === undefined || v === '') && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || v.trim() === '') throw new StackConfigError(name, 'is required');
  return v;
}

/** Accepts lists as arrays or comma-separated strings (flow parameters arrive as strings). */
function list(v: unknown): unknown[] | undefined {
  if (v === undefined || v === '') return undefined;
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [v];
}

export function resolveStackConfig(c: StackConfig): ResolvedStackConfig {
  const keep = list(c.keepLicenses) ?? ['permissive', 'no_license'];
  keep.forEach((t, i) => {
    if (!LICENSE_TYPES.includes(t as LicenseType)) throw new StackConfigError(`keepLicenses[${i}]`, `must be one of ${LICENSE_TYPES.join(', ')}, got ${String(t)}`);
  });
  const dedup = c.dedup ?? 'both';
  if (!DEDUP_MODES.includes(dedup)) throw new StackConfigError('dedup', `must be one of ${DEDUP_MODES.join(', ')}, got ${String(dedup)}`);
  const threshold = c.threshold === undefined ? 0.7 : Number(c.threshold);
  if (!(threshold > 0 && threshold <= 1)) throw new StackConfigError('threshold', `must be in (0, 1], got ${String(c.threshold)}`);
  return {
    source: nonEmpty('source', c.source),
    out: nonEmpty('out', c.out),
    name: nonEmpty('name', c.name, 'stack'),
    version: nonEmpty('version', c.version, '1'),
    batchBytes: positiveInt('batchBytes', c.batchBytes, 16 * MiB),
    maxFileBytes: positiveInt('maxFileBytes', c.maxFileBytes, MiB),
    keepLicenses: [...new Set(keep as LicenseType[])].sort(),
    dedup,
    threshold,
    numPerm: positiveInt('numPerm', c.numPerm, 256, 1024),
    shufflePartitions: positiveInt('shufflePartitions', c.shufflePartitions, 4, 4096),
    shardBytes: positiveInt('shardBytes', c.shardBytes, 256 * MiB),
    redactSalt: typeof c.redactSalt === 'string' ? c.redactSalt : '',
    overwrite: c.overwrite === true || (c.overwrite as unknown) === 'true',
  };
}

/**
 * What the manifest's config hash covers: every option that changes the output. Where the input and
 * output live does not (the input is covered by its digests); the salt is a secret and stays out.
 */
export function hashedConfig(c: ResolvedStackConfig): Record<string, unknown> {
  return {
    batchBytes: c.batchBytes, maxFileBytes: c.maxFileBytes, keepLicenses: c.keepLicenses, dedup: c.dedup,
    threshold: c.threshold, numPerm: c.numPerm, shufflePartitions: c.shufflePartitions, shardBytes: c.shardBytes,
    salted: c.redactSalt !== '',
  };
}
