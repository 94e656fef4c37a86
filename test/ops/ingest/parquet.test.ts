import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decode, IngestSourceError, planBatches, readBatch, readSource, type ParquetBatch } from '../../../ops/ingest/index.js';
import { writeParquet, type Column } from './parquet-writer.js';
import { collect, records, skips, stackRow, tempDir, text } from './fixtures.js';

const STACK_COLUMNS: Column[] = [
  { name: 'blob_id', kind: 'string' },
  { name: 'path', kind: 'string' },
  { name: 'repo_name', kind: 'string' },
  { name: 'detected_licenses', kind: 'string_list' },
  { name: 'star_events_count', kind: 'int64' },
  { name: 'revision_id', kind: 'string' },
  { name: 'language', kind: 'string' },
  { name: 'content', kind: 'string' },
  { name: 'is_vendor_text', kind: 'string' },
];

describe('ingest parquet - Stack-shaped Parquet through the same field names as JSONL', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('reads rows with repo, licenses (a list column), stars (int64) and commit into meta', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => stackRow(i) as Record<string, never>);
    rows[1]!.detected_licenses = [] as never;
    const file = join(dir, 'stack.parquet');
    writeFileSync(file, writeParquet(STACK_COLUMNS, rows, 2));
    const items = await collect(readSource(file));
    const got = records(items);
    assert.equal(got.length, 5);
    assert.deepEqual(got.map((r) => text(r)), rows.map((r) => r.content));
    assert.deepEqual(got[0]!.meta, {
      source: 'parquet', repo: 'owner0/repo0', commit: 'e'.repeat(40), license: ['MIT', 'Apache-2.0'],
      stars: 0, language: 'Python', blobId: '0'.padStart(40, '0'), row: 0,
    });
    assert.deepEqual(got[1]!.meta.license, []);
    assert.equal(got[4]!.id, 'owner4/repo4/src/mod4/file4.py');
    assert.deepEqual(got.map((r) => r.meta.row), [0, 1, 2, 3, 4]);
  });

  it('rows without content or path are skipped; invalid UTF-8 content stays bytes for decode to drop', async () => {
    const file = join(dir, 'odd.parquet');
    const cols: Column[] = [{ name: 'content', kind: 'bytes' }, { name: 'path', kind: 'string' }];
    writeFileSync(file, writeParquet(cols, [
      { content: 'ok', path: 'a.txt' },
      { content: null, path: 'b.txt' },
      { content: 'no path', path: null },
      { content: Uint8Array.from([0x61, 0xff, 0x62]), path: 'bad.txt' },
    ]));
    const items = await collect(readSource(file));
    assert.deepEqual(skips(items), [[`${file}#row1`, 'missing_content'], [`${file}#row2`, 'missing_path']]);
    const bad = records(items).find((r) => r.path === 'bad.txt')!;
    assert.deepEqual([...bad.bytes], [0x61, 0xff, 0x62]);
    assert.deepEqual(decode(bad), { keep: false, reason: 'invalid_utf8' });
  });

  it('plans row ranges by bytes (splitting big row groups), skips row groups over maxRowGroupBytes', async () => {
    const rows = Array.from({ length: 60 }, (_, i) => stackRow(i) as Record<string, never>);
    const file = join(dir, 'groups.parquet');
    writeFileSync(file, writeParquet(STACK_COLUMNS, rows, 20)); // 3 row groups of ~10 KB of content
    const batches = (await collect(planBatches(file, { batchBytes: 4000 }))) as ParquetBatch[];
    const pieces = batches.flatMap((b) => b.pieces);
    assert.ok(pieces.length > 3, 'each row group is split into pieces');
    const covered = pieces.flatMap((p) => ('skip' in p ? [] : Array.from({ length: p.rowEnd - p.rowStart }, (_, k) => p.rowStart + k)));
    assert.deepEqual(covered, rows.map((_, i) => i));
    const read = (await Promise.all(batches.map((b) => collect(readBatch(JSON.stringify(b)))))).flat();
    assert.deepEqual(records(read).map((r) => r.path), rows.map((r) => r.path));

    const capped = await collect(readSource(file, { maxRowGroupBytes: 1000 }));
    assert.deepEqual(skips(capped), [[`${file}#rg0`, 'row_group_too_large'], [`${file}#rg1`, 'row_group_too_large'], [`${file}#rg2`, 'row_group_too_large']]);
  });

  it('a file without a content column fails planning with the names it looked for', async () => {
    const file = join(dir, 'nocontent.parquet');
    writeFileSync(file, writeParquet([{ name: 'text', kind: 'string' }, { name: 'path', kind: 'string' }], [{ text: 'a', path: 'a' }]));
    await assert.rejects(collect(planBatches(file)), (e: unknown) => e instanceof IngestSourceError && /has no content column \(looked for content\)/.test(e.message));
    const viaText = records(await collect(readSource(file, { fields: { content: 'text' } })));
    assert.deepEqual(viaText.map(text), ['a']);
  });
});
