import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadOptOut, OptOutSnapshot } from '../../ops/optout/index.js';
import { ROOT, tempDir } from '../harness/flows.js';
import { startNats, type NatsServer } from '../harness/nats.js';

const CLI = join(ROOT, 'dist/cli/index.js');
const dir = tempDir('mesh-cli-optout-');
let nats: NatsServer;
before(async () => {
  nats = await startNats();
});
after(async () => {
  await nats?.stop();
  dir.remove();
});

interface Result { code: number; stdout: string; stderr: string }

function mesh(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const base = { ...process.env, MESH_NATS_URL: '', MESH_OPTOUT_FILE: '', MESH_STORE: '' };
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir.path, env: { ...base, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('mesh optout - on a file', () => {
  it('adds, lists and removes entries in .mesh/optout.txt by default', async () => {
    const add = await mesh(['optout', 'add', 'Octocat/Hello-World', 'https://github.com/acme/rocket.git', 'evilcorp']);
    assert.equal(add.code, 0, add.stderr);
    assert.equal(add.stdout, 'added octocat/hello-world\nadded acme/rocket\nadded evilcorp\n');
    const again = await mesh(['optout', 'add', 'EvilCorp', 'new-owner']);
    assert.equal(again.stdout, 'already listed: evilcorp\nadded new-owner\n');
    const ls = await mesh(['optout', 'ls']);
    assert.equal(ls.code, 0);
    assert.equal(ls.stdout, 'acme/rocket\nevilcorp\nnew-owner\noctocat/hello-world\n');
    const digest = new OptOutSnapshot(['acme/rocket', 'evilcorp', 'new-owner', 'octocat/hello-world']).digest;
    assert.equal(ls.stderr, `4 entries in file://${join(dir.path, '.mesh', 'optout.txt')} (sha256 ${digest})\n`);
    const rm = await mesh(['optout', 'rm', 'acme/rocket', 'nobody']);
    assert.equal(rm.code, 0);
    assert.equal(rm.stdout, 'removed acme/rocket\nnot listed: nobody\n');
    const file = readFileSync(join(dir.path, '.mesh', 'optout.txt'), 'utf8');
    assert.deepEqual(file.split('\n').filter((l) => l && !l.startsWith('#')), ['octocat/hello-world', 'evilcorp', 'new-owner']);
  });

  it('uses --file, or MESH_OPTOUT_FILE, and prints JSON lines with --json', async () => {
    assert.equal((await mesh(['optout', 'add', 'a/b', '--file', 'lists/one.txt'])).code, 0);
    assert.equal((await mesh(['optout', 'add', 'c'], { MESH_OPTOUT_FILE: 'lists/two.txt' })).code, 0);
    assert.equal(readFileSync(join(dir.path, 'lists', 'one.txt'), 'utf8').trim().split('\n').at(-1), 'a/b');
    assert.equal(readFileSync(join(dir.path, 'lists', 'two.txt'), 'utf8').trim().split('\n').at(-1), 'c');
    const ls = await mesh(['optout', 'ls', '--file', 'lists/one.txt', '--json']);
    const lines = ls.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines, [
      { type: 'optout.entry', entry: 'a/b', kind: 'repo' },
      { type: 'optout.registry', source: `file://${join(dir.path, 'lists', 'one.txt')}`, entries: 1, digest: new OptOutSnapshot(['a/b']).digest },
    ]);
    const add = await mesh(['optout', 'add', 'a/b', 'd', '--file', 'lists/one.txt', '--json']);
    assert.deepEqual(add.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; entry: string }).map((l) => [l.type, l.entry]), [['optout.already_listed', 'a/b'], ['optout.added', 'd']]);
  });

  it('rejects a bad entry with one line naming it, exit 2, and changes nothing', async () => {
    const before = readFileSync(join(dir.path, '.mesh', 'optout.txt'), 'utf8');
    const cases = [
      [['optout', 'add', 'fine', 'not/a/repo'], 'mesh: bad opt-out entry "not/a/repo": has more than owner/repo\n'],
      [['optout', 'rm', 'github.com'], 'mesh: bad opt-out entry "github.com": names the host github.com but no owner\n'],
      [['optout', 'add', '*'], `mesh: bad opt-out entry "*": owner '*' may only hold letters, digits, '-' and '_', at most 100 characters, not starting with '-'\n`],
    ] as const;
    // None of these may change anything, so they can run at once.
    const [results, none, both] = await Promise.all([
      Promise.all(cases.map(([args]) => mesh([...args]))),
      mesh(['optout', 'add']),
      mesh(['optout', 'ls', '--file', 'x.txt', '--nats', nats.url]),
    ]);
    cases.forEach(([args, message], i) => {
      assert.equal(results[i]!.code, 2, args.join(' '));
      assert.equal(results[i]!.stderr, message);
      assert.equal(results[i]!.stdout, '');
    });
    assert.equal(readFileSync(join(dir.path, '.mesh', 'optout.txt'), 'utf8'), before);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /missing required argument 'entry'/);
    assert.equal(both.code, 2);
    assert.equal(both.stderr, "mesh: give --file or --nats, not both: the registry is a file or the mesh's KV bucket\n");
  });
});

