/**
 * Reading source-code inputs for a curation flow: directories, tar(.gz), JSONL(.gz) and Parquet in
 * The Stack's shape, S3 prefixes and git repositories, streamed with bounded memory.
 *
 *   import { planBatches, readBatch, decodeItem } from '../ops/ingest/index.js';
 *   for await (const batch of planBatches('data/stack.jsonl.gz', { batchBytes: 64 << 20 })) store(JSON.stringify(batch));
 *   // on a worker, for one stored batch:
 *   const stats = new PipelineStats();
 *   for await (const item of readBatch(batchJson, { maxBytes: 1 << 20 })) {
 *     const doc = decodeItem(item, stats);           // skips and drops counted as ingest:<reason>
 *     if (doc) runPipeline(steps, doc, stats);
 *   }
 *
 * Broken data never throws (it is skipped with a reason); a missing or changed source does
 * (`IngestSourceError`), as do bad options (`IngestOptionsError`). Hostile data is bounded too: a
 * gzip source stops at `maxExpandedBytes` / `maxExpansionRatio` (`decompression_bomb_*`), a line at
 * `maxLineBytes`, a file at `maxBytes`, and a name that is not UTF-8 is skipped (`invalid_path`).
 */
export { planBatches, readBatch, readSource } from './plan.js';
export { decode, decodeItem, utf8Bytes, INGEST_STEP, type DecodeOutcome } from './decode.js';
export { resolveSource, sourceLabel, type ResolvedSource, type SourceInput, type SourceSpec } from './source.js';
export {
  DEFAULT_FIELDS,
  DEFAULTS,
  resolveIngestOptions,
  type FieldNames,
  type IngestOptions,
  type ResolvedFieldNames,
  type ResolvedIngestOptions,
  type S3IngestOptions,
} from './options.js';
export {
  BATCH_TYPES,
  parseBatch,
  type Batch,
  type DirBatch,
  type FileEntry,
  type GitBatch,
  type GzipTarBatch,
  type JsonlBatch,
  type ParquetBatch,
  type ParquetPiece,
  type PlainTarBatch,
  type S3Batch,
  type SkipEntry,
  type TarBatch,
} from './batch.js';
export { readJsonl, type JsonlPlace } from './jsonl.js';
export { readTar, classifyTarEntry, type TarEntryKind } from './tar.js';
export { splitLines, type Line } from './lines.js';
export { walkDir } from './dir.js';
export { repoFromRemote } from './git.js';
export { BatchFormatError, IngestOptionsError, IngestSourceError } from './errors.js';
export type { DropReason, IngestItem, IngestRecord, RecordMeta, Skip, SkipReason, SourceType } from './types.js';
