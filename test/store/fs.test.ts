import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { blobKey, sha256Hex } from '../../protocol/cas.js';
import { BlobNotFoundError, ContentStore, FileBackend, StoreError } from '../../store/index.js';
import { backendSuite } from './backend-suite.js';

const roots: string[] = [];
async function freshRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mesh-store-'));
  roots.push(root);
  return root;
}
after(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

backendSuite('FileBackend', async () => new FileBackend(await freshRoot()));

const text = (s: string) => new TextEncoder().encode(s);

/** Every file under `dir`, relative, '/'-separated. */
async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

describe('FileBackend', () => {
  it('names its directory as a file:// url', async () => {
    const root = await freshRoot();
    assert.equal(new FileBackend(root).url, pathToFileURL(root).href);
  });

  it('keeps one file per key under the root and leaves no temp files behind', async () => {
    const root = await freshRoot();
    const b = new FileBackend(root);
    await Promise.all(['data/ab/1', 'data/ab/2', 'meta/F/r/run'].map((key) => b.put(key, text(key))));
    await b.put('data/ab/1', text('replaced'));
    assert.deepEqual(await allFiles(root), ['data/ab/1', 'data/ab/2', 'meta/F/r/run'].map((k) => join(...k.split('/'))));
  });

  it('a reader sees the old or the new object while it is replaced, never a partial one', async () => {
    const b = new FileBackend(await freshRoot());
    const size = 1024 * 1024;
    const bodies = Array.from({ length: 8 }, (_, i) => new Uint8Array(size).fill(i + 1));
    await b.put('obj', bodies[0]!);
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const got = await b.get('obj');
        assert.ok(got, 'the object never disappears while being replaced');
        assert.equal(got.length, size);
        assert.ok(got.every((v) => v === got[0]), 'no mix of two bodies');
        const sync = b.getSync('obj');
        assert.ok(sync && sync.length === size);
        reads++;
      }
    })();
    for (let round = 0; round < 3; round++) await Promise.all(bodies.map((body) => b.put('obj', body)));
    writing = false;
    await reader;
    assert.ok(reads > 0);
    assert.deepEqual(await b.list(''), ['obj']);
  });

  it('does not list a temp file a crashed writer left behind', async () => {
    const root = await freshRoot();
    const b = new FileBackend(root);
    await b.put('meta/run', text('x'));
    await writeFile(join(root, 'meta', 'run.4242-0-7.tmp~'), 'partial');
    assert.deepEqual(await b.list('meta/'), ['run']);
  });

  it('getSync reads what put wrote; an absent key is undefined', async () => {
    const b = new FileBackend(await freshRoot());
    await b.put('meta/x', text('sync'));
    assert.equal(new TextDecoder().decode(b.getSync('meta/x')), 'sync');
    assert.equal(b.getSync('meta/y'), undefined);
    assert.equal(b.getSync('meta/x/deeper'), undefined);
  });

  it('recreates a directory removed behind its back', async () => {
    const root = await freshRoot();
    const b = new FileBackend(root);
    await b.put('data/ab/1', text('one'));
    await rm(join(root, 'data'), { recursive: true });
    await b.put('data/ab/2', text('two'));
    assert.equal(new TextDecoder().decode(await b.get('data/ab/2')), 'two');
  });

  it('reports a file in the way of a directory as one clear line', async () => {
    const root = await freshRoot();
    const b = new FileBackend(root);
    await b.put('meta/F', text('a file'));
    await assert.rejects(b.put('meta/F/r1/run', text('x')), (err: unknown) => {
      assert.ok(err instanceof StoreError);
      assert.equal(err.op, 'put');
      assert.equal(err.key, 'meta/F/r1/run');
      assert.equal(err.retryable, false);
      assert.match(err.message, new RegExp(`^${b.url}: cannot put meta/F/r1/run: E(EXIST|NOTDIR) \\(`));
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  });
});

describe('FileBackend - content store for worker threads', () => {
  it('getSync returns verified bytes and names a missing blob', async () => {
    const blobs = new ContentStore(new FileBackend(await freshRoot()));
    const bytes = text('read me from a thread '.repeat(40));
    const digest = await blobs.put(bytes);
    assert.deepEqual(new ContentStore(blobs.backend).getSync(digest), bytes);
    const missing = sha256Hex(text('missing'));
    assert.throws(() => blobs.getSync(missing), (err: unknown) => {
      assert.ok(err instanceof BlobNotFoundError);
      assert.equal(err.key, blobKey(missing));
      return true;
    });
  });
});