describe('mesh optout - on the mesh KV bucket', () => {
  it('acts on the mesh_optout bucket with --nats or MESH_NATS_URL, and never on the file', async () => {
    const empty = tempDir('mesh-cli-optout-kv-');
    try {
      const add = await mesh(['optout', 'add', 'Acme', 'octocat/secret.git', '--nats', nats.url]);
      assert.equal(add.code, 0, add.stderr);
      assert.equal(add.stdout, 'added acme\nadded octocat/secret\n');
      const viaEnv = await mesh(['optout', 'add', 'acme', 'zed/z'], { MESH_NATS_URL: nats.url });
      assert.equal(viaEnv.stdout, 'already listed: acme\nadded zed/z\n');
      const snap = await loadOptOut({ natsUrl: nats.url, env: {} });
      assert.deepEqual(snap.entries, ['acme', 'octocat/secret', 'zed/z']);
      const ls = await mesh(['optout', 'ls', '--json'], { MESH_NATS_URL: nats.url });
      const last = JSON.parse(ls.stdout.trim().split('\n').at(-1)!) as { source: string; digest: string; entries: number };
      assert.match(last.source, new RegExp(`^nats://127\\.0\\.0\\.1:${nats.port}/kv/mesh_optout$`));
      assert.equal(last.digest, snap.digest);
      const rm = await mesh(['optout', 'rm', 'acme', '--nats', nats.url]);
      assert.equal(rm.stdout, 'removed acme\n');
      assert.deepEqual((await loadOptOut({ natsUrl: nats.url, env: {} })).entries, ['octocat/secret', 'zed/z']);
      // --file wins over the variable.
      const file = await mesh(['optout', 'add', 'local-only', '--file', join(empty.path, 'o.txt')], { MESH_NATS_URL: nats.url });
      assert.equal(file.code, 0, file.stderr);
      assert.ok(existsSync(join(empty.path, 'o.txt')));
      assert.deepEqual((await loadOptOut({ natsUrl: nats.url, env: {} })).entries, ['octocat/secret', 'zed/z']);
      const bad = await mesh(['optout', 'add', 'a b', '--nats', nats.url]);
      assert.equal(bad.code, 2);
      assert.equal(bad.stderr, 'mesh: bad opt-out entry "a b": contains whitespace\n');
    } finally {
      empty.remove();
    }
  });

  it('says in one line which server it could not reach (exit 1)', async () => {
    const r = await mesh(['optout', 'ls', '--nats', 'nats://127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /^mesh: .*nats:\/\/127\.0\.0\.1:1/);
  });
});
