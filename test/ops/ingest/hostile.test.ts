import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, createReadStream, createWriteStream, mkdirSync, openSync, readFileSync, readdirSync, readlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, it } from 'node:test';
import { createGzip, gzipSync } from 'node:zlib';
import {
  decodeItem,
  planBatches,
  readBatch,
  readJsonl,
  readSource,
  readTar,
  resolveIngestOptions,
  type Batch,
  type IngestItem,
  type IngestOptions,
} from '../../../ops/ingest/index.js';
import { expansionLimit, gunzip } from '../../../ops/ingest/streams.js';
import { PipelineStats } from '../../../ops/pipeline.js';
import { collect, contents, records, skips, tempDir } from './fixtures.js';

const MiB = 1 << 20;
const ZEROS = Buffer.alloc(MiB);

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

/** Every batch of a source, read in plan order: what a mesh reading them all gives. */
async function viaBatches(source: string, options: IngestOptions = {}): Promise<{ batches: Batch[]; items: IngestItem[] }> {
  const batches = await collect(planBatches(source, options));
  const items: IngestItem[] = [];
  for (const b of batches) items.push(...(await collect(readBatch(JSON.stringify(b), options))));
  return { batches, items };
}

/** What the run's stats say about the items: `ingest:<reason>` counts and how many documents went on. */
function tally(items: IngestItem[], options: IngestOptions = {}): { kept: number; dropped: Record<string, number> } {
  const stats = new PipelineStats();
  let kept = 0;
  for (const item of items) if (decodeItem(item, stats, options)) kept++;
  return { kept, dropped: Object.fromEntries(stats.dropped) };
}

/**
 * A ustar header for a name given as bytes (tar-stream's pack writes UTF-8 names only). `type`: '0'
 * file, '5' folder, 'x' pax header.
 */
