/**
 * Tar archives (plain or gzip) through tar-stream. Only regular files are read; entries that would
 * land outside the extraction root (`..`, absolute paths), links, devices and fifos are skipped with a
 * reason, and the rest of the archive is still read. A corrupt or truncated archive ends the read
 * with one skip (`corrupt_archive`, `truncated_archive`, `corrupt_gzip`); it never throws.
 *
 * A .tar.gz that expands past `maxExpandedBytes` or `maxExpansionRatio` (see `expansionLimit`) is
 * read like one whose gzip data broke there: the members that came whole before the limit are read,
 * the member being read (or the archive, between members) is skipped as `decompression_bomb_bytes` or
 * `decompression_bomb_ratio`, and nothing after it is read. The limit is a fixed position in the
 * decompressed stream, so planning and every batch read stop at the same member.
 *
 * Names are taken byte for byte: a name that is not UTF-8 is skipped as `invalid_path` rather than
 * read under a name with U+FFFD in it, which another member's name could equal (see names.ts). Any
 * other character, a newline included, is kept as it is.
 */
import { open, stat } from 'node:fs/promises';
import tar from 'tar-stream';
import { Batcher, isSkip, type GzipTarBatch, type PlainTarBatch } from './batch.js';
import { IngestSourceError } from './errors.js';
import { decodeName } from './names.js';
import { resolveIngestOptions, type IngestOptions, type ResolvedIngestOptions } from './options.js';
import { CorruptInput, fileChunks, fsError, gunzipFile, type Chunks } from './streams.js';
import { record, skip, type IngestItem, type SkipReason } from './types.js';

/** What the reader makes of one tar header. */
export type TarEntryKind = { kind: 'file'; path: string } | { kind: 'dir' } | { kind: 'skip'; path: string; reason: SkipReason };

/**
 * A member's name as a string, and whether it was UTF-8 (see names.ts). tar-stream is asked for
 * latin1 names (one character a byte, so nothing is lost yet); a pax `path` is UTF-8 already, decoded
 * by tar-stream with U+FFFD for bad bytes, so a U+FFFD there counts as not UTF-8.
 */
function memberName(header: tar.Header): { name: string; utf8: boolean } {
  if ((header as { pax?: Record<string, string> }).pax?.path) return { name: header.name, utf8: !header.name.includes('\uFFFD') };
  return decodeName(Buffer.from(header.name, 'latin1'));
}

const SKIPPED_TYPES: Record<string, SkipReason> = {
  symlink: 'symlink',
  link: 'hardlink',
  'character-device': 'device',
  'block-device': 'device',
  fifo: 'fifo',
};

export function classifyTarEntry(name: string, type: string | null | undefined): TarEntryKind {
  const raw = name;
  if (/^[\\/]/.test(raw) || /^[A-Za-z]:/.test(raw)) return { kind: 'skip', path: raw, reason: 'absolute_path' };
  const segments = raw.split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { kind: 'skip', path: raw, reason: 'path_traversal' };
  const path = segments.join('/');
  if (type === 'directory') return { kind: 'dir' };
  if (path === '') return { kind: 'skip', path: raw, reason: 'invalid_path' };
  if (type === 'file' || type === 'contiguous-file') return { kind: 'file', path };
  return { kind: 'skip', path, reason: SKIPPED_TYPES[type ?? ''] ?? 'unsupported_entry' };
}

/** One member as the walk sees it; `bytes` only when reading and the file is small enough. */
type Member =
  | { index: number; kind: 'file'; path: string; size: number; offset: number; bytes?: Uint8Array }
  | { index: number; kind: 'dir' }
  | { index: number; kind: 'skip'; path: string; reason: SkipReason };

interface WalkOptions {
  maxBytes: number;
  /** Read the data of files (else only headers, for planning). */
  read: boolean;
  /** Members before this index are passed over; members from `first + count` on are not reached. */
  first?: number;
  count?: number;
  /** Names the archive in the skip that ends a broken one. */
  name: string;
}

