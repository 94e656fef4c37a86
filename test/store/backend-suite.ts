/**
 * Behaviour every StorageBackend must show, run against each backend by its own test file
 * (fs.test.ts, s3.test.ts). `open` returns a fresh, empty backend per test.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { blobKey, encodeBlob, sha256Hex } from '../../protocol/cas.js';
import {
  BlobNotFoundError,
  ContentStore,
  CorruptRecordError,
  DigestMismatchError,
  InvalidKeyError,
  MetadataStore,
  type StorageBackend,
} from '../../store/index.js';

const text = (s: string) => new TextEncoder().encode(s);
const str = (b: Uint8Array | undefined) => (b === undefined ? undefined : new TextDecoder().decode(b));

/** Counts what reaches the backend, to show what a content store skips. */
export function counting(backend: StorageBackend): { backend: StorageBackend; puts: string[]; writes: string[] } {
  const puts: string[] = [];
  const writes: string[] = [];
  const wrapped: StorageBackend = {
    url: backend.url,
    get: (key) => backend.get(key),
    has: (key) => backend.has(key),
    list: (prefix) => backend.list(prefix),
    delete: (key) => backend.delete(key),
    close: () => backend.close(),
    put: async (key, body, opts) => {
      puts.push(key);
      const wrote = await backend.put(key, body, opts);
      if (wrote) writes.push(key);
      return wrote;
    },
  };
  return { backend: wrapped, puts, writes };
}