function ustar(name: Uint8Array | string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  Buffer.from(name).copy(h, 0, 0, 100);
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write(' '.repeat(8), 148);
  h.write(type, 156);
  h.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

const pad = (size: number): Buffer => Buffer.alloc((512 - (size % 512)) % 512);
const END = Buffer.alloc(1024);

/** A plain tar of small members with names as bytes. */
function rawTar(members: Array<{ name: Uint8Array | string; body?: string | Uint8Array; type?: string }>): Buffer {
  const parts: Buffer[] = [];
  for (const m of members) {
    const body = Buffer.from(m.body ?? '');
    parts.push(ustar(m.name, body.length, m.type), body, pad(body.length));
  }
  return Buffer.concat([...parts, END]);
}

/** Writes the gzip of a stream of pieces to `file` (a bomb is never whole in memory). */
async function writeGzip(file: string, pieces: () => Iterable<Uint8Array>): Promise<number> {
  await pipeline(Readable.from(pieces(), { objectMode: false }), createGzip(), createWriteStream(file));
  return readFileSync(file).length;
}

/** A tar member of `mib` MiB of zeros, as pieces. */
function* zeroMember(name: string, mib: number): Generator<Uint8Array> {
  yield ustar(name, mib * MiB);
  for (let i = 0; i < mib; i++) yield ZEROS;
}

describe('ingest hostile - a decompression bomb stops the read at a limit, named in the reason', () => {
  const { dir, cleanup } = tempDir();
  const bombTar = join(dir, 'bomb.tar.gz');
  const bombJsonl = join(dir, 'bomb.jsonl.gz');
  const row = (i: number) => JSON.stringify({ content: `print(${i})\n`, path: `r${i}.py` }) + '\n';
  // Limits small enough for a test: the ratio applies from 1 MiB, and 32 MiB of zeros gzip ~1,000x.
  const RATIO: IngestOptions = { maxExpansionRatio: 20, expansionRatioAfterBytes: MiB };
  let tarGzBytes = 0;
  before(async () => {
    tarGzBytes = await writeGzip(bombTar, function* () {
      yield rawTar([{ name: 'a.py', body: 'a = 1\n' }, { name: 'b.py', body: 'b = 2\n' }]).subarray(0, -1024);
      yield* zeroMember('bomb.bin', 32);
      yield rawTar([{ name: 'after.py', body: 'never read\n' }]);
    });
    await writeGzip(bombJsonl, function* () {
      for (let i = 0; i < 50; i++) yield Buffer.from(row(i));
      yield Buffer.from('{"content":"');
      for (let i = 0; i < 32; i++) yield ZEROS;
      yield Buffer.from('","path":"bomb.py"}\n' + row(99));
    });
  });
  after(cleanup);

  it('tar.gz over maxExpansionRatio: members before are read, the bomb member is skipped, nothing after; batches agree', async () => {
    const items = await collect(readSource(bombTar, RATIO));
    assert.deepEqual(contents(items), ['a.py=a = 1\n', 'b.py=b = 2\n']);
    assert.deepEqual(skips(items), [['bomb.bin', 'decompression_bomb_ratio']]);
    assert.deepEqual(tally(items, RATIO), { kept: 2, dropped: { 'ingest:decompression_bomb_ratio': 1 } });
    // One member a batch: the bomb member is planned as a skip and no batch comes after it.
    const { batches, items: batched } = await viaBatches(bombTar, { ...RATIO, batchEntries: 1 });
    assert.deepEqual(batched, items);
    assert.equal(batches.length, 3);
    const last = batches.at(-1)!;
    assert.deepEqual(last.type === 'ingest.v1.tar' && last.entries, [{ path: 'bomb.bin', skip: 'decompression_bomb_ratio' }]);
  });

  it('tar.gz over maxExpandedBytes: the reason names that limit', async () => {
    const options = { maxExpandedBytes: 2 * MiB };
    const items = await collect(readSource(bombTar, options));
    assert.deepEqual(skips(items), [['bomb.bin', 'decompression_bomb_bytes']]);
    assert.equal(records(items).length, 2);
    assert.deepEqual((await viaBatches(bombTar, options)).items, items);
  });

  it('the limit is a byte of the decompressed stream: however the gzip bytes are chunked, the read stops at the same place', async () => {
    const gz = readFileSync(bombTar);
    const limit = expansionLimit(gz.length, resolveIngestOptions(RATIO));
    assert.deepEqual(limit, { bytes: Math.max(MiB, Math.floor(tarGzBytes * 20)), reason: 'decompression_bomb_ratio' });
    let out = 0;
    await assert.rejects(
      (async () => { for await (const c of gunzip(chunked(gz, 4096), limit)) out += c.length; })(),
      (err: Error) => (err as { reason?: string }).reason === 'decompression_bomb_ratio',
    );
    assert.equal(out, limit.bytes, 'exactly the limit comes out');
    const reads = await Promise.all([7, 512, 65_536, gz.length].map((size) => collect(readTar(gunzip(chunked(gz, size), limit), {}, { name: 't' }))));
    for (const r of reads) assert.deepEqual(r, reads[0]);
  });

  it('jsonl.gz: the lines before the bomb are read, one skip names the file; batches agree', async () => {
    const items = await collect(readSource(bombJsonl, RATIO));
    assert.equal(records(items).length, 50);
    assert.deepEqual(skips(items), [[bombJsonl, 'decompression_bomb_ratio']]);
    // The cut line is no line of the file, whether or not its piece is over maxLineBytes.
    for (const options of [RATIO, { ...RATIO, maxLineBytes: 1000 }]) {
      const { batches, items: batched } = await viaBatches(bombJsonl, { ...options, batchBytes: 1000 });
      assert.ok(batches.length > 2);
      assert.deepEqual(batched, items);
      const last = batches.at(-1)!;
      assert.ok(last.type === 'ingest.v1.jsonl' && last.tail === 'decompression_bomb_ratio');
    }
    const gz = readFileSync(bombJsonl);
    const limit = expansionLimit(gz.length, resolveIngestOptions(RATIO));
    for (const size of [13, 4096]) {
      assert.deepEqual(await collect(readJsonl(gunzip(chunked(gz, size), limit), {}, { name: bombJsonl })), items);
    }
  });

  it('with the default limits a small gzip of repetitive text is no bomb: the ratio applies only past 64 MiB', async () => {
    const file = join(dir, 'repetitive.tar.gz');
    const size = await writeGzip(file, function* () {
      yield ustar('same.txt', 8 * MiB);
      const line = Buffer.alloc(MiB, 'abcdefgh\n');
      for (let i = 0; i < 8; i++) yield line;
      yield END;
    });
    assert.ok(8 * MiB / size > 200, `ratio ${Math.round(8 * MiB / size)}`);
    const items = await collect(readSource(file, { maxBytes: 16 * MiB }));
    assert.deepEqual(skips(items), []);
    assert.equal(records(items)[0]?.bytes.length, 8 * MiB);
  });

  it('a read that crosses a limit its plan did not fails instead of counting the bomb twice', async () => {
    const batches = await collect(planBatches(bombTar));
    assert.deepEqual(batches.flatMap((b) => (b.type === 'ingest.v1.tar' ? b.entries.map((e) => e.path) : [])), ['a.py', 'b.py', 'bomb.bin', 'after.py']);
    await assert.rejects(collect(readBatch(batches[0]!, { maxExpandedBytes: 2 * MiB })), /read with other limits than planned \(decompression_bomb_bytes at bomb.bin\)/);
  });
});

describe('ingest hostile - a tar of 200,000 members is planned and read in one linear pass', () => {
  const { dir, cleanup } = tempDir();
  const N = 200_000;
  const plain = join(dir, 'many.tar');
  const gz = join(dir, 'many.tar.gz');
  const name = (i: number) => `m/${String(i).padStart(6, '0')}.txt`;
  before(async () => {
    // Headers from one template; each differs in its name and checksum only.
    const template = ustar(name(0), 0);
    const blank = Buffer.from(template);
    blank.fill(0, 0, 100).fill(0x20, 148, 156);
    const base = blank.reduce((a, b) => a + b, 0);
    const header = (i: number, into: Buffer, at: number) => {
      template.copy(into, at);
      const n = Buffer.from(name(i));
      n.copy(into, at);
      into.write((base + n.reduce((a, b) => a + b, 0)).toString(8).padStart(6, '0') + '\0 ', at + 148);
    };
    const fd = openSync(plain, 'w');
    const block = Buffer.alloc(10_000 * 512);
    for (let start = 0; start < N; start += 10_000) {
      for (let i = 0; i < 10_000; i++) header(start + i, block, i * 512);
      writeSync(fd, block);
    }
    writeSync(fd, END);
    closeSync(fd);
    writeFileSync(gz, gzipSync(readFileSync(plain), { level: 1 }));
  });
  after(cleanup);

  it('plain tar: the first batch comes before the archive is read to its end, batches hold batchEntries members, each read once', async () => {
    const size = readFileSync(plain).length;
    let index = 0;
    let readWhenFirst = -1;
    for await (const batch of planBatches(plain)) {
      assert.ok(batch.type === 'ingest.v1.tar' && !batch.gzip);
      if (readWhenFirst < 0) readWhenFirst = bytesReadOf(plain) ?? 0;
      assert.equal(batch.entries.length, 10_000);
      for (const item of await collect(readBatch(batch))) {
        assert.ok(item.type === 'record' && item.record.path === name(index), `member ${index}`);
        index++;
      }
    }
    assert.equal(index, N);
    assert.ok(readWhenFirst < size / 4, `${readWhenFirst} of ${size} bytes read before the first batch`);
  });

  it('tar.gz: batches of 100,000 members; the last one passes over the first 100,000 and reads each of its own once', async () => {
    const batches = await collect(planBatches(gz, { batchEntries: 100_000 }));
    assert.deepEqual(batches.map((b) => b.type === 'ingest.v1.tar' && b.gzip && [b.first, b.count, b.entries.length]), [[0, 100_000, 100_000], [100_000, 100_000, 100_000]]);
    assert.ok(batches.every((b) => b.type === 'ingest.v1.tar' && b.entries.every((e, i) => e.path === name(b.index * 100_000 + i))));
    let index = 100_000;
    for await (const item of readBatch(batches[1]!)) {
      assert.ok(item.type === 'record' && item.record.path === name(index), `member ${index}`);
      index++;
    }
    assert.equal(index, N);
  });
});

/** How far the open descriptor on `file` has read (Linux /proc), or undefined elsewhere. */
function bytesReadOf(file: string): number | undefined {
  try {
    for (const fd of readdirSync('/proc/self/fd')) {
      let target: string;
      try {
        target = readlinkSync(`/proc/self/fd/${fd}`);
      } catch {
        continue;
      }
      if (target === file) return Number(/pos:\s+(\d+)/.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1]);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

describe('ingest hostile - JSONL rows', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('a 200 MiB line is skipped as line_too_long without being held, and the next line is read; batches agree', async () => {
    const file = join(dir, 'long.jsonl');
    const fd = openSync(file, 'w');
    writeSync(fd, '{"content":"x","path":"before.py"}\n{"content":"');
    const filler = Buffer.alloc(MiB, 'a');
    for (let i = 0; i < 200; i++) writeSync(fd, filler);
    writeSync(fd, '","path":"huge.py"}\n{"content":"y","path":"after.py"}\n');
    closeSync(fd);

    let peak = 0;
    const base = process.memoryUsage();
    async function* measured(): AsyncGenerator<Uint8Array> {
      for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.arrayBuffers - base.arrayBuffers + m.heapUsed - base.heapUsed);
        yield chunk as Buffer;
      }
    }
    const items = await collect(readJsonl(measured(), {}, { name: file }));
    assert.deepEqual(contents(items), ['before.py=x', 'after.py=y']);
    assert.deepEqual(skips(items), [[`${file}:2`, 'line_too_long']]);
    assert.ok(peak < 100 * MiB, `memory grew by ${Math.round(peak / MiB)} MiB while skipping a 200 MiB line`);
    assert.deepEqual(await collect(readSource(file)), items);
    assert.deepEqual((await viaBatches(file)).items, items);
  });

  it('a key named twice: the last value wins, as JSON.parse (and Python json) read it', async () => {
    const lines = ['{"content":"first","path":"a.py","content":"second"}', '{"path":"x.py","content":"c","path":"y.py"}'];
    const items = await collect(readJsonl(chunked(Buffer.from(lines.join('\n')), 5), {}, { name: 'd.jsonl' }));
    assert.deepEqual(contents(items), ['a.py=second', 'y.py=c']);
  });

  it('invalid UTF-8 in a line is skipped as invalid_utf8; an escaped lone surrogate is dropped as invalid_utf8 at decode; the rest is read', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"content":"ok","path":"a.py"}\n{"content":"bad '),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('","path":"b.py"}\n{"content":"x","path":"c'),
      Buffer.from([0xc3]),
      Buffer.from('.py"}\n{"content":"lone \\ud800","path":"d.py"}\n{"content":"fine","path":"e.py"}\n'),
    ]);
    const items = await collect(readJsonl(chunked(bytes, 3), {}, { name: 'u.jsonl' }));
    assert.deepEqual(skips(items), [['u.jsonl:2', 'invalid_utf8'], ['u.jsonl:3', 'invalid_utf8']]);
    assert.deepEqual(records(items).map((r) => r.path), ['a.py', 'd.py', 'e.py']);
    assert.deepEqual(tally(items), { kept: 2, dropped: { 'ingest:invalid_utf8': 3 } });
  });
});