async function* walkTar(input: Chunks, o: WalkOptions): AsyncGenerator<Member> {
  const first = o.first ?? 0;
  const end = o.count === undefined ? Infinity : first + o.count;
  // Not in tar-stream's types, but in its code since 2.x.
  const extract = tar.extract({ filenameEncoding: 'latin1' } as Parameters<typeof tar.extract>[0]);
  let inputError: unknown;
  let stopped = false;
  const feed = (async () => {
    try {
      for await (const chunk of input) {
        if (stopped || extract.destroyed) return;
        if (!extract.write(chunk) && !extract.destroyed) await drainOrClose(extract);
      }
      if (!extract.destroyed) (extract as unknown as { end(): void }).end();
    } catch (err) {
      inputError = err;
      // Gzip broke or hit a limit: what arrived is parsed to its end, so the members that came whole
      // are read however the bytes were chunked, and a cut member ends as an unexpected end.
      if (!(err instanceof CorruptInput)) extract.destroy(err as Error);
      else if (!extract.destroyed) (extract as unknown as { end(): void }).end();
    }
  })();

  let index = -1;
  let current: string | undefined;
  const entries = extract[Symbol.asyncIterator]();
  try {
    while (true) {
      const next = await entries.next();
      if (next.done) {
        // The gzip data broke, or hit a limit, right after a whole member.
        if (inputError instanceof CorruptInput && index + 1 >= first) {
          yield { index: index + 1, kind: 'skip', path: o.name, reason: inputError.reason };
        }
        break;
      }
      const entry = next.value;
      index++;
      if (index >= end) break;
      const { header } = entry;
      const size = header.size ?? 0;
      if (index < first) {
        // Only passed over (an earlier batch's): get past its data without judging it.
        current = header.name;
        if (size > 0 && header.type !== 'directory') await drain(entry);
        current = undefined;
        continue;
      }
      const name = memberName(header);
      // A folder's own name does not matter: each member under it is judged by its full name.
      const kind: TarEntryKind =
        name.utf8 || header.type === 'directory' ? classifyTarEntry(name.name, header.type) : { kind: 'skip', path: name.name, reason: 'invalid_path' };
      // A read that breaks inside a member is reported under the member's path.
      current = kind.kind === 'dir' ? name.name : kind.path;
      let member: Member;
      if (kind.kind !== 'file' || !o.read || size > o.maxBytes) {
        // tar-stream has no data to wait for after an empty member: its stream need not be read.
        if (size > 0 && kind.kind !== 'dir') await drain(entry);
        if (kind.kind === 'dir') member = { index, kind: 'dir' };
        else if (kind.kind === 'skip') member = { index, ...kind };
        else if (size > o.maxBytes) member = { index, kind: 'skip', path: kind.path, reason: 'too_large' };
        else member = { index, kind: 'file', path: kind.path, size, offset: (header as { byteOffset?: number }).byteOffset ?? -1 };
      } else {
        const chunks: Buffer[] = [];
        if (size > 0) for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
        member = { index, kind: 'file', path: kind.path, size, offset: -1, bytes: Buffer.concat(chunks) };
      }
      current = undefined;
      yield member;
    }
  } catch (err) {
    if (inputError !== undefined && !(inputError instanceof CorruptInput)) throw inputError;
    const reason: SkipReason =
      inputError instanceof CorruptInput
        ? inputError.reason
        : /unexpected end/i.test((err as Error)?.message ?? '')
          ? 'truncated_archive'
          : 'corrupt_archive';
    yield { index: current === undefined ? index + 1 : index, kind: 'skip', path: current ?? o.name, reason };
  } finally {
    stopped = true;
    await entries.return?.(undefined);
    extract.destroy();
    await feed;
  }
}

const drain = async (entry: AsyncIterable<unknown>): Promise<void> => {
  for await (const _ of entry);
};