export function backendSuite(name: string, open: () => Promise<StorageBackend>): void {
  /** Runs `body` with a fresh backend and closes it afterwards. */
  const withBackend = (body: (backend: StorageBackend) => Promise<void>) => async () => {
    const backend = await open();
    try {
      await body(backend);
    } finally {
      await backend.close();
    }
  };

  describe(`${name} - storage backend`, () => {
    it('put then get returns the same bytes', withBackend(async (b) => {
      const body = randomBytes(1000);
      assert.equal(await b.put('meta/Flow/run1/run', body), true);
      assert.deepEqual(await b.get('meta/Flow/run1/run'), new Uint8Array(body));
      assert.equal(await b.has('meta/Flow/run1/run'), true);
    }));

    it('an absent key reads as undefined and has is false', withBackend(async (b) => {
      assert.equal(await b.get('meta/none'), undefined);
      assert.equal(await b.has('meta/none'), false);
      await b.put('meta/dir/x', text('x'));
      assert.equal(await b.get('meta/dir'), undefined, 'a "directory" is not an object');
      assert.equal(await b.has('meta/dir'), false);
    }));

    it('put replaces an object; put ifAbsent leaves an existing one alone', withBackend(async (b) => {
      await b.put('k', text('one'));
      await b.put('k', text('two'));
      assert.equal(str(await b.get('k')), 'two');
      assert.equal(await b.put('k', text('three'), { ifAbsent: true }), false);
      assert.equal(str(await b.get('k')), 'two');
      assert.equal(await b.put('fresh', text('new'), { ifAbsent: true }), true);
      assert.equal(str(await b.get('fresh')), 'new');
    }));

    it('an empty body round-trips', withBackend(async (b) => {
      await b.put('empty', new Uint8Array(0));
      assert.deepEqual(await b.get('empty'), new Uint8Array(0));
    }));

    it('list returns sorted immediate children, directories ending in /', withBackend(async (b) => {
      for (const key of ['meta/F/r2/run', 'meta/F/r1/run', 'meta/F/r1/steps/start/0', 'meta/F/notes', 'meta/G/r9/run', 'top']) {
        await b.put(key, text(key));
      }
      assert.deepEqual(await b.list(''), ['meta/', 'top']);
      assert.deepEqual(await b.list('meta/'), ['F/', 'G/']);
      assert.deepEqual(await b.list('meta/F/'), ['notes', 'r1/', 'r2/']);
      assert.deepEqual(await b.list('meta/F/r1/'), ['run', 'steps/']);
      assert.deepEqual(await b.list('meta/missing/'), []);
      await assert.rejects(b.list('meta'), InvalidKeyError);
    }));

    it('delete removes the key and empty directories; deleting an absent key is fine', withBackend(async (b) => {
      await b.put('meta/F/r1/run', text('a'));
      await b.put('meta/F/keep', text('b'));
      await b.delete('meta/F/r1/run');
      await b.delete('meta/F/r1/run');
      assert.equal(await b.get('meta/F/r1/run'), undefined);
      assert.deepEqual(await b.list('meta/F/'), ['keep']);
      await b.put('meta/F/r1/run', text('again'));
      assert.equal(str(await b.get('meta/F/r1/run')), 'again');
    }));

    it('rejects keys with .., absolute paths or empty segments', withBackend(async (b) => {
      for (const key of ['../escape', 'a/../../b', '/etc/passwd', 'a//b', 'a/', '', 'a b']) {
        await assert.rejects(b.put(key, text('x')), InvalidKeyError, `put '${key}'`);
        await assert.rejects(b.get(key), InvalidKeyError, `get '${key}'`);
      }
    }));

    it('list shows only whole objects while puts are in flight, never temp files', withBackend(async (b) => {
      const keys = Array.from({ length: 8 }, (_, i) => `k${i}`);
      const body = (i: number) => new Uint8Array(256 * 1024).fill(i + 1);
      let writing = true;
      const lister = (async () => {
        while (writing) {
          for (const name of await b.list('batch/')) assert.ok(keys.includes(name), `unexpected '${name}' in list`);
        }
      })();
      await Promise.all(keys.map((key, i) => b.put(`batch/${key}`, body(i))));
      writing = false;
      await lister;
      assert.deepEqual(await b.list('batch/'), keys);
      for (const [i, key] of keys.entries()) assert.deepEqual(await b.get(`batch/${key}`), body(i));
    }));
  });

  describe(`${name} - content store`, () => {
    it('put returns the sha256 of the bytes and stores the blob at data/<2 hex>/<sha256>', withBackend(async (b) => {
      const blobs = new ContentStore(b);
      const bytes = text('a'.repeat(5000));
      const digest = await blobs.put(bytes);
      assert.equal(digest, sha256Hex(bytes));
      assert.deepEqual(await b.list(''), ['data/']);
      assert.deepEqual(await b.list('data/'), [`${digest.slice(0, 2)}/`]);
      assert.deepEqual(await b.list(`data/${digest.slice(0, 2)}/`), [digest]);
      assert.ok((await b.get(blobKey(digest)))!.length < bytes.length, 'stored compressed');
      assert.deepEqual(await blobs.get(digest), bytes);
      assert.equal(await blobs.has(digest), true);
    }));

    it('a second put of the same blob writes nothing', withBackend(async (b) => {
      const counted = counting(b);
      const blobs = new ContentStore(counted.backend);
      const bytes = randomBytes(3000);
      const digest = await blobs.put(bytes);
      assert.equal(await blobs.put(bytes), digest);
      await Promise.all([blobs.put(text('same')), blobs.put(text('same'))]);
      assert.deepEqual(counted.puts, [blobKey(digest), blobKey(sha256Hex(text('same')))]);

      // Another process (a fresh store) checks, finds the blob and writes nothing.
      assert.equal(await new ContentStore(counted.backend).put(bytes), digest);
      assert.equal(counted.puts.length, 3);
      assert.equal(counted.writes.length, 2);
    }));

    it('putEncoded stores a blob encoded elsewhere, and getStored hands back its stored form', withBackend(async (b) => {
      const blobs = new ContentStore(b);
      const bytes = text('from a worker thread '.repeat(50));
      const { digest, stored } = encodeBlob(bytes);
      await blobs.putEncoded(digest, stored);
      assert.deepEqual(await blobs.getStored(digest), stored);
      assert.deepEqual(await new ContentStore(b).get(digest), bytes);
    }));

    it('a corrupt blob is detected on read, naming both digests', withBackend(async (b) => {
      const blobs = new ContentStore(b);
      const digest = await blobs.put(text('the real thing'));
      const forged = encodeBlob(text('something else'));
      await b.put(blobKey(digest), forged.stored);
      await assert.rejects(blobs.get(digest), (err: unknown) => {
        assert.ok(err instanceof DigestMismatchError);
        assert.equal(err.expected, digest);
        assert.equal(err.actual, forged.digest);
        assert.ok(err.message.includes(digest) && err.message.includes(forged.digest), err.message);
        return true;
      });
    }));

    it('a missing blob is a BlobNotFoundError naming the digest and the store', withBackend(async (b) => {
      const blobs = new ContentStore(b);
      const digest = sha256Hex(text('never stored'));
      await assert.rejects(blobs.get(digest), (err: unknown) => {
        assert.ok(err instanceof BlobNotFoundError);
        assert.equal(err.digest, digest);
        assert.equal(err.message, `${b.url}: cannot get ${blobKey(digest)}: no such blob`);
        return true;
      });
      assert.equal(await blobs.has(digest), false);
      await assert.rejects(blobs.get('not-a-digest'), /is not a sha256 digest/);
    }));
  });

  describe(`${name} - metadata store`, () => {
    it('putJson then getJson returns the record; an absent record is undefined', withBackend(async (b) => {
      const meta = new MetadataStore(b);
      const record = { schema: 'mesh.v1.run', flow: 'F', run: 'r1', params: { n: 3 } };
      assert.equal(await meta.putJson('meta/F/r1/run', record), true);
      assert.deepEqual(await meta.getJson('meta/F/r1/run'), record);
      assert.equal(await meta.getJson('meta/F/r2/run'), undefined);
      assert.equal(await meta.putJson('meta/F/r1/run', { other: true }, { ifAbsent: true }), false);
      assert.deepEqual(await meta.list('meta/F/'), ['r1/']);
    }));

    it('a corrupt record is an error naming the key', withBackend(async (b) => {
      await b.put('meta/F/r1/run', text('{"schema": "mesh.v1.ru'));
      await assert.rejects(new MetadataStore(b).getJson('meta/F/r1/run'), (err: unknown) => {
        assert.ok(err instanceof CorruptRecordError);
        assert.equal(err.key, 'meta/F/r1/run');
        assert.match(err.message, new RegExp(`^${b.url}: cannot get meta/F/r1/run: record is not valid JSON`));
        return true;
      });
    }));
  });
}
