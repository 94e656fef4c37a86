import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { planBatches, readBatch, readJsonl, readSource, splitLines } from '../../../ops/ingest/index.js';
import { collect, contents, jsonl, records, skips, stackRow, tempDir, text } from './fixtures.js';

async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

describe('ingest jsonl - rows in The Stack shape become records', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('maps Stack v2 fields (repo_name, detected_licenses, star_events_count, revision_id, blob_id) into meta', async () => {
    const row = stackRow(3, { content: 'print("é\\t")\n' });
    const [item] = await collect(readJsonl(chunked(Buffer.from(jsonl([row])), 7), {}, { name: 'x.jsonl' }));
    assert.equal(item?.type, 'record');
    const r = records([item!])[0]!;
    assert.equal(text(r), 'print("é\\t")\n');
    assert.equal(r.id, `owner3/repo3/src/mod3/file3.py`);
    assert.deepEqual(r.meta, {
      source: 'jsonl', repo: 'owner3/repo3', commit: 'e'.repeat(40), license: ['MIT', 'Apache-2.0'],
      stars: 3, language: 'Python', blobId: '3'.padStart(40, '0'), line: 1,
    });
  });

  it('maps Stack v1 names, a single license string, and configured field names; keep copies extra fields', async () => {
    const v1 = { content: 'a', max_stars_repo_path: 'x/a.c', max_stars_repo_name: 'o/v1', max_stars_repo_licenses: ['BSD'], max_stars_count: 12, lang: 'C', hexsha: 'ab' };
    const custom = { text: 'b', file: 'b.rs', repository: 'o/custom', license: 'MIT', is_vendor: true, seen: 5 };
    const options = { fields: { content: ['content', 'text'], path: ['max_stars_repo_path', 'file'], repo: ['max_stars_repo_name', 'repository'], keep: ['is_vendor'] } };
    const out = records(await collect(readJsonl(chunked(Buffer.from(jsonl([v1, custom])), 1 << 16), options, { name: 'x' })));
    assert.deepEqual(out.map((r) => [r.id, text(r), r.meta.license, r.meta.stars, r.meta.language, r.meta.blobId, r.meta.is_vendor]), [
      ['o/v1/x/a.c', 'a', ['BSD'], 12, 'C', 'ab', undefined],
      ['o/custom/b.rs', 'b', ['MIT'], undefined, undefined, undefined, true],
    ]);
  });

  it('broken lines are skipped and counted with their line number, and the rest is read', async () => {
    const good = (i: number) => JSON.stringify({ content: `c${i}`, path: `p${i}` });
    const lines = [
      good(1),
      '{"content": "unterminated',
      '',
      '   ',
      '[1, 2]',
      '"just a string"',
      '{"path": "no-content.py"}',
      '{"content": "no path"}',
      '{"content": 42, "path": "n.py"}',
      good(2) + '\r',
      Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1'),
      good(3),
    ];
    const bytes = Buffer.concat([Buffer.from(lines.slice(0, 10).join('\n') + '\n'), Buffer.from([0x7b, 0xff, 0x7d, 0x0a]), Buffer.from(good(3))]);
    const items = await collect(readJsonl(chunked(bytes, 5), {}, { name: 'b.jsonl' }));
    assert.deepEqual(contents(items), ['p1=c1', 'p2=c2', 'p3=c3']);
    assert.deepEqual(skips(items), [
      ['b.jsonl:2', 'broken_line'],
      ['b.jsonl:5', 'not_an_object'],
      ['b.jsonl:6', 'not_an_object'],
      ['b.jsonl:7', 'missing_content'],
      ['b.jsonl:8', 'missing_path'],
      ['b.jsonl:9', 'missing_content'],
      ['b.jsonl:11', 'invalid_utf8'],
    ]);
    assert.deepEqual(records(items).map((r) => r.meta.line), [1, 10, 12]);
  });

  it('a line over maxLineBytes is skipped without ever being held whole, and the next line is read', async () => {
    const MiB = 1 << 20;
    const total = 256; // MiB of one line, in fresh 1 MiB chunks
    let peak = 0;
    async function* huge(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('{"content":"x","path":"before"}\n{"content":"');
      const base = process.memoryUsage().arrayBuffers;
      for (let i = 0; i < total; i++) {
        yield Buffer.alloc(MiB, 0x61);
        peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
      }
      yield Buffer.from('","path":"huge"}\n{"content":"y","path":"after"}\n');
    }
    const items = await collect(readJsonl(huge(), { maxLineBytes: MiB }, { name: 'h.jsonl' }));
    assert.deepEqual(contents(items), ['before=x', 'after=y']);
    assert.deepEqual(skips(items), [['h.jsonl:2', 'line_too_long']]);
    assert.ok(peak < 64 * MiB, `memory grew by ${Math.round(peak / MiB)} MiB while skipping a ${total} MiB line`);
  });

  it('splitLines reports the length of a long line and strips \\r\\n endings, whatever the chunking', async () => {
    const bytes = Buffer.from('ab\r\n\ncccccccccc\nd');
    for (const size of [1, 2, 3, 100]) {
      const lines = await collect(splitLines(chunked(bytes, size), { maxLineBytes: 5 }));
      assert.deepEqual(
        lines.map((l) => (l.type === 'line' ? `${l.lineNo}:${Buffer.from(l.bytes).toString()}${l.unterminated ? '$' : ''}` : `${l.lineNo}:long ${l.length}`)),
        ['1:ab', '2:', '3:long 10', '4:d$'],
      );
    }
  });

  it('.jsonl.gz is read like .jsonl; broken gzip ends with a corrupt_gzip skip instead of throwing', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => stackRow(i));
    writeFileSync(join(dir, 'rows.jsonl'), jsonl(rows));
    writeFileSync(join(dir, 'rows.jsonl.gz'), gzipSync(jsonl(rows)));
    const plain = await collect(readSource(join(dir, 'rows.jsonl')));
    const gz = await collect(readSource(join(dir, 'rows.jsonl.gz')));
    assert.equal(records(plain).length, 50);
    assert.deepEqual(gz, plain);
    const broken = gzipSync(jsonl(rows));
    writeFileSync(join(dir, 'cut.jsonl.gz'), broken.subarray(0, Math.floor(broken.length / 2)));
    const cut = await collect(readSource(join(dir, 'cut.jsonl.gz')));
    assert.deepEqual(skips(cut), [[join(dir, 'cut.jsonl.gz'), 'corrupt_gzip']]);
    const got = records(cut);
    assert.ok(got.length > 0 && got.length < 50);
    assert.deepEqual(got, records(plain).slice(0, got.length));
  });

  it('batches are line ranges that together read every row once, for .jsonl and .jsonl.gz, broken gzip included', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => stackRow(i));
    const body = jsonl(rows).replace(/\n$/, ''); // last line unterminated
    const whole = gzipSync(body);
    writeFileSync(join(dir, 'b.jsonl'), body);
    writeFileSync(join(dir, 'b.jsonl.gz'), whole);
    writeFileSync(join(dir, 'b-cut.jsonl.gz'), whole.subarray(0, Math.floor(whole.length * 0.7)));
    for (const name of ['b.jsonl', 'b.jsonl.gz', 'b-cut.jsonl.gz']) {
      const file = join(dir, name);
      const batches = await collect(planBatches(file, { batchBytes: 16 * 1024 }));
      assert.ok(batches.length >= 5, `${name}: ${batches.length} batches`);
      for (const [i, b] of batches.entries()) {
        assert.ok(b.type === 'ingest.v1.jsonl');
        assert.equal(b.index, i);
        if (i > 0) {
          const prev = batches[i - 1]!;
          assert.ok(prev.type === 'ingest.v1.jsonl' && prev.end === b.start && prev.firstLine + prev.lines === b.firstLine);
        }
      }
      const read = (await Promise.all(batches.map((b) => collect(readBatch(JSON.stringify(b)))))).flat();
      assert.deepEqual(read, await collect(readSource(file)), name);
      if (name !== 'b-cut.jsonl.gz') assert.deepEqual(records(read).map((r) => r.meta.line), rows.map((_, i) => i + 1));
    }
  });
});
