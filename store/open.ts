/**
 * Where the store is: `--store`, else MESH_STORE, else `.mesh` in the working directory.
 * `s3://bucket/prefix` is S3; anything else is a directory.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StorageBackend } from './backend.js';
import { StoreError } from './errors.js';
import { FileBackend } from './fs.js';
import { S3Backend } from './s3.js';

export const DEFAULT_STORE_DIR = '.mesh';

export function openBackend(spec?: string, cwd = process.cwd()): StorageBackend {
  const chosen = spec || process.env.MESH_STORE || resolve(cwd, DEFAULT_STORE_DIR);
  if (/^s3:\/\//i.test(chosen)) {
    const rest = chosen.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1);
    if (bucket === '') {
      throw new StoreError("an S3 store needs a bucket: use s3://<bucket>/<prefix>", { url: chosen, op: 'open' });
    }
    return new S3Backend({ bucket, prefix });
  }
  if (/^file:/i.test(chosen)) return new FileBackend(fileURLToPath(chosen));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(chosen)) {
    throw new StoreError('unsupported store: use a directory path or s3://<bucket>/<prefix>', { url: chosen, op: 'open' });
  }
  return new FileBackend(isAbsolute(chosen) ? chosen : resolve(cwd, chosen));
}
