/**
 * Publishing a dataset version: documents in a given order become gzipped JSON-lines shards (rolled at
 * `shardBytes` of uncompressed data, reproducible byte for byte), and manifest.json, written last,
 * records every shard's sha256, the counts, the config hash, the input digests and the opt-out digest.
 * A directory or an s3:// prefix; `diffDatasets` compares two versions by document id.
 *
 *   import { writeDataset, diffDatasets } from '../ops/manifest/index.js';
 *   const { manifest, manifestSha256 } = await writeDataset(docs, {
 *     dest: 's3://datasets/stack-mini/v2', name: 'stack-mini', version: '2',
 *     config, inputs: { 'batch-0000.tar': digest }, optout: snapshot, stats,
 *   });
 *   const d = await diffDatasets('s3://datasets/stack-mini/v1', 's3://datasets/stack-mini/v2');
 *   d.added; d.removed; d.changed;      // sorted doc ids
 */
export { DatasetWriter, writeDataset, writeDatasetPart, finishDataset, partPrefix, resolveDatasetWriterOptions, type DatasetPart, type PartOptions, type DatasetWriterOptions, type ResolvedDatasetWriterOptions, type WrittenDataset } from './writer.js';
export { ShardWriter, shardName, DEFAULT_SHARD_BYTES, DEFAULT_GZIP_LEVEL, type ShardInfo, type ShardWriterOptions } from './shards.js';
export { MANIFEST_NAME, MANIFEST_SCHEMA, parseManifest, serializeManifest, type Manifest, type ManifestFormat } from './manifest.js';
export { RECORD_FIELDS, toRecord, encodeRecord, type DatasetRecord } from './record.js';
export { canonicalJson, configHash, sha256Hex } from './canonical.js';
export { DirSink, openSink, checkObjectName, type DatasetSink } from './sink.js';
export { S3Sink, DEFAULT_PART_SIZE, type S3SinkOptions } from './s3-sink.js';
export { openDataset, readShard, verifyDataset, type OpenDataset, type OpenDatasetOptions, type VerifiedDataset } from './reader.js';
export { diffDatasets, type DatasetDiff, type DatasetSummary } from './diff.js';
export {
  CanonicalJsonError,
  DatasetExistsError,
  DatasetNotFoundError,
  DuplicateDocIdError,
  ManifestFormatError,
  ManifestOptionsError,
  ShardIntegrityError,
  SinkError,
} from './errors.js';