describe('ingest hostile - directories', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('a file with NUL bytes is dropped as binary; a 10 MB one-line file is too_large by default and kept when maxBytes allows', async () => {
    const root = join(dir, 'files');
    mkdirSync(root);
    writeFileSync(join(root, 'nul.c'), Buffer.from('int main() {\0 return 0; }\n'));
    writeFileSync(join(root, 'one-line.min.js'), Buffer.alloc(10_000_000, 'x'));
    writeFileSync(join(root, 'ok.py'), 'ok\n');
    const items = await collect(readSource(`dir:${root}`));
    assert.deepEqual(skips(items), [['one-line.min.js', 'too_large']]);
    assert.deepEqual(tally(items), { kept: 1, dropped: { 'ingest:binary': 1, 'ingest:too_large': 1 } });
    const roomy = { maxBytes: 16 * MiB };
    const kept = await collect(readSource(`dir:${root}`, roomy));
    assert.deepEqual(skips(kept), []);
    assert.equal(records(kept).find((r) => r.path === 'one-line.min.js')?.bytes.length, 10_000_000);
    assert.deepEqual(tally(kept, roomy), { kept: 2, dropped: { 'ingest:binary': 1 } });
  });

  it('300 folders deep: the walk neither fails nor overflows, and reports the full path', async () => {
    const root = join(dir, 'deep');
    const deep = 'd/'.repeat(300);
    mkdirSync(join(root, deep), { recursive: true });
    writeFileSync(join(root, deep, 'leaf.txt'), 'leaf\n');
    writeFileSync(join(root, 'top.txt'), 'top\n');
    const items = await collect(readSource(`dir:${root}`));
    assert.deepEqual(contents(items), [`${deep}leaf.txt=leaf\n`, 'top.txt=top\n']);
    assert.deepEqual((await viaBatches(`dir:${root}`)).items, items);
  });

  it('a folder whose path is over PATH_MAX is skipped as path_too_long; the rest is read', async () => {
    const root = tempDir().dir;
    try {
      const segment = 'x'.repeat(200);
      // mkdir -p walks down one folder at a time, so it can make what no single path can name.
      execFileSync('mkdir', ['-p', Array(25).fill(segment).join('/')], { cwd: root });
      writeFileSync(join(root, 'ok.txt'), 'ok\n');
      const items = await collect(readSource(`dir:${root}`));
      assert.deepEqual(contents(items), ['ok.txt=ok\n']);
      const [skip, ...more] = skips(items);
      assert.equal(more.length, 0);
      assert.equal(skip?.[1], 'path_too_long');
      assert.ok(skip[0].split('/').every((s) => s === segment) && join(root, skip[0]).length >= 4096);
    } finally {
      // Node's rm names each path whole and fails past PATH_MAX; rm(1) does not.
      execFileSync('rm', ['-rf', root]);
    }
  });

  it('names with a newline are read as they are; names that are not UTF-8 are skipped as invalid_path and never read as another file', async () => {
    const root = join(dir, 'names');
    mkdirSync(join(root, 'new\nline'), { recursive: true });
    writeFileSync(join(root, 'new\nline', 'a.txt'), 'in a folder with a newline\n');
    writeFileSync(join(root, 'two\nlines.txt'), 'a file with a newline\n');
    // 'bad\uFFFD.txt' is what a lossy decoding makes of 'bad\xff.txt': it must keep its own content.
    writeFileSync(join(root, 'bad\uFFFD.txt'), 'the real U+FFFD file\n');
    const raw = (...parts: Array<string | number[]>) => Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));
    writeFileSync(raw(root, '/bad', [0xff], '.txt'), 'not UTF-8 (ff)\n');
    writeFileSync(raw(root, '/bad', [0xfe], '.txt'), 'not UTF-8 (fe)\n');
    mkdirSync(raw(root, '/dir', [0xc3, 0x28]));
    writeFileSync(raw(root, '/dir', [0xc3, 0x28], '/inside.txt'), 'under a bad folder\n');

    const items = await collect(readSource(`dir:${root}`));
    assert.deepEqual(contents(items), ['bad\uFFFD.txt=the real U+FFFD file\n', 'new\nline/a.txt=in a folder with a newline\n', 'two\nlines.txt=a file with a newline\n']);
    assert.deepEqual(skips(items), [
      ['bad\\xfe.txt', 'invalid_path'],
      ['bad\\xff.txt', 'invalid_path'],
      ['dir\\xc3(', 'invalid_path'],
    ]);
    assert.deepEqual((await viaBatches(`dir:${root}`, { batchEntries: 2 })).items, items);
    assert.deepEqual(tally(items), { kept: 3, dropped: { 'ingest:invalid_path': 3 } });
  });
});

