/**
 * Opt-outs: owners and repositories whose code must not be in a dataset. A registry (a file, or a
 * JetStream KV bucket on the mesh) is read once per run into an immutable snapshot whose digest the
 * dataset manifest records; a pipeline step drops every document it matches.
 *
 *   import { loadOptOut, optoutStep, openOptOutStore } from '../ops/optout/index.js';
 *   const store = await openOptOutStore({ nc });           // or { file: 'optout.txt' }, or MESH_NATS_URL / MESH_OPTOUT_FILE
 *   await store.add(['octocat', 'https://github.com/acme/secret-sauce.git']);   // stored as octocat, acme/secret-sauce
 *   await store.close();
 *   const optout = await loadOptOut({ nc });                // { entries, digest, source }
 *   const steps = [languageStep(), optoutStep(optout)];     // drops counted as optout:opted_out
 *
 * Matching is case-insensitive on `meta.repo` in any of `owner/repo`, `github.com/owner/repo`,
 * `https://github.com/owner/repo(.git)`, `git@github.com:owner/repo.git`; an owner entry covers all
 * of that owner's repositories.
 */
export { parseEntry, parseEntries, parseRepo, type EntryKind, type OptOutEntry, type RepoRef } from './entry.js';
export { OptOutSnapshot, digestEntries, optoutStep, OPTOUT_STEP, OPTED_OUT } from './snapshot.js';
export { FileOptOutStore } from './file-store.js';
export { KvOptOutStore, DEFAULT_OPTOUT_BUCKET, encodeKey, decodeKey, type KvOptOutStoreOptions } from './kv-store.js';
export {
  loadOptOut,
  openOptOutStore,
  resolveOptOutOptions,
  DEFAULT_OPTOUT_FILE,
  type OptOutOptions,
  type OptOutStore,
  type ResolvedOptOutOptions,
} from './load.js';
export { InvalidOptOutEntryError, OptOutOptionsError, OptOutStoreError } from './errors.js';
