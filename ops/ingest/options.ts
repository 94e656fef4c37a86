import { IngestOptionsError } from './errors.js';

/**
 * Which row fields (JSONL keys, Parquet columns) hold what. Each is a name or a list of names tried
 * in order, the first present (not null) wins. The defaults cover The Stack v1 and v2.
 */
export interface FieldNames {
  content?: string | readonly string[];
  path?: string | readonly string[];
  repo?: string | readonly string[];
  license?: string | readonly string[];
  stars?: string | readonly string[];
  commit?: string | readonly string[];
  language?: string | readonly string[];
  blobId?: string | readonly string[];
  /** Fields copied into `meta` under their own name (e.g. `['is_vendor', 'gha_language']`). */
  keep?: readonly string[];
}

export type ResolvedFieldNames = { readonly [K in keyof FieldNames]-?: readonly string[] };

export const DEFAULT_FIELDS: ResolvedFieldNames = {
  content: ['content'],
  path: ['path', 'max_stars_repo_path'],
  repo: ['repo', 'repo_name', 'max_stars_repo_name', 'repository_name'],
  license: ['license', 'detected_licenses', 'licenses', 'max_stars_repo_licenses'],
  stars: ['stars', 'star_events_count', 'max_stars_count'],
  commit: ['commit', 'revision_id', 'max_stars_repo_head_hexsha'],
  language: ['language', 'lang'],
  blobId: ['blob_id', 'hexsha'],
  keep: [],
};

/** Settings for S3 sources; credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID, profiles, ...). */
export interface S3IngestOptions {
  /** S3-compatible endpoint; default AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, then AWS. */
  endpoint?: string;
  /** Default AWS_REGION, then us-east-1. */
  region?: string;
  /** Explicit credentials (tests, s3rver); default the SDK's provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** A client you configured; used as is and never destroyed by ingest. */
  client?: unknown;
  /** GETs in flight while a batch is read, in order; default 8. */
  concurrency?: number;
  /** MaxKeys per list page; default the server's. */
  listPageSize?: number;
}

export interface IngestOptions {
  /** Files larger than this are skipped as `too_large` without being buffered. Default 1 MiB. */
  maxBytes?: number;
  /**
   * JSONL lines longer than this are skipped as `line_too_long` without being buffered. Default
   * 8 MiB: a 1 MiB file escaped as `\uXXXX` throughout is 6 MiB of JSON, plus the other fields.
   */
  maxLineBytes?: number;
  /** A batch closes once its files add up to this many bytes. Default 64 MiB. */
  batchBytes?: number;
  /** ... or once it lists this many entries, which keeps a descriptor small. Default 10,000. */
  batchEntries?: number;
  /** Parquet row groups whose columns we read exceed this uncompressed: skipped. Default 512 MiB. */
  maxRowGroupBytes?: number;
  /**
   * A .tar.gz or .jsonl.gz may expand to at most this many bytes; past it, decompression stops with a
   * `decompression_bomb_bytes` skip. Default 64 GiB.
   */
  maxExpandedBytes?: number;
  /**
   * ... and to at most this many times its own (compressed) size, once past `expansionRatioAfterBytes`;
   * past it, decompression stops with a `decompression_bomb_ratio` skip. Default 200: source code
   * compresses 4-10x, gzip's best case is about 1,000x.
   */
  maxExpansionRatio?: number;
  /**
   * `maxExpansionRatio` is not applied before this many bytes are decompressed: a small gzip of
   * repetitive text legitimately has a high ratio. Default 64 MiB.
   */
  expansionRatioAfterBytes?: number;
  /** Directory names the directory walk does not enter (skipped as `excluded`). Default VCS folders. */
  exclude?: readonly string[];
  fields?: FieldNames;
  s3?: S3IngestOptions;
}

export interface ResolvedIngestOptions {
  maxBytes: number;
  maxLineBytes: number;
  batchBytes: number;
  batchEntries: number;
  maxRowGroupBytes: number;
  maxExpandedBytes: number;
  maxExpansionRatio: number;
  expansionRatioAfterBytes: number;
  exclude: readonly string[];
  fields: ResolvedFieldNames;
  s3: S3IngestOptions & { concurrency: number };
}