describe('ingest hostile - tar member names', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);
  // A pax header whose path is not UTF-8 (tar-stream decodes it with U+FFFD).
  const paxBody = Buffer.concat([Buffer.from('21 path=pax-bad'), Buffer.from([0xff]), Buffer.from('.txt\n')]);
  const members = [
    { name: 'two\nlines.txt', body: 'newline in a name\n' },
    { name: 'new\nline/a.txt', body: 'newline in a folder\n' },
    { name: 'bad\uFFFD.txt', body: 'the real U+FFFD member\n' },
    { name: Buffer.from([0x62, 0x61, 0x64, 0xff, 0x2e, 0x74, 0x78, 0x74]), body: 'not UTF-8\n' },
    { name: Buffer.from([0x64, 0xc3, 0x28, 0x2f, 0x61]), body: 'under a bad folder\n' },
    { name: 'PaxHeader', body: paxBody, type: 'x' },
    { name: 'placeholder', body: 'pax member\n' },
    { name: 'last.txt', body: 'still read\n' },
  ];

  for (const gzip of [false, true]) {
    it(`${gzip ? 'tar.gz' : 'tar'}: a newline is kept, a name that is not UTF-8 is skipped as invalid_path, the rest read`, async () => {
      const file = join(dir, gzip ? 'names.tar.gz' : 'names.tar');
      writeFileSync(file, gzip ? gzipSync(rawTar(members)) : rawTar(members));
      const items = await collect(readSource(file));
      assert.deepEqual(contents(items), [
        'two\nlines.txt=newline in a name\n',
        'new\nline/a.txt=newline in a folder\n',
        'bad\uFFFD.txt=the real U+FFFD member\n',
        'last.txt=still read\n',
      ]);
      assert.deepEqual(skips(items), [
        ['bad\\xff.txt', 'invalid_path'],
        ['d\\xc3(/a', 'invalid_path'],
        ['pax-bad\uFFFD.txt', 'invalid_path'],
      ]);
      assert.deepEqual((await viaBatches(file, { batchEntries: 3 })).items, items);
    });
  }
});
