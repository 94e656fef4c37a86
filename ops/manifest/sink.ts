/**
 * Where a dataset's objects go: a local directory or an S3 prefix. The store backends take whole
 * bodies, and a shard is hundreds of MiB, so datasets get their own tiny interface that streams.
 * An object written through createWriteStream appears whole or not at all: a directory writes a
 * temporary file and renames it when the stream finishes; S3 completes a multipart upload.
 */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { mkdir, open, readFile, rename, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { Writable, type Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ManifestOptionsError, SinkError } from './errors.js';

export interface DatasetSink {
  /** file:///abs/dir or s3://bucket/prefix */
  readonly url: string;
  /** A stream for a new object; it appears only when the stream finishes, and destroying the stream leaves nothing behind. */
  createWriteStream(name: string): Writable;
  put(name: string, body: Uint8Array): Promise<void>;
  /** undefined when absent */
  get(name: string): Promise<Uint8Array | undefined>;
  /** undefined when absent */
  createReadStream(name: string): Promise<Readable | undefined>;
  close(): Promise<void>;
}

const NAME = /^[-=.\w]+(?:\/[-=.\w]+)*$/;

/** Object names are relative '/'-separated paths without '.' or '..' segments (the store's key charset). */
export function checkObjectName(name: string): string {
  if (!NAME.test(name) || name.split('/').some((s) => s === '.' || s === '..')) {
    throw new ManifestOptionsError('object name', `must be a relative path of [-=.\\w] segments, got '${name}'`);
  }
  return name;
}

export class DirSink implements DatasetSink {
  readonly root: string;
  readonly url: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.url = pathToFileURL(this.root).href;
  }

  createWriteStream(name: string): Writable {
    return new FileObjectStream(this.path(name), (op, err) => this.fail(op, name, err));
  }

  async put(name: string, body: Uint8Array): Promise<void> {
    const path = this.path(name);
    const temp = tempName(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(temp, body);
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw this.fail('write', name, err);
    }
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    try {
      return await readFile(this.path(name));
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw this.fail('read', name, err);
    }
  }

  async createReadStream(name: string): Promise<Readable | undefined> {
    let fh: FileHandle;
    try {
      fh = await open(this.path(name), fsConstants.O_RDONLY);
    } catch (err) {
      if (isAbsent(err)) return undefined;
      throw this.fail('read', name, err);
    }
    return fh.createReadStream({ highWaterMark: 1 << 20 });
  }

  async close(): Promise<void> {}

  private path(name: string): string {
    return join(this.root, ...checkObjectName(name).split('/'));
  }

  private fail(op: 'read' | 'write', name: string, err: unknown): SinkError {
    const code = (err as NodeJS.ErrnoException)?.code;
    const reason = code === 'EACCES' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on device' : code ?? (err as Error)?.message ?? String(err);
    return new SinkError(this.url, op, name, reason, { cause: err });
  }
}

function tempName(path: string): string {
  // '~' is outside the object-name charset, so a temporary file never looks like an object.
  return `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp~`;
}

function isAbsent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** A file written under a temporary name and renamed into place when the stream finishes. */
class FileObjectStream extends Writable {
  private fh: FileHandle | undefined;
  private readonly temp: string;
  private committed = false;

  constructor(private readonly path: string, private readonly fail: (op: 'write', err: unknown) => Error) {
    super({ highWaterMark: 1 << 20 });
    this.temp = tempName(path);
  }

  override _construct(callback: (err?: Error | null) => void): void {
    mkdir(dirname(this.path), { recursive: true })
      .then(() => open(this.temp, 'w'))
      .then((fh) => {
        if (this.destroyed) {
          // Destroyed while opening: nothing will write or clean up after us.
          void fh.close().then(() => unlink(this.temp)).catch(() => {});
          return callback();
        }
        this.fh = fh;
        callback();
      }, (err) => callback(this.fail('write', err)));
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.fh!.write(chunk).then(() => callback(), (err) => callback(this.fail('write', err)));
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    this.fh!.writev(chunks.map((c) => c.chunk)).then(() => callback(), (err) => callback(this.fail('write', err)));
  }

  override _final(callback: (err?: Error | null) => void): void {
    const fh = this.fh!;
    this.fh = undefined;
    fh.close()
      .then(() => rename(this.temp, this.path))
      .then(() => { this.committed = true; callback(); }, (err) => callback(this.fail('write', err)));
  }

  override _destroy(error: Error | null, callback: (err?: Error | null) => void): void {
    if (this.committed) return callback(error);
    const fh = this.fh;
    this.fh = undefined;
    Promise.resolve(fh?.close())
      .catch(() => {})
      .then(() => unlink(this.temp))
      .catch(() => {})
      .then(() => callback(error));
  }
}

/** `s3://bucket/prefix` is S3 (loaded on demand); `file:` URLs and anything else a directory. */
export async function openSink(spec: string, options: { s3Client?: import('@aws-sdk/client-s3').S3Client; cwd?: string } = {}): Promise<DatasetSink> {
  if (spec.trim() === '') throw new ManifestOptionsError('destination', 'must not be empty');
  if (/^s3:\/\//i.test(spec)) {
    const { S3Sink } = await import('./s3-sink.js');
    return S3Sink.fromUrl(spec, { client: options.s3Client });
  }
  if (/^file:/i.test(spec)) return new DirSink(fileURLToPath(spec));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) throw new ManifestOptionsError('destination', `must be a directory or s3://bucket/prefix, got '${spec}'`);
  return new DirSink(isAbsolute(spec) ? spec : resolve(options.cwd ?? process.cwd(), spec));
}
