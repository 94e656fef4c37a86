/**
 * Parquet files in The Stack's shape, read with hyparquet through the same field names as JSONL.
 * Only the columns the field names pick are read. A row group is hyparquet's unit of decoding, so
 * memory is bounded by the largest row group's chosen columns (`maxRowGroupBytes` skips bigger
 * ones) plus the rows of one batch; row groups are cut into row ranges where batches fill up.
 *
 * Codecs: uncompressed and snappy (hyparquet), gzip and brotli (node:zlib). Zstd and LZ4 need a
 * decoder Node 20 does not have; such files fail at planning with a message saying so.
 */
import { stat } from 'node:fs/promises';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import type { Compressors, FileMetaData } from 'hyparquet';
import { Batcher, type ParquetBatch, type ParquetPiece } from './batch.js';
import { IngestSourceError } from './errors.js';
import { rowToItem } from './fields.js';
import { resolveIngestOptions, type IngestOptions, type ResolvedIngestOptions } from './options.js';
import { fsError } from './streams.js';
import { skip, type IngestItem } from './types.js';

// hyparquet is ESM and only needed for Parquet sources.
let hyparquetModule: Promise<typeof import('hyparquet')> | undefined;
const hyparquet = () => (hyparquetModule ??= import('hyparquet'));

const COMPRESSORS: Compressors = {
  GZIP: (input) => gunzipSync(input),
  BROTLI: (input) => brotliDecompressSync(input),
};
const SUPPORTED = new Set(['UNCOMPRESSED', 'SNAPPY', 'GZIP', 'BROTLI']);

// Byte arrays stay bytes: content is checked for UTF-8 by `decode`, not replaced with U+FFFD here.
const PARSERS = { stringFromBytes: (bytes: Uint8Array) => bytes };

async function openParquet(file: string, options: ResolvedIngestOptions) {
  const hp = await hyparquet();
  const size = (await stat(file).catch((err) => { throw fsError(file, err); })).size;
  let metadata: FileMetaData;
  const buffer = await hp.asyncBufferFromFile(file);
  try {
    metadata = await hp.parquetMetadataAsync(buffer, { parsers: PARSERS });
  } catch (err) {
    throw new IngestSourceError(file, `not a readable Parquet file: ${(err as Error).message}`, { cause: err });
  }
  const present = new Set(hp.parquetSchema(metadata).children.map((c) => c.element.name));
  const f = options.fields;
  const wanted = [f.content, f.path, f.repo, f.license, f.stars, f.commit, f.language, f.blobId, f.keep].flat();
  const columns = [...new Set(wanted.filter((name) => present.has(name)))];
  if (!f.content.some((name) => present.has(name))) {
    throw new IngestSourceError(file, `has no content column (looked for ${f.content.join(', ')})`);
  }
  return { hp, buffer, metadata, columns, size };
}

export async function* planParquet(file: string, options: IngestOptions | ResolvedIngestOptions): AsyncGenerator<ParquetBatch> {
  const o = resolveIngestOptions(options);
  const { metadata, columns, size } = await openParquet(file, o);
  const batcher = new Batcher<ParquetPiece>(o);
  const wrap = (b: ReturnType<typeof batcher.flush>): ParquetBatch | undefined =>
    b && { type: 'ingest.v1.parquet', index: b.index, bytes: b.bytes, file, fileSize: size, pieces: b.entries };
  let rowStart = 0;
  for (const [rowGroup, rg] of metadata.row_groups.entries()) {
    const rows = Number(rg.num_rows);
    let bytes = 0;
    for (const chunk of rg.columns) {
      const meta = chunk.meta_data;
      if (!meta || !columns.includes(meta.path_in_schema[0]!)) continue;
      if (!SUPPORTED.has(meta.codec)) {
        throw new IngestSourceError(file, `column ${meta.path_in_schema.join('.')} uses ${meta.codec}, which this reader cannot decompress (supported: ${[...SUPPORTED].join(', ')})`);
      }
      bytes += Number(meta.total_uncompressed_size);
    }
    if (rows === 0) continue;
    if (bytes > o.maxRowGroupBytes) {
      const full = wrap(batcher.push({ rowGroup, skip: 'row_group_too_large' }, 0));
      if (full) yield full;
    } else {
      // Rows are cut where the open batch fills up (bytes shared out evenly over the rows), so a
      // batch holds at most one range per row group and hyparquet decodes each group once per batch.
      const upTo = (r: number) => Math.round((bytes * r) / rows);
      for (let r = 0; r < rows; ) {
        const room = batcher.room();
        let end = Math.min(rows, r + Math.max(1, Math.ceil((room * rows) / Math.max(1, bytes))));
        while (end < rows && upTo(end) - upTo(r) < room) end++;
        const full = wrap(batcher.push({ rowGroup, rowStart: rowStart + r, rowEnd: rowStart + end }, upTo(end) - upTo(r)));
        if (full) yield full;
        r = end;
      }
    }
    rowStart += rows;
  }
  const last = wrap(batcher.flush());
  if (last) yield last;
}

export async function* readParquetBatch(batch: ParquetBatch, options: IngestOptions | ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const o = resolveIngestOptions(options);
  const { file } = batch;
  const { hp, buffer, metadata, columns, size } = await openParquet(file, o);
  if (size !== batch.fileSize) throw new IngestSourceError(file, `changed since planning (${batch.fileSize} bytes then, ${size} now)`);
  for (const piece of batch.pieces) {
    if ('skip' in piece) {
      yield skip(`${file}#rg${piece.rowGroup}`, piece.skip);
      continue;
    }
    let rows: Array<Record<string, unknown>>;
    try {
      rows = await hp.parquetReadObjects({
        file: buffer, metadata, columns, rowStart: piece.rowStart, rowEnd: piece.rowEnd,
        utf8: false, parsers: PARSERS, compressors: COMPRESSORS,
      });
    } catch (err) {
      throw new IngestSourceError(file, `cannot read rows ${piece.rowStart}-${piece.rowEnd}: ${(err as Error).message}`, { cause: err });
    }
    for (const [i, row] of rows.entries()) {
      const n = piece.rowStart + i;
      yield rowToItem(row, o.fields, { source: 'parquet', where: `${file}#row${n}`, row: n });
    }
  }
}