function drainOrClose(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((ok) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      ok();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

/** Files of a tar byte stream (gunzip it first for .tar.gz). Never throws for bad data. */
export async function* readTar(
  input: Chunks,
  options: IngestOptions | ResolvedIngestOptions,
  place: { name: string; first?: number; count?: number } = { name: 'tar' },
): AsyncGenerator<IngestItem> {
  const { maxBytes } = resolveIngestOptions(options);
  for await (const m of walkTar(input, { maxBytes, read: true, ...place })) {
    if (m.kind === 'skip') yield skip(m.path, m.reason);
    else if (m.kind === 'file') yield record({ id: m.path, path: m.path, bytes: m.bytes!, meta: { source: 'tar' } });
  }
}

/** The tar bytes of a file; gunzipped within the expansion limits when `gzip` (`size` saves a stat). */
export const tarChunks = (file: string, gzip: boolean, o: ResolvedIngestOptions, size?: number): Chunks =>
  gzip ? gunzipFile(file, o, size) : fileChunks(file);

/** Plain tar: members with data offsets. Tar.gz: ranges of member indexes (see batch.ts). */
export async function* planTar(
  file: string,
  gzip: boolean,
  options: IngestOptions | ResolvedIngestOptions,
): AsyncGenerator<PlainTarBatch | GzipTarBatch> {
  const o = resolveIngestOptions(options);
  const fileSize = await sizeOf(file);
  if (!gzip) {
    const batcher = new Batcher<PlainTarBatch['entries'][number]>(o);
    const wrap = (b: ReturnType<typeof batcher.flush>): PlainTarBatch | undefined =>
      b && { type: 'ingest.v1.tar', index: b.index, bytes: b.bytes, file, fileSize, gzip: false, entries: b.entries };
    for await (const m of walkTar(fileChunks(file), { maxBytes: o.maxBytes, read: false, name: file })) {
      if (m.kind === 'dir') continue;
      if (m.kind === 'file' && m.offset < 0) throw new IngestSourceError(file, 'tar-stream does not report member offsets');
      const full = wrap(m.kind === 'skip' ? batcher.push({ path: m.path, skip: m.reason }, 0) : batcher.push({ path: m.path, size: m.size, offset: m.offset }, m.size));
      if (full) yield full;
    }
    const last = wrap(batcher.flush());
    if (last) yield last;
    return;
  }
  const batcher = new Batcher<GzipTarBatch['entries'][number]>(o);
  let first = 0;
  let seen = 0;
  const wrap = (b: ReturnType<typeof batcher.flush>, upTo: number): GzipTarBatch | undefined => {
    if (!b) return undefined;
    const out: GzipTarBatch = { type: 'ingest.v1.tar', index: b.index, bytes: b.bytes, file, fileSize, gzip: true, first, count: upTo - first, entries: b.entries };
    first = upTo;
    return out;
  };
  for await (const m of walkTar(tarChunks(file, true, o, fileSize), { maxBytes: o.maxBytes, read: false, name: file })) {
    seen = m.index + 1;
    if (m.kind === 'dir') continue;
    const full = wrap(m.kind === 'skip' ? batcher.push({ path: m.path, skip: m.reason }, 0) : batcher.push({ path: m.path, size: m.size }, m.size), seen);
    if (full) yield full;
  }
  const last = wrap(batcher.flush(), seen);
  if (last) yield last;
}

export async function* readTarBatch(
  batch: PlainTarBatch | GzipTarBatch,
  options: IngestOptions | ResolvedIngestOptions,
): AsyncGenerator<IngestItem> {
  const { file } = batch;
  const o = resolveIngestOptions(options);
  const size = await sizeOf(file);
  if (size !== batch.fileSize) throw new IngestSourceError(file, `changed since planning (${batch.fileSize} bytes then, ${size} now)`);
  if (batch.gzip) {
    let i = 0;
    for await (const item of readTar(tarChunks(file, true, o, size), o, { name: file, first: batch.first, count: batch.count })) {
      const expected = batch.entries[i++];
      const path = item.type === 'skip' ? item.path : item.record.path;
      if (expected?.path !== path) throw new IngestSourceError(file, `changed since planning (member ${path} where ${expected?.path} was planned)`);
      if (item.type === 'skip' && BOMB.has(item.reason) && !(expected !== undefined && isSkip(expected) && expected.skip === item.reason)) {
        throw new IngestSourceError(file, `changed since planning, or read with other limits than planned (${item.reason} at ${path})`);
      }
      yield item;
    }
    if (i !== batch.entries.length) throw new IngestSourceError(file, `changed since planning (${i} of ${batch.entries.length} members found)`);
    return;
  }
  const handle = await open(file, 'r').catch((err) => { throw fsError(file, err); });
  try {
    for (const e of batch.entries) {
      if (isSkip(e)) {
        yield skip(e.path, e.skip);
        continue;
      }
      // Nothing to read for an empty member (an archive of many is read without a call for each).
      if (e.size === 0) {
        yield record({ id: e.path, path: e.path, bytes: Buffer.alloc(0), meta: { source: 'tar' } });
        continue;
      }
      const bytes = Buffer.alloc(e.size);
      const { bytesRead } = await handle.read(bytes, 0, e.size, e.offset).catch((err) => { throw fsError(file, err); });
      if (bytesRead !== e.size) throw new IngestSourceError(file, `changed since planning (member ${e.path} cut short)`);
      yield record({ id: e.path, path: e.path, bytes, meta: { source: 'tar' } });
    }
  } finally {
    await handle.close();
  }
}

const BOMB = new Set<SkipReason>(['decompression_bomb_bytes', 'decompression_bomb_ratio']);

async function sizeOf(file: string): Promise<number> {
  return (await stat(file).catch((err) => { throw fsError(file, err); })).size;
}
