import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { planBatches, readBatch, readSource, readTar, type IngestItem } from '../../../ops/ingest/index.js';
import { collect, contents, skips, tarBytes, tempDir, type TarMember } from './fixtures.js';

const HOSTILE: TarMember[] = [
  { header: { name: 'src/a.py' }, body: 'print("a")\n' },
  { header: { name: '../../etc/cron.d/evil' }, body: 'x' },
  { header: { name: 'src/../../escape.sh' }, body: 'x' },
  { header: { name: '/etc/passwd' }, body: 'root:x:0:0' },
  { header: { name: 'C:\\Windows\\evil.bat' }, body: 'x' },
  { header: { name: 'src', type: 'directory' } },
  { header: { name: 'src/link', type: 'symlink', linkname: '/etc/shadow' } },
  { header: { name: 'src/hard', type: 'link', linkname: 'src/a.py' } },
  { header: { name: 'dev/null', type: 'character-device', devmajor: 1, devminor: 3 } },
  { header: { name: 'dev/sda', type: 'block-device', devmajor: 8, devminor: 0 } },
  { header: { name: 'pipe', type: 'fifo' } },
  { header: { name: './src/./b.js' }, body: 'let b = 1;\n' },
  { header: { name: `${'deep/'.repeat(40)}long.txt` }, body: 'a long name (pax header)\n' },
];

const EXPECTED_SKIPS = [
  ['../../etc/cron.d/evil', 'path_traversal'],
  ['src/../../escape.sh', 'path_traversal'],
  ['/etc/passwd', 'absolute_path'],
  ['C:\\Windows\\evil.bat', 'absolute_path'],
  ['src/link', 'symlink'],
  ['src/hard', 'hardlink'],
  ['dev/null', 'device'],
  ['dev/sda', 'device'],
  ['pipe', 'fifo'],
];
const EXPECTED_FILES = ['src/a.py=print("a")\n', 'src/b.js=let b = 1;\n', `${'deep/'.repeat(40)}long.txt=a long name (pax header)\n`];

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('ingest tar - hostile entries are skipped with reasons and the other files still read', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  for (const gzip of [false, true]) {
    it(`${gzip ? 'tar.gz' : 'tar'}: traversal, absolute paths, links, devices and fifos`, async () => {
      const file = join(dir, gzip ? 'hostile.tar.gz' : 'hostile.tar');
      writeFileSync(file, await tarBytes(HOSTILE, gzip));
      const items = await collect(readSource(file));
      assert.deepEqual(skips(items), EXPECTED_SKIPS);
      assert.deepEqual(contents(items), EXPECTED_FILES);
      assert.deepEqual(items.flatMap((i) => (i.type === 'record' ? [i.record.meta] : [])), EXPECTED_FILES.map(() => ({ source: 'tar' })));
    });
  }

  it('a member over maxBytes is skipped as too_large without being read, and the next one is read', async () => {
    const bytes = await tarBytes([
      { header: { name: 'big.bin' }, body: Buffer.alloc(300_000, 'x') },
      { header: { name: 'small.txt' }, body: 'ok' },
    ]);
    const items = await collect(readTar(chunked(bytes, 4096), { maxBytes: 1000 }, { name: 't.tar' }));
    assert.deepEqual(skips(items), [['big.bin', 'too_large']]);
    assert.deepEqual(contents(items), ['small.txt=ok']);
  });

  it('a truncated archive yields the members before the cut and one truncated_archive skip', async () => {
    const bytes = await tarBytes([
      { header: { name: 'one.txt' }, body: 'first' },
      { header: { name: 'two.txt' }, body: 'second'.repeat(200) },
    ]);
    const cut = bytes.subarray(0, 512 * 3 + 100); // inside two.txt's data
    const items = await collect(readTar(chunked(cut, 700), {}, { name: 'cut.tar' }));
    assert.deepEqual(contents(items), ['one.txt=first']);
    assert.deepEqual(skips(items), [['two.txt', 'truncated_archive']]);
  });

  it('garbage and an un-gunzipped archive are corrupt_archive; broken gzip is corrupt_gzip; none throw', async () => {
    const garbage = Buffer.alloc(2048, 0x41);
    assert.deepEqual(skips(await collect(readTar(chunked(garbage, 512), {}, { name: 'g.tar' }))), [['g.tar', 'corrupt_archive']]);
    const file = join(dir, 'broken.tar.gz');
    const gz = await tarBytes([{ header: { name: 'a.txt' }, body: 'a'.repeat(5000) }, { header: { name: 'b.txt' }, body: 'b' }], true);
    writeFileSync(file, gz.subarray(0, gz.length - 30));
    const items: IngestItem[] = await collect(readSource(file));
    assert.equal(items.at(-1)?.type, 'skip');
    const last = items.at(-1);
    assert.equal(last?.type === 'skip' && last.reason, 'corrupt_gzip');
    const planned = await collect(planBatches(file));
    const batched = (await Promise.all(planned.map((b) => collect(readBatch(b))))).flat();
    assert.deepEqual(batched, items);
  });

  it('plain tar batches list member offsets and are read back with positioned reads', async () => {
    const file = join(dir, 'many.tar');
    const members = Array.from({ length: 30 }, (_, i) => ({ header: { name: `f${String(i).padStart(2, '0')}.txt` }, body: `file ${i}\n`.repeat(10 + i) }));
    writeFileSync(file, await tarBytes([...members, ...HOSTILE]));
    const batches = await collect(planBatches(file, { batchBytes: 1000 }));
    assert.ok(batches.length > 3, `expected several batches, got ${batches.length}`);
    const first = batches[0]!;
    assert.ok(first.type === 'ingest.v1.tar' && !first.gzip && 'offset' in first.entries[0]!);
    const fromBatches = (await Promise.all(batches.map((b) => collect(readBatch(JSON.stringify(b)))))).flat();
    const whole = await collect(readTar(chunked(await import('node:fs').then((fs) => fs.readFileSync(file)), 1 << 16), {}, { name: file }));
    assert.deepEqual(fromBatches, whole);
    assert.equal(contents(fromBatches).length, 30 + EXPECTED_FILES.length);
  });
});
