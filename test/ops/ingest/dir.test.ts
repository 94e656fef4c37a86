import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { planBatches, readBatch, readSource, walkDir } from '../../../ops/ingest/index.js';
import { collect, contents, skips, tempDir, writeFiles } from './fixtures.js';

describe('ingest dir - a deterministic walk that never leaves the root', () => {
  const { dir, cleanup } = tempDir();
  const root = join(dir, 'root');
  before(() => {
    writeFiles(root, {
      'b.py': 'b\n',
      'a/z.js': 'z\n',
      'a/y.js': 'y\n',
      'a/x/w.c': 'w\n',
      'big.bin': Buffer.alloc(5000, 1),
      '.git/HEAD': 'ref: refs/heads/main\n',
      'node/index.js': 'i\n',
    });
    writeFiles(dir, { 'outside/secret.txt': 'do not read\n' });
    symlinkSync('../outside/secret.txt', join(root, 'escape'));
    symlinkSync(join(dir, 'outside'), join(root, 'escape-dir'));
    symlinkSync('b.py', join(root, 'inside'));
    symlinkSync('nowhere', join(root, 'dangling'));
    execFileSync('mkfifo', [join(root, 'a/fifo')]);
  });
  after(cleanup);

  it('reads files in sorted order and skips symlinks (inside, outside, broken), fifos, large files and .git', async () => {
    const items = await collect(readSource(`dir:${root}`, { maxBytes: 1000 }));
    assert.deepEqual(contents(items), ['a/x/w.c=w\n', 'a/y.js=y\n', 'a/z.js=z\n', 'b.py=b\n', 'node/index.js=i\n']);
    assert.deepEqual(skips(items), [
      ['.git', 'excluded'],
      ['a/fifo', 'special_file'],
      ['big.bin', 'too_large'],
      ['dangling', 'symlink_broken'],
      ['escape', 'symlink_outside_root'],
      ['escape-dir', 'symlink_outside_root'],
      ['inside', 'symlink'],
    ]);
    assert.ok(!contents(items).some((c) => c.includes('do not read')));
  });

  it('a root given through a symlink is walked as its target; exclude is configurable', async () => {
    symlinkSync(root, join(dir, 'via-link'));
    const items = await collect(walkDir(join(dir, 'via-link'), { maxBytes: 1000, exclude: ['node'] }));
    assert.deepEqual(items.map((e) => e.path).slice(0, 4), ['.git/HEAD', 'a/fifo', 'a/x/w.c', 'a/y.js']);
    assert.ok(items.some((e) => e.path === 'node' && 'skip' in e && e.skip === 'excluded'));
  });

  it('an unreadable subdirectory is skipped as unreadable', { skip: process.getuid?.() === 0 ? 'root reads everything' : false }, async () => {
    const locked = join(dir, 'locked');
    writeFiles(locked, { 'ok.txt': 'ok', 'no/x.txt': 'x' });
    chmodSync(join(locked, 'no'), 0o000);
    try {
      const items = await collect(readSource(`dir:${locked}`));
      assert.deepEqual(skips(items), [['no', 'unreadable']]);
    } finally {
      chmodSync(join(locked, 'no'), 0o755);
    }
  });

  it('batches hold files up to batchBytes or batchEntries, and a file changed after planning fails the read', async () => {
    const many = join(dir, 'many');
    const files: Record<string, string> = {};
    for (let i = 0; i < 40; i++) files[`f${String(i).padStart(2, '0')}.txt`] = 'x'.repeat(100 + i);
    writeFiles(many, files);
    const byBytes = await collect(planBatches(`dir:${many}`, { batchBytes: 1000 }));
    assert.ok(byBytes.every((b) => b.type === 'ingest.v1.dir' && b.bytes >= 1000 || b.index === byBytes.length - 1));
    assert.ok(byBytes.every((b) => b.type === 'ingest.v1.dir' && b.entries.length <= 10));
    const byCount = await collect(planBatches(`dir:${many}`, { batchEntries: 7 }));
    assert.deepEqual(byCount.map((b) => b.type === 'ingest.v1.dir' && b.entries.length), [7, 7, 7, 7, 7, 5]);
    writeFiles(many, { 'f00.txt': 'changed' });
    await assert.rejects(collect(readBatch(byCount[0]!)), /f00\.txt: changed since planning \(100 bytes then, 7 now\)/);
  });

  it('a folder swapped for a symlink out of the root after planning is not followed', async () => {
    const swapped = join(dir, 'swapped');
    writeFiles(swapped, { 'sub/a.txt': 'mine' });
    writeFiles(dir, { 'elsewhere/a.txt': 'not mine' });
    const [batch] = await collect(planBatches(`dir:${swapped}`));
    rmSync(join(swapped, 'sub'), { recursive: true });
    symlinkSync(join(dir, 'elsewhere'), join(swapped, 'sub'));
    await assert.rejects(collect(readBatch(batch!)), /a folder above it now leads out of the root/);
    const forged = JSON.stringify({ ...batch!, entries: [{ path: '../elsewhere/a.txt', size: 8 }] });
    await assert.rejects(collect(readBatch(forged)), /entries\[0\] is not a valid entry/);
  });
});
