import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULTS, IngestOptionsError, parseBatch, resolveIngestOptions, resolveSource, BatchFormatError } from '../../../ops/ingest/index.js';
import { tempDir } from './fixtures.js';

const fails = (fn: () => unknown, field: string, text: RegExp) =>
  assert.throws(fn, (err: unknown) => err instanceof IngestOptionsError && err.field === field && text.test(err.message) && err.nonRetryable);

describe('ingest options - defaults and a message naming the field for each rule', () => {
  it('defaults: 1 MiB files, 8 MiB lines, 64 MiB batches of at most 10,000 entries', () => {
    const o = resolveIngestOptions();
    assert.equal(o.maxBytes, 1 << 20);
    assert.equal(o.maxLineBytes, 8 << 20);
    assert.equal(o.batchBytes, 64 << 20);
    assert.equal(o.batchEntries, 10_000);
    assert.deepEqual(o.exclude, DEFAULTS.exclude);
    assert.deepEqual(o.fields.repo, ['repo', 'repo_name', 'max_stars_repo_name', 'repository_name']);
  });

  it('defaults: a gzip may expand to 64 GiB, and to 200 times its size once past 64 MiB', () => {
    const o = resolveIngestOptions();
    assert.deepEqual([o.maxExpandedBytes, o.maxExpansionRatio, o.expansionRatioAfterBytes], [64 * 2 ** 30, 200, 64 << 20]);
  });

  it('sizes and counts must be positive integers', () => {
    for (const field of ['maxBytes', 'maxLineBytes', 'batchBytes', 'batchEntries', 'maxRowGroupBytes', 'maxExpandedBytes', 'expansionRatioAfterBytes'] as const) {
      fails(() => resolveIngestOptions({ [field]: 0 }), field, /must be a positive integer, got 0/);
      fails(() => resolveIngestOptions({ [field]: 1.5 }), field, /positive integer/);
    }
    fails(() => resolveIngestOptions({ s3: { concurrency: -1 } }), 's3.concurrency', /positive integer/);
  });

  it('maxExpansionRatio is a number of at least 1 (fractions allowed)', () => {
    assert.equal(resolveIngestOptions({ maxExpansionRatio: 1.5 }).maxExpansionRatio, 1.5);
    for (const bad of [0.5, 0, -3, Number.NaN, Number.POSITIVE_INFINITY, '200']) {
      fails(() => resolveIngestOptions({ maxExpansionRatio: bad as number }), 'maxExpansionRatio', /must be a number of at least 1, got /);
    }
  });

  it('field names: a name or a list, known fields only', () => {
    assert.deepEqual(resolveIngestOptions({ fields: { content: 'text' } }).fields.content, ['text']);
    fails(() => resolveIngestOptions({ fields: { content: '' } }), 'fields.content', /non-empty field name/);
    fails(() => resolveIngestOptions({ fields: { contnet: 'x' } as never }), 'fields.contnet', /not a known field/);
    fails(() => resolveIngestOptions({ exclude: ['a/b'] }), 'exclude', /directory names/);
  });
});

describe('ingest sources - a spec string resolves by its shape', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('prefixes, extensions, and directories with or without .git', async () => {
    mkdirSync(join(dir, 'plain'));
    mkdirSync(join(dir, 'repo/.git'), { recursive: true });
    assert.deepEqual(await resolveSource('dir:x', dir), { type: 'dir', root: join(dir, 'x') });
    assert.deepEqual(await resolveSource('git:x', dir), { type: 'git', dir: join(dir, 'x') });
    assert.deepEqual(await resolveSource('a.TGZ', dir), { type: 'tar', file: join(dir, 'a.TGZ'), gzip: true });
    assert.deepEqual(await resolveSource('a.tar', dir), { type: 'tar', file: join(dir, 'a.tar'), gzip: false });
    assert.deepEqual(await resolveSource('a.jsonl.gz', dir), { type: 'jsonl', file: join(dir, 'a.jsonl.gz'), gzip: true });
    assert.deepEqual(await resolveSource('a.parquet', dir), { type: 'parquet', file: join(dir, 'a.parquet') });
    assert.deepEqual(await resolveSource('s3://bkt/a/b/', dir), { type: 's3', bucket: 'bkt', prefix: 'a/b/' });
    assert.deepEqual(await resolveSource('s3://bkt', dir), { type: 's3', bucket: 'bkt', prefix: '' });
    assert.deepEqual(await resolveSource('plain', dir), { type: 'dir', root: join(dir, 'plain') });
    assert.deepEqual(await resolveSource('repo', dir), { type: 'git', dir: join(dir, 'repo') });
    assert.deepEqual(await resolveSource({ type: 's3', bucket: 'b', prefix: '/x', endpoint: 'http://h' }), { type: 's3', bucket: 'b', prefix: 'x/', endpoint: 'http://h' });
  });

  it('refuses what it cannot tell, naming the field', async () => {
    await assert.rejects(resolveSource('missing.txt', dir), (e: unknown) => e instanceof IngestOptionsError && e.field === 'source' && /no known extension/.test(e.message));
    await assert.rejects(resolveSource('s3:///x', dir), (e: unknown) => e instanceof IngestOptionsError && /no bucket/.test(e.message));
    await assert.rejects(resolveSource({ type: 'zip', path: 'x' } as never), (e: unknown) => e instanceof IngestOptionsError && e.field === 'source.type');
  });

  it('batch descriptors of an unknown type or version are refused', () => {
    assert.throws(() => parseBatch({ type: 'ingest.v2.dir', index: 0, bytes: 0 }), (e: unknown) => e instanceof BatchFormatError && /unknown type 'ingest.v2.dir'/.test(e.message));
    assert.throws(() => parseBatch('{"type":"ingest.v1.dir","index":0,"bytes":0}'), /root must be a string/);
    assert.throws(() => parseBatch('not json'), /not JSON/);
  });
});
