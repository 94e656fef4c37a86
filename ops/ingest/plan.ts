/**
 * The two halves of reading a source on a mesh: `planBatches` streams through the listing once and
 * yields batch descriptors (see batch.ts); `readBatch` reads one of them anywhere. The same source
 * and options always give the same batches in the same order, and reading the batches in order
 * gives exactly what `readSource` gives.
 */
import { parseBatch, type Batch } from './batch.js';
import { planDir, readDirBatch } from './dir.js';
import { planGit, readGitBatch } from './git.js';
import { jsonlChunks, planJsonl, readJsonl, readJsonlBatch } from './jsonl.js';
import { resolveIngestOptions, type IngestOptions } from './options.js';
import { planParquet, readParquetBatch } from './parquet.js';
import { planS3, readS3Batch } from './s3.js';
import { resolveSource, type SourceInput } from './source.js';
import { planTar, readTar, readTarBatch, tarChunks } from './tar.js';
import type { IngestItem } from './types.js';

export async function* planBatches(source: SourceInput, options: IngestOptions = {}): AsyncGenerator<Batch> {
  const o = resolveIngestOptions(options);
  const s = await resolveSource(source);
  switch (s.type) {
    case 'dir':
      return yield* planDir(s.root, o);
    case 'tar':
      return yield* planTar(s.file, s.gzip, o);
    case 'jsonl':
      return yield* planJsonl(s.file, s.gzip, o);
    case 'parquet':
      return yield* planParquet(s.file, o);
    case 's3':
      return yield* planS3(s, o);
    case 'git':
      return yield* planGit(s.dir, s.repo, o);
  }
}

/** Records and skips of one batch, in plan order. Accepts a descriptor read back as JSON. */
export async function* readBatch(batch: Batch | string, options: IngestOptions = {}): AsyncGenerator<IngestItem> {
  const o = resolveIngestOptions(options);
  const b = parseBatch(batch);
  switch (b.type) {
    case 'ingest.v1.dir':
      return yield* readDirBatch(b, o);
    case 'ingest.v1.tar':
      return yield* readTarBatch(b, o);
    case 'ingest.v1.jsonl':
      return yield* readJsonlBatch(b, o);
    case 'ingest.v1.parquet':
      return yield* readParquetBatch(b, o);
    case 'ingest.v1.s3':
      return yield* readS3Batch(b, o);
    case 'ingest.v1.git':
      return yield* readGitBatch(b, o);
  }
}

/**
 * Everything in a source, in plan order, on this process. Compressed streams are read in one pass
 * rather than batch by batch; the other sources plan and read each batch in turn.
 */
export async function* readSource(source: SourceInput, options: IngestOptions = {}): AsyncGenerator<IngestItem> {
  const o = resolveIngestOptions(options);
  const s = await resolveSource(source);
  if (s.type === 'jsonl') return yield* readJsonl(jsonlChunks(s.file, s.gzip, o), o, { name: s.file });
  if (s.type === 'tar' && s.gzip) return yield* readTar(tarChunks(s.file, true, o), o, { name: s.file });
  for await (const batch of planBatches(s, o)) yield* readBatch(batch, o);
}
