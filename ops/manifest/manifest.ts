/**
 * manifest.json: what a dataset version is. Written last, after every shard (it is the completion
 * marker: a directory without one holds no dataset), and serialized canonically (sorted keys, two-space
 * indent, trailing newline, no timestamps), so the same shards, counts, config and inputs give the same
 * bytes, and the manifest's own sha256 identifies the version.
 */
import { canonicalJson } from './canonical.js';
import { ManifestFormatError } from './errors.js';
import type { ShardInfo } from './shards.js';
import { checkObjectName } from './sink.js';

export const MANIFEST_SCHEMA = 'mesh.v1.dataset.manifest';
export const MANIFEST_NAME = 'manifest.json';

export interface ManifestFormat {
  type: 'jsonl';
  compression: 'gzip';
  level: number;
  shard_bytes: number;
  /** Record fields in their order on every line. */
  fields: string[];
}

export interface Manifest {
  schema: typeof MANIFEST_SCHEMA;
  name: string;
  version: string;
  format: ManifestFormat;
  shards: ShardInfo[];
  totals: { shards: number; docs: number; bytes: number; uncompressed_bytes: number };
  counts: {
    /** Documents written, by `language` (`unknown` when none was detected). */
    language: Record<string, number>;
    /** Documents written, by `license_type` (`unknown` when none was set). */
    license_type: Record<string, number>;
    /** Documents dropped, by `step:reason`, from the run's PipelineStats. */
    dropped: Record<string, number>;
  };
  /** Documents into and out of the pipeline (PipelineStats in/out); null when no stats were given. Step timings are left out: they differ on every run. */
  pipeline: { in: number; out: number } | null;
  /** sha256 of the canonical JSON of the run's config; null when none was given. */
  config_sha256: string | null;
  /** Input name → digest, as the caller named them (e.g. batch archives and their sha256). */
  inputs: Record<string, string>;
  /** The opt-out registry applied: its digest and entry count; null when none was. */
  optout: { digest: string; entries: number } | null;
}

export function serializeManifest(manifest: Manifest): string {
  return `${canonicalJson(manifest, 2)}\n`;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** Parses and checks a manifest; `url` names it in errors. An unknown schema fails loudly. */
export function parseManifest(text: string, url: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ManifestFormatError(url, `is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const fail = (what: string): never => {
    throw new ManifestFormatError(url, what);
  };
  if (!isObject(value)) return fail('is not a JSON object');
  const m = value as Record<string, unknown>;
  if (m.schema !== MANIFEST_SCHEMA) {
    fail(`has schema ${JSON.stringify(m.schema)}; this version reads ${MANIFEST_SCHEMA}`);
  }
  for (const f of ['name', 'version'] as const) if (typeof m[f] !== 'string') fail(`${f} must be a string`);
  if (!Array.isArray(m.shards)) fail('shards must be an array');
  (m.shards as unknown[]).forEach((s, i) => {
    if (!isObject(s)) fail(`shards[${i}] must be an object`);
    const shard = s as Record<string, unknown>;
    try {
      checkObjectName(String(shard.name));
    } catch {
      fail(`shards[${i}].name must be a relative object name, got ${JSON.stringify(shard.name)}`);
    }
    if (typeof shard.sha256 !== 'string' || !HEX64.test(shard.sha256)) fail(`shards[${i}].sha256 must be 64 hex digits`);
    for (const f of ['bytes', 'uncompressed_bytes', 'docs']) {
      if (!Number.isSafeInteger(shard[f]) || (shard[f] as number) < 0) fail(`shards[${i}].${f} must be a non-negative integer`);
    }
  });
  for (const f of ['totals', 'counts', 'format', 'inputs'] as const) if (!isObject(m[f])) fail(`${f} must be an object`);
  return value as Manifest;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
