/**
 * The registry as a text file: one entry per line, `#` starts a comment, blank lines are ignored.
 * Adding appends lines and removing deletes them, so comments and order a person wrote survive.
 * Writes go to a temporary file renamed into place: a reader never sees half a registry. Two
 * processes editing the same file at once may lose an edit; the mesh uses the KV registry for that.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEntries, parseEntry } from './entry.js';
import { OptOutStoreError } from './errors.js';
import { byCodeUnit } from './snapshot.js';
import type { OptOutStore } from './load.js';

const HEADER = '# Opted-out owners and repositories, one per line (owner or owner/repo). Edit with `mesh optout add/rm`.\n';

interface Line {
  raw: string;
  /** Canonical entry on this line, if it holds one. */
  entry?: string;
}

export class FileOptOutStore implements OptOutStore {
  readonly path: string;
  readonly url: string;

  constructor(path: string) {
    this.path = resolve(path);
    this.url = pathToFileURL(this.path).href;
  }

  async list(): Promise<string[]> {
    const lines = await this.read();
    return [...new Set(lines.flatMap((l) => (l.entry ? [l.entry] : [])))].sort(byCodeUnit);
  }

  async add(entries: readonly string[]): Promise<string[]> {
    const wanted = parseEntries(entries);
    const lines = await this.read();
    const present = new Set(lines.map((l) => l.entry));
    const added = wanted.filter((e) => !present.has(e.text)).map((e) => e.text);
    if (added.length === 0) return [];
    const raws = lines.map((l) => l.raw);
    if (raws.length === 0) raws.push(HEADER.trimEnd());
    await this.write(`${[...raws, ...added].join('\n')}\n`);
    return added;
  }

  async remove(entries: readonly string[]): Promise<string[]> {
    const unwanted = new Set(parseEntries(entries).map((e) => e.text));
    const lines = await this.read();
    const removed = new Set(lines.flatMap((l) => (l.entry && unwanted.has(l.entry) ? [l.entry] : [])));
    if (removed.size === 0) return [];
    await this.write(`${lines.filter((l) => !(l.entry && removed.has(l.entry))).map((l) => l.raw).join('\n')}\n`);
    return [...removed].sort(byCodeUnit);
  }

  async close(): Promise<void> {}

  /** Every line; a bad entry throws, naming `path:line`, so a broken registry is never applied or rewritten. */
  private async read(): Promise<Line[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new OptOutStoreError(this.url, 'read', describe(err), { cause: err, nonRetryable: true });
    }
    const raws = text.split(/\r?\n/);
    if (raws.at(-1) === '') raws.pop();
    return raws.map((raw, i) => {
      const body = raw.replace(/#.*$/, '').trim();
      return body === '' ? { raw } : { raw, entry: parseEntry(body, `${this.path}:${i + 1}`).text };
    });
  }

  private async write(text: string): Promise<void> {
    const temp = `${this.path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temp, text);
      await rename(temp, this.path);
    } catch (err) {
      await unlink(temp).catch(() => {});
      throw new OptOutStoreError(this.url, 'write', describe(err), { cause: err, nonRetryable: true });
    }
  }
}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code ?? (err as Error).message;
}
