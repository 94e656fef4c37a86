/**
 * A local git repository: the files of the HEAD commit's tree (not the working tree), listed with
 * `git ls-tree -r -z -l` and read with `git cat-file --batch`. Records carry the repository name
 * (`owner/name` from the origin remote, else the folder name), the commit sha and the blob sha.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { Batcher, isSkip, type FileEntry, type GitBatch, type SkipEntry } from './batch.js';
import { IngestSourceError } from './errors.js';
import { decodeName } from './names.js';
import { resolveIngestOptions, type IngestOptions, type ResolvedIngestOptions } from './options.js';
import { ByteReader } from './streams.js';
import { record, skip, type IngestItem, type SkipReason } from './types.js';

type GitProcess = ChildProcessByStdio<Writable, Readable, Readable>;
type GitEntry = (FileEntry & { sha: string }) | SkipEntry;

const lossy = new TextDecoder();

/** Runs git in `dir`; `finish()` waits for the exit and throws with git's own message on failure. */
function git(dir: string, args: string[]): { proc: GitProcess; finish: () => Promise<void> } {
  // No prompts, no pager, and no GIT_DIR & co. inherited from a hook that would point git elsewhere.
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_PAGER: 'cat', LC_ALL: 'C' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_COMMON_DIR']) delete env[name];
  const proc = spawn('git', ['-C', dir, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  let stderr = '';
  proc.stderr.on('data', (d: Buffer) => { if (stderr.length < 4096) stderr += d.toString(); });
  const exited = new Promise<number | null>((ok, fail) => {
    proc.once('error', fail);
    proc.once('close', (code) => ok(code));
  });
  const finish = async () => {
    let code: number | null;
    try {
      code = await exited;
    } catch (err) {
      const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
      throw new IngestSourceError(dir, missing ? 'the git CLI is not installed' : `cannot run git: ${(err as Error).message}`, { cause: err });
    }
    if (code !== 0) throw new IngestSourceError(dir, `git ${args[0]} failed: ${stderr.trim().split('\n')[0] || `exit ${code}`}`);
  };
  return { proc, finish };
}

async function gitLine(dir: string, args: string[]): Promise<string | undefined> {
  const { proc, finish } = git(dir, args);
  proc.stdin.end();
  let out = '';
  for await (const d of proc.stdout) out += (d as Buffer).toString();
  try {
    await finish();
  } catch (err) {
    if (args[0] === 'config') return undefined; // exit 1: the key is not set
    throw err;
  }
  return out.trim();
}

/**
 * `owner/name` from a remote URL (https, ssh, scp-like `git@host:owner/name.git`), never with the
 * credentials a URL may hold; the last path segment for a local path.
 */
export function repoFromRemote(url: string): string | undefined {
  let path: string;
  let hosted = true;
  const scp = /^(?:[^/@:\s]+@)?[^:/\s]+:(?!\/\/)(.+)$/.exec(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      const u = new URL(url);
      path = decodeURIComponent(u.pathname);
      hosted = u.protocol !== 'file:';
    } catch {
      return undefined;
    }
  } else if (scp && !url.startsWith('/') && !url.startsWith('.')) {
    path = scp[1]!;
  } else {
    path = url;
    hosted = false;
  }
  path = path.replace(/\/+$/, '').replace(/\.git$/, '').replace(/^\/+/, '');
  if (path === '') return undefined;
  return hosted ? path : basename(path);
}

export async function resolveGitRepo(dir: string, repo?: string): Promise<{ commit: string; repo: string }> {
  const commit = await gitLine(dir, ['rev-parse', '--verify', '--end-of-options', 'HEAD^{commit}']);
  if (!commit) throw new IngestSourceError(dir, 'HEAD does not name a commit');
  if (repo) return { commit, repo };
  const remote = await gitLine(dir, ['config', '--get', 'remote.origin.url']);
  const fromRemote = remote ? repoFromRemote(remote) : undefined;
  if (fromRemote) return { commit, repo: fromRemote };
  const top = await gitLine(dir, ['rev-parse', '--show-toplevel']).catch(() => undefined);
  return { commit, repo: basename(top || dir).replace(/\.git$/, '') };
}

/** ls-tree of the commit, one entry per blob, submodule or symlink, in git's order. */
async function* listTree(dir: string, commit: string, maxBytes: number): AsyncGenerator<GitEntry> {
  const { proc, finish } = git(dir, ['ls-tree', '-r', '-z', '-l', '--full-tree', commit]);
  proc.stdin.end();
  const reader = new ByteReader(proc.stdout);
  let done = false;
  try {
    for (let rec = await reader.until(0, 1 << 20); rec !== undefined; rec = await reader.until(0, 1 << 20)) {
      const tab = rec.indexOf(9);
      const [mode, type, sha, size] = lossy.decode(rec.subarray(0, tab)).split(/ +/);
      const { name: path, utf8 } = decodeName(rec.subarray(tab + 1));
      if (!utf8) {
        yield { path, skip: 'invalid_path' };
        continue;
      }
      let reason: SkipReason | undefined;
      if (type === 'commit') reason = 'submodule';
      else if (mode === '120000') reason = 'symlink';
      else if (type !== 'blob') reason = 'unsupported_entry';
      else if (Number(size) > maxBytes) reason = 'too_large';
      yield reason ? { path, skip: reason } : { path, size: Number(size), sha: sha! };
    }
    done = true;
  } finally {
    await reader.close();
    if (!done) proc.kill();
  }
  await finish();
}

export async function* planGit(dir: string, repoName: string | undefined, options: IngestOptions | ResolvedIngestOptions): AsyncGenerator<GitBatch> {
  const o = resolveIngestOptions(options);
  const { commit, repo } = await resolveGitRepo(dir, repoName);
  const batcher = new Batcher<GitEntry>(o);
  const wrap = (b: ReturnType<typeof batcher.flush>): GitBatch | undefined =>
    b && { type: 'ingest.v1.git', index: b.index, bytes: b.bytes, dir, repo, commit, entries: b.entries };
  for await (const e of listTree(dir, commit, o.maxBytes)) {
    const full = wrap(batcher.push(e, isSkip(e) ? 0 : e.size));
    if (full) yield full;
  }
  const last = wrap(batcher.flush());
  if (last) yield last;
}

export async function* readGitBatch(batch: GitBatch, options: IngestOptions | ResolvedIngestOptions): AsyncGenerator<IngestItem> {
  const { maxBytes } = resolveIngestOptions(options);
  const { dir, repo, commit } = batch;
  const files = batch.entries.filter((e): e is FileEntry & { sha: string } => !isSkip(e));
  let cat: ReturnType<typeof git> | undefined;
  let reader: ByteReader | undefined;
  if (files.length > 0) {
    cat = git(dir, ['cat-file', '--batch']);
    // Node buffers what git has not read yet; git's output is read as it comes below.
    cat.proc.stdin.on('error', () => {});
    cat.proc.stdin.end(files.map((f) => `${f.sha}\n`).join(''));
    reader = new ByteReader(cat.proc.stdout);
  }
  let done = false;
  try {
    for (const e of batch.entries) {
      if (isSkip(e)) {
        yield skip(e.path, e.skip);
        continue;
      }
      const header = await reader!.until(10, 1024).catch((err) => { throw new IngestSourceError(dir, `git cat-file: ${err.message}`); });
      const [sha, type, size] = lossy.decode(header).split(' ');
      if (sha !== e.sha || type !== 'blob' || Number(size) !== e.size || e.size > maxBytes) {
        throw new IngestSourceError(dir, `object ${e.sha} for ${e.path} is not the planned blob (${lossy.decode(header)})`);
      }
      const bytes = await reader!.exact(e.size + 1).catch((err) => { throw new IngestSourceError(dir, `git cat-file: ${err.message}`); });
      yield record({ id: `${repo}/${e.path}`, path: e.path, bytes: bytes.subarray(0, e.size), meta: { source: 'git', repo, commit, blobId: e.sha } });
    }
    done = true;
  } finally {
    await reader?.close();
    if (!done) cat?.proc.kill();
  }
  await cat?.finish();
}
