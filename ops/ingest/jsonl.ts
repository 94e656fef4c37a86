/**
 * JSONL in The Stack's shape: one object per line with `content`, `path`, `repo_name`, ... (see
 * `FieldNames`). Lines are split from the byte stream here, so an overlong line is skipped without
 * being buffered; a broken line is skipped and the next one read.
 *
 * Fields are pulled with JSON.parse. On Stack-shaped rows (~6 KB, 27 fields) bench/jsonl.ts measured
 * JSON.parse at 120-165 MB/s and simdjson's lazyParse + valueForKeyPath at 30-75 MB/s: each row
 * crosses N-API twice (the line in, the content string out), which costs more than simdjson saves.
 * One parser everywhere also keeps the output the same on machines without the native build.
 *
 * Hostile rows: a line that is not UTF-8 is skipped as `invalid_utf8` (not decoded with U+FFFD). A row
 * that names a key twice keeps the last value, as JSON.parse does; so do Python's json (which wrote
 * The Stack) and Go's encoding/json, so every common tool reads such a row the same way, and the
 * shards we write hold each key once. Rejecting those rows would need a second scan of every line.
 * A .jsonl.gz that expands past the limits (see `expansionLimit`) is read up to there, like broken
 * gzip data: the lines before are read, and one `decompression_bomb_*` skip names the file.
 */
import { stat } from 'node:fs/promises';
import type { JsonlBatch } from './batch.js';
import { IngestSourceError } from './errors.js';
import { rowToItem } from './fields.js';
import { splitLines } from './lines.js';
import { resolveIngestOptions, type IngestOptions, type ResolvedIngestOptions } from './options.js';
import { byteRange, CorruptInput, fileChunks, fsError, gunzip, gunzipFile, type Chunks } from './streams.js';
import { skip, type IngestItem, type SkipReason } from './types.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export interface JsonlPlace {
  /** Names the input in skips: `<name>:<line>`. */
  name: string;
  /** Number of the first line; default 1. */
  firstLine?: number;
  /**
   * The input is known to end inside a line (a batch cut where gzip data broke while planning): that
   * line is not parsed, and one skip with this reason ends the read.
   */
  truncatedTail?: SkipReason;
}

/** Rows of a JSONL byte stream. Never throws for bad data; errors of the input itself pass through. */
export async function* readJsonl(
  input: Chunks,
  options: IngestOptions | ResolvedIngestOptions,
  place: JsonlPlace,
): AsyncGenerator<IngestItem> {
  const { maxLineBytes, fields } = resolveIngestOptions(options);
  const { name, truncatedTail } = place;
  try {
    for await (const line of splitLines(input, { maxLineBytes, firstLine: place.firstLine })) {
      const where = `${name}:${line.lineNo}`;
      // A line cut where the data broke is no line of the file (however long the piece is).
      if (line.unterminated && truncatedTail) break;
      if (line.type === 'too_long') {
        yield skip(where, 'line_too_long');
        continue;
      }
      if (isBlank(line.bytes)) continue;
      let text: string;
      try {
        text = utf8.decode(line.bytes);
      } catch {
        yield skip(where, 'invalid_utf8');
        continue;
      }
      let row: unknown;
      try {
        row = JSON.parse(text);
      } catch {
        yield skip(where, 'broken_line');
        continue;
      }
      if (typeof row !== 'object' || row === null || Array.isArray(row)) {
        yield skip(where, 'not_an_object');
        continue;
      }
      yield rowToItem(row as Record<string, unknown>, fields, { source: 'jsonl', where, line: line.lineNo });
    }
  } catch (err) {
    if (!(err instanceof CorruptInput)) throw err;
    if (!truncatedTail) yield skip(name, err.reason);
  }
  if (truncatedTail) yield skip(name, truncatedTail);
}

const isBlank = (b: Uint8Array): boolean => {
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10) return false;
  }
  return true;
};

/** A JSONL file's bytes; gunzipped within the expansion limits when `gzip` (`size` saves a stat). */
export function jsonlChunks(file: string, gzip: boolean, o: ResolvedIngestOptions, size?: number): Chunks {
  return gzip ? gunzipFile(file, o, size) : fileChunks(file);
}

/** Cuts a JSONL file into line ranges of about `batchBytes`, scanning for newlines only. */
export async function* planJsonl(
  file: string,
  gzip: boolean,
  options: IngestOptions | ResolvedIngestOptions,
): AsyncGenerator<JsonlBatch> {
  const o = resolveIngestOptions(options);
  const { batchBytes } = o;
  const fileSize = (await stat(file).catch((err) => { throw fsError(file, err); })).size;
  let index = 0;
  let pos = 0;
  let start = 0;
  let firstLine = 1;
  let lines = 0;
  let lastEnd = 0;
  let tail: SkipReason | undefined;
  const batch = (end: number, extra: { tail?: SkipReason } = {}): JsonlBatch => {
    const out: JsonlBatch = { type: 'ingest.v1.jsonl', index: index++, bytes: end - start, file, fileSize, gzip, start, end, firstLine, lines, ...extra };
    start = end;
    firstLine += lines;
    lines = 0;
    return out;
  };
  try {
    for await (const chunk of jsonlChunks(file, gzip, o, fileSize)) {
      let from = 0;
      for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, from)) {
        lines++;
        from = nl + 1;
        lastEnd = pos + from;
        if (pos + from - start >= batchBytes) yield batch(pos + from);
      }
      pos += chunk.length;
    }
  } catch (err) {
    if (!(err instanceof CorruptInput)) throw err;
    tail = err.reason;
  }
  // An unterminated last line is a line too; a broken tail is read up to where the data broke.
  if (pos > start || tail) {
    if (pos > lastEnd) lines++;
    yield batch(pos, tail ? { tail } : {});
  }
}

export async function* readJsonlBatch(batch: JsonlBatch, options: IngestOptions | ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const { file, gzip, start, end } = batch;
  const size = (await stat(file).catch((err) => { throw fsError(file, err); })).size;
  if (size !== batch.fileSize) throw new IngestSourceError(file, `changed since planning (${batch.fileSize} bytes then, ${size} now)`);
  // No expansion limit here: planning stopped at it, and a range is never read past its `end`.
  const input = gzip ? byteRange(gunzip(fileChunks(file)), start, end) : fileChunks(file, start, end);
  yield* readJsonl(input, options, { name: file, firstLine: batch.firstLine, truncatedTail: batch.tail });
}