export const MiB = 1024 * 1024;

export const DEFAULTS = {
  maxBytes: MiB,
  maxLineBytes: 8 * MiB,
  batchBytes: 64 * MiB,
  batchEntries: 10_000,
  maxRowGroupBytes: 512 * MiB,
  maxExpandedBytes: 64 * 1024 * MiB,
  maxExpansionRatio: 200,
  expansionRatioAfterBytes: 64 * MiB,
  exclude: ['.git', '.hg', '.svn'],
  s3Concurrency: 8,
} as const;

const positiveInt = (field: string, value: unknown, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new IngestOptionsError(field, `must be a positive integer, got ${String(value)}`);
  }
  return value;
};

const ratio = (field: string, value: unknown, fallback: number): number => {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 1) {
    throw new IngestOptionsError(field, `must be a number of at least 1, got ${String(value)}`);
  }
  return value;
};

const names = (field: string, value: unknown, fallback: readonly string[]): readonly string[] => {
  if (value === undefined) return fallback;
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.some((n) => typeof n !== 'string' || n === '')) {
    throw new IngestOptionsError(field, 'must be a non-empty field name or a list of them');
  }
  return [...list];
};

export function resolveIngestOptions(options: IngestOptions | ResolvedIngestOptions = {}): ResolvedIngestOptions {
  if (isResolved(options)) return options;
  const fields = resolveFields(options.fields);
  const exclude = options.exclude ?? DEFAULTS.exclude;
  if (!Array.isArray(exclude) || exclude.some((n) => typeof n !== 'string' || n === '' || n.includes('/'))) {
    throw new IngestOptionsError('exclude', "must be a list of directory names (no '/')");
  }
  const s3 = options.s3 ?? {};
  const resolved: ResolvedIngestOptions = {
    maxBytes: positiveInt('maxBytes', options.maxBytes, DEFAULTS.maxBytes),
    maxLineBytes: positiveInt('maxLineBytes', options.maxLineBytes, DEFAULTS.maxLineBytes),
    batchBytes: positiveInt('batchBytes', options.batchBytes, DEFAULTS.batchBytes),
    batchEntries: positiveInt('batchEntries', options.batchEntries, DEFAULTS.batchEntries),
    maxRowGroupBytes: positiveInt('maxRowGroupBytes', options.maxRowGroupBytes, DEFAULTS.maxRowGroupBytes),
    maxExpandedBytes: positiveInt('maxExpandedBytes', options.maxExpandedBytes, DEFAULTS.maxExpandedBytes),
    maxExpansionRatio: ratio('maxExpansionRatio', options.maxExpansionRatio, DEFAULTS.maxExpansionRatio),
    expansionRatioAfterBytes: positiveInt('expansionRatioAfterBytes', options.expansionRatioAfterBytes, DEFAULTS.expansionRatioAfterBytes),
    exclude: [...exclude],
    fields,
    s3: {
      ...s3,
      concurrency: positiveInt('s3.concurrency', s3.concurrency, DEFAULTS.s3Concurrency),
      listPageSize: s3.listPageSize === undefined ? undefined : positiveInt('s3.listPageSize', s3.listPageSize, 0),
    },
  };
  RESOLVED.add(resolved);
  return resolved;
}

function resolveFields(fields: FieldNames = {}): ResolvedFieldNames {
  if (typeof fields !== 'object' || fields === null) throw new IngestOptionsError('fields', 'must be an object');
  for (const key of Object.keys(fields)) {
    if (!(key in DEFAULT_FIELDS)) {
      throw new IngestOptionsError(`fields.${key}`, `is not a known field (known: ${Object.keys(DEFAULT_FIELDS).join(', ')})`);
    }
  }
  const out = {} as Record<keyof FieldNames, readonly string[]>;
  for (const key of Object.keys(DEFAULT_FIELDS) as Array<keyof FieldNames>) {
    out[key] = names(`fields.${key}`, fields[key], DEFAULT_FIELDS[key]);
  }
  return out;
}

// Options resolved once are passed down through every reader; remembering them avoids re-validating.
const RESOLVED = new WeakSet<object>();
const isResolved = (o: object): o is ResolvedIngestOptions => RESOLVED.has(o);
