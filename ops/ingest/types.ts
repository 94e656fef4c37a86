/** What readers produce: records of raw bytes, or skips that say why an input was not read. */

export type SourceType = 'dir' | 'tar' | 'jsonl' | 'parquet' | 's3' | 'git';

/** Provenance and dataset fields carried along with a file; everything is JSON-serializable. */
export interface RecordMeta {
  source: SourceType;
  /** `owner/name` from a dataset row, or the repository of a git source. */
  repo?: string;
  /** Commit sha (git source; `revision_id` and the like in dataset rows). */
  commit?: string;
  /** Every license a row names: a `license` string and a `detected_licenses` list both become a list. */
  license?: string[];
  stars?: number;
  language?: string;
  /** Git blob sha (git source; `blob_id` / `hexsha` in dataset rows). */
  blobId?: string;
  /** 1-based line of a JSONL row. */
  line?: number;
  /** 0-based row of a Parquet file. */
  row?: number;
  /** Extra dataset fields asked for with `fields.keep`. */
  [field: string]: unknown;
}

/** One file as read, before decoding: `decode` turns it into an ops/pipeline `Doc` or a drop reason. */
export interface IngestRecord {
  /** Stable id: `repo/path` when a repo is known, else the path inside the source. */
  id: string;
  path: string;
  bytes: Uint8Array;
  /**
   * The content as the source held it, when that was text (a JSONL string): `bytes` is then its
   * UTF-8, encoded on first use, and `decode` works on the text without the round trip.
   */
  text?: string;
  meta: RecordMeta;
}

/**
 * Why an input was not read. Counted as `ingest:<reason>`.
 *
 * - any source: `too_large` (over `maxBytes`; never buffered), `unreadable` (permission denied)
 * - directories: `symlink` (target inside the root: read at its own path), `symlink_outside_root`,
 *   `symlink_broken`, `special_file` (fifo, socket, device), `excluded` (a directory in `exclude`),
 *   `invalid_path` (a name that is not UTF-8; a folder is skipped whole), `path_too_long` (over the
 *   system's PATH_MAX)
 * - tar: `path_traversal` (a `..` segment), `absolute_path`, `symlink`, `hardlink`, `device`, `fifo`,
 *   `unsupported_entry`, `invalid_path` (empty, or not UTF-8), `corrupt_archive` and
 *   `truncated_archive` (reading stops there)
 * - gzip inputs: `corrupt_gzip`; `decompression_bomb_bytes` (past `maxExpandedBytes`) and
 *   `decompression_bomb_ratio` (past `maxExpansionRatio`). Reading stops there: what came whole
 *   before is read, and the member or file being read is skipped with the reason.
 * - JSONL: `broken_line` (not JSON), `invalid_utf8` (a line that is not UTF-8), `line_too_long`
 *   (over `maxLineBytes`; never buffered), `not_an_object`; JSONL and Parquet rows: `missing_content`,
 *   `missing_path`
 * - Parquet: `row_group_too_large` (over `maxRowGroupBytes`)
 * - git: `symlink`, `submodule`, `invalid_path` (not UTF-8)
 * - S3: `directory_marker` (a key ending in `/`)
 */
export type SkipReason =
  | 'too_large'
  | 'unreadable'
  | 'symlink'
  | 'symlink_outside_root'
  | 'symlink_broken'
  | 'special_file'
  | 'excluded'
  | 'path_traversal'
  | 'absolute_path'
  | 'hardlink'
  | 'device'
  | 'fifo'
  | 'unsupported_entry'
  | 'invalid_path'
  | 'path_too_long'
  | 'corrupt_archive'
  | 'truncated_archive'
  | 'corrupt_gzip'
  | 'decompression_bomb_bytes'
  | 'decompression_bomb_ratio'
  | 'broken_line'
  | 'invalid_utf8'
  | 'line_too_long'
  | 'not_an_object'
  | 'missing_content'
  | 'missing_path'
  | 'row_group_too_large'
  | 'submodule'
  | 'directory_marker';

/** Why `decode` refused a record. Counted as `ingest:<reason>` too. */
export type DropReason = 'binary' | 'invalid_utf8' | 'too_large';

/** An input that was not read; `path` locates it (`file.jsonl:17` for a line, `file.parquet#rg2` for a row group). */
export interface Skip {
  type: 'skip';
  path: string;
  reason: SkipReason;
}

export type IngestItem = { type: 'record'; record: IngestRecord } | Skip;

export const skip = (path: string, reason: SkipReason): Skip => ({ type: 'skip', path, reason });
export const record = (r: IngestRecord): IngestItem => ({ type: 'record', record: r });
