/**
 * Source specs: what to read. A string is resolved by its shape:
 *
 *   'dir:./src'                 a directory, walked (even if it holds a .git)
 *   'git:./repo'                the HEAD tree of a git repository
 *   's3://bucket/some/prefix'   every object under a prefix
 *   'x.tar', 'x.tar.gz', 'x.tgz', 'x.jsonl', 'x.jsonl.gz', 'x.parquet'   by extension
 *   './path'                    a directory: git when it holds .git, else walked
 */
import { stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { IngestOptionsError } from './errors.js';
import type { SourceType } from './types.js';

export type SourceSpec =
  | { type: 'dir'; path: string }
  | { type: 'tar'; path: string; gzip?: boolean }
  | { type: 'jsonl'; path: string; gzip?: boolean }
  | { type: 'parquet'; path: string }
  /** `endpoint` and `region` here override `options.s3` and are written into batch descriptors. */
  | { type: 's3'; bucket: string; prefix?: string; endpoint?: string; region?: string }
  /** `repo` overrides the name recorded in `meta.repo` (default: the origin remote, else the folder name). */
  | { type: 'git'; path: string; repo?: string };

/** A spec with absolute paths and every choice made; JSON-serializable. */
export type ResolvedSource =
  | { type: 'dir'; root: string }
  | { type: 'tar'; file: string; gzip: boolean }
  | { type: 'jsonl'; file: string; gzip: boolean }
  | { type: 'parquet'; file: string }
  | { type: 's3'; bucket: string; prefix: string; endpoint?: string; region?: string }
  | { type: 'git'; dir: string; repo?: string };

const TYPES: readonly SourceType[] = ['dir', 'tar', 'jsonl', 'parquet', 's3', 'git'];

/** What the functions taking a source accept: a string, a spec, or a source resolved before. */
export type SourceInput = string | SourceSpec | ResolvedSource;

export async function resolveSource(spec: SourceInput, cwd = process.cwd()): Promise<ResolvedSource> {
  if (typeof spec === 'string') return resolveString(spec, cwd);
  // Already resolved (a spec names `path`; resolved sources name `root`, `file` or `dir`).
  if (typeof spec === 'object' && spec !== null && ('root' in spec || 'file' in spec || 'dir' in spec)) return spec;
  if (typeof spec !== 'object' || spec === null || !TYPES.includes((spec as { type: SourceType }).type)) {
    throw new IngestOptionsError('source.type', `must be one of ${TYPES.join(', ')}`);
  }
  if (spec.type === 's3') {
    if (typeof spec.bucket !== 'string' || spec.bucket === '' || spec.bucket.includes('/')) {
      throw new IngestOptionsError('source.bucket', "must be a bucket name without '/'");
    }
    return s3Source(spec.bucket, spec.prefix ?? '', spec.endpoint, spec.region);
  }
  if (typeof spec.path !== 'string' || spec.path === '') throw new IngestOptionsError('source.path', 'must be a non-empty path');
  const path = resolve(cwd, spec.path);
  switch (spec.type) {
    case 'dir':
      return { type: 'dir', root: path };
    case 'git':
      if (spec.repo !== undefined && (typeof spec.repo !== 'string' || spec.repo === '')) {
        throw new IngestOptionsError('source.repo', 'must be a non-empty string');
      }
      return spec.repo === undefined ? { type: 'git', dir: path } : { type: 'git', dir: path, repo: spec.repo };
    case 'tar':
    case 'jsonl':
      return { type: spec.type, file: path, gzip: spec.gzip ?? /\.(gz|tgz)$/.test(path) };
    case 'parquet':
      return { type: 'parquet', file: path };
  }
}

async function resolveString(spec: string, cwd: string): Promise<ResolvedSource> {
  if (spec.startsWith('s3://')) {
    const rest = spec.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    if (bucket === '') throw new IngestOptionsError('source', `has no bucket: '${spec}'`);
    return s3Source(bucket, slash < 0 ? '' : rest.slice(slash + 1));
  }
  if (spec.startsWith('dir:')) return { type: 'dir', root: resolve(cwd, nonEmpty(spec.slice(4), spec)) };
  if (spec.startsWith('git:')) return { type: 'git', dir: resolve(cwd, nonEmpty(spec.slice(4), spec)) };
  const path = resolve(cwd, nonEmpty(spec, spec));
  const name = basename(path).toLowerCase();
  if (name.endsWith('.tar')) return { type: 'tar', file: path, gzip: false };
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return { type: 'tar', file: path, gzip: true };
  if (name.endsWith('.jsonl') || name.endsWith('.ndjson')) return { type: 'jsonl', file: path, gzip: false };
  if (name.endsWith('.jsonl.gz') || name.endsWith('.ndjson.gz')) return { type: 'jsonl', file: path, gzip: true };
  if (name.endsWith('.parquet')) return { type: 'parquet', file: path };
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new IngestOptionsError(
      'source',
      `'${spec}' is not a directory and has no known extension (.tar, .tar.gz, .tgz, .jsonl, .jsonl.gz, .parquet); use dir:, git: or s3://`,
    );
  }
  // A worktree or submodule has a .git file rather than a folder; both mean git.
  const git = await stat(join(path, '.git')).then(() => true, () => false);
  return git ? { type: 'git', dir: path } : { type: 'dir', root: path };
}

function nonEmpty(path: string, spec: string): string {
  if (path === '') throw new IngestOptionsError('source', `has an empty path: '${spec}'`);
  return path;
}

function s3Source(bucket: string, prefix: string, endpoint?: string, region?: string): ResolvedSource {
  // A prefix names a folder: 'a/b' and 'a/b/' both mean the keys under 'a/b/'.
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  const out: ResolvedSource = { type: 's3', bucket, prefix: trimmed === '' ? '' : `${trimmed}/` };
  if (endpoint) out.endpoint = endpoint;
  if (region) out.region = region;
  return out;
}

/** A short label for messages: the path or the s3 url. */
export function sourceLabel(source: ResolvedSource): string {
  switch (source.type) {
    case 'dir':
      return source.root;
    case 'git':
      return source.dir;
    case 's3':
      return `s3://${source.bucket}/${source.prefix}`;
    default:
      return source.file;
  }
}
