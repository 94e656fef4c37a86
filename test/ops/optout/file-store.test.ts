import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  FileOptOutStore, InvalidOptOutEntryError, loadOptOut, OptOutOptionsError, OptOutSnapshot, resolveOptOutOptions,
} from '../../../ops/optout/index.js';
import { tempDir } from '../../harness/flows.js';

const dir = tempDir('mesh-optout-file-');
after(() => dir.remove());
let n = 0;
const fresh = () => join(dir.path, `t${++n}`, 'optout.txt');

describe('optout - file store', () => {
  it('round-trips add, ls and rm, creating the file and its directory on the first add', async () => {
    const path = fresh();
    const store = new FileOptOutStore(path);
    assert.deepEqual(await store.list(), [], 'a missing file is an empty registry');
    assert.deepEqual(await store.add(['Octocat/Hello-World', 'acme', 'https://github.com/acme/rocket.git']), ['octocat/hello-world', 'acme', 'acme/rocket']);
    assert.deepEqual(await store.add(['ACME', 'zeta']), ['zeta'], 'only new entries are reported as added');
    assert.deepEqual(await store.list(), ['acme', 'acme/rocket', 'octocat/hello-world', 'zeta']);
    assert.deepEqual(await store.remove(['acme/rocket', 'github.com/zeta', 'not-there']), ['acme/rocket', 'zeta']);
    assert.deepEqual(await new FileOptOutStore(path).list(), ['acme', 'octocat/hello-world']);
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^# /, 'a new file starts with a comment saying what it is');
    assert.deepEqual(text.split('\n').filter((l) => l !== '' && !l.startsWith('#')), ['octocat/hello-world', 'acme']);
    assert.deepEqual(readdirSync(join(path, '..')), ['optout.txt'], 'no temporary file is left behind');
  });

  it('keeps comments and blank lines a person wrote, and reads trailing comments', async () => {
    const path = fresh();
    const store = new FileOptOutStore(path);
    await store.add(['seed']);
    writeFileSync(path, '# requests from the form\n\nAlice/Diary   # asked 2024-05-01\nbob\n# end\n');
    assert.deepEqual(await store.list(), ['alice/diary', 'bob']);
    await store.remove(['bob']);
    await store.add(['carol']);
    assert.equal(readFileSync(path, 'utf8'), '# requests from the form\n\nAlice/Diary   # asked 2024-05-01\n# end\ncarol\n');
  });

  it('validates every entry before changing anything', async () => {
    const path = fresh();
    const store = new FileOptOutStore(path);
    await store.add(['keep']);
    const before = readFileSync(path, 'utf8');
    await assert.rejects(store.add(['fine', 'not ok']), (err: Error) => err instanceof InvalidOptOutEntryError && err.message === 'bad opt-out entry "not ok": contains whitespace');
    await assert.rejects(store.remove(['keep', 'a/b/c']), InvalidOptOutEntryError);
    assert.equal(readFileSync(path, 'utf8'), before);
  });

  it('refuses a file with a bad line, naming the file and the line, and never rewrites it', async () => {
    const path = fresh();
    await new FileOptOutStore(path).add(['ok']);
    writeFileSync(path, 'ok\nbad entry here\n');
    const store = new FileOptOutStore(path);
    await assert.rejects(store.list(), { message: `${path}:2: bad opt-out entry "bad entry here": contains whitespace` });
    await assert.rejects(store.add(['new']), InvalidOptOutEntryError);
    assert.equal(readFileSync(path, 'utf8'), 'ok\nbad entry here\n');
  });

  it('loads into a snapshot that records its source and digest', async () => {
    const path = fresh();
    await new FileOptOutStore(path).add(['b/x', 'a']);
    const snap = await loadOptOut({ file: path, env: {} });
    assert.deepEqual(snap.entries, ['a', 'b/x']);
    assert.equal(snap.source, pathToFileURL(path).href);
    assert.equal(snap.digest, new OptOutSnapshot(['a', 'b/x']).digest);
    assert.ok(snap.matches('https://github.com/b/x.git'));
  });
});

describe('optout - choosing the registry', () => {
  it('defaults to .mesh/optout.txt under the working directory, then MESH_OPTOUT_FILE, then the option', () => {
    assert.deepEqual(resolveOptOutOptions({ cwd: '/work/x', env: {} }), { store: 'file', file: '/work/x/.mesh/optout.txt' });
    assert.deepEqual(resolveOptOutOptions({ cwd: '/work/x', env: { MESH_OPTOUT_FILE: 'lists/o.txt' } }), { store: 'file', file: '/work/x/lists/o.txt' });
    assert.deepEqual(resolveOptOutOptions({ cwd: '/work/x', file: '/etc/o.txt', env: { MESH_OPTOUT_FILE: 'lists/o.txt' } }), { store: 'file', file: '/etc/o.txt' });
  });

  it('picks the KV bucket when MESH_NATS_URL or natsUrl is given, and an explicit file over the variable', () => {
    assert.deepEqual(resolveOptOutOptions({ env: { MESH_NATS_URL: 'nats://h:4222', MESH_OPTOUT_FILE: 'o.txt' } }), { store: 'kv', natsUrl: 'nats://h:4222', bucket: 'mesh_optout', replicas: undefined });
    assert.deepEqual(resolveOptOutOptions({ natsUrl: 'nats://h:1', bucket: 'other', replicas: 3, env: {} }), { store: 'kv', natsUrl: 'nats://h:1', bucket: 'other', replicas: 3 });
    assert.equal(resolveOptOutOptions({ file: 'o.txt', cwd: '/w', env: { MESH_NATS_URL: 'nats://h:4222' } }).store, 'file');
  });

  it('names the field at fault in every validation error', () => {
    const rules: Array<[Parameters<typeof resolveOptOutOptions>[0], RegExp]> = [
      [{ file: '' }, /^file must not be empty$/],
      [{ natsUrl: ' ' }, /^natsUrl must not be empty$/],
      [{ natsUrl: 'nats://h:1', file: 'o.txt' }, /^file cannot be combined with nc or natsUrl/],
      [{ bucket: 'my.bucket' }, /^bucket must hold only letters, digits, '-' and '_', got 'my.bucket'$/],
      [{ replicas: 0 }, /^replicas must be an integer from 1 to 5, got 0$/],
      [{ replicas: 1.5 }, /^replicas must be an integer from 1 to 5/],
    ];
    for (const [options, message] of rules) {
      assert.throws(() => resolveOptOutOptions({ env: {}, ...options }), (err: Error) => err instanceof OptOutOptionsError && message.test(err.message), message.source);
    }
    assert.equal(existsSync(join(dir.path, 'never')), false);
  });
});
