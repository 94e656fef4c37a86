import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readJsonl, readTar, utf8Bytes, type IngestItem } from '../../../ops/ingest/index.js';
import { gunzip } from '../../../ops/ingest/streams.js';
import { collect, records, tarBytes } from './fixtures.js';

async function* chunked(bytes: Uint8Array, sizes: number[]): AsyncGenerator<Uint8Array> {
  let i = 0;
  for (let k = 0; i < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    yield bytes.subarray(i, i + n);
    i += n;
  }
}

const chunkSizes = fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 5 });
const RUNS = { numRuns: 150 };

/** Reads, turning a throw into a failed property with the input in the message. */
async function readAll(gen: AsyncIterable<IngestItem>): Promise<IngestItem[]> {
  try {
    return await collect(gen);
  } catch (err) {
    assert.fail(`the reader threw: ${(err as Error).stack}`);
  }
}

const row = fc.record({ content: fc.string({ unit: 'binary', maxLength: 40 }), path: fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }) });

describe('ingest property - random and truncated bytes never throw and never invent a record', () => {
  it('jsonl truncated anywhere: records are exactly the rows whose lines arrived whole, in order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 8 }), fc.double({ min: 0, max: 1, noNaN: true }), chunkSizes, async (rows, at, sizes) => {
        const lines = rows.map((r) => Buffer.from(JSON.stringify(r) + '\n'));
        const whole = Buffer.concat(lines);
        const cut = Math.floor(whole.length * at);
        const items = await readAll(readJsonl(chunked(whole.subarray(0, cut), sizes), { maxLineBytes: 200 }, { name: 't' }));
        let end = 0;
        const complete = lines.filter((l) => (end += l.length) - 1 <= cut).length; // the '\n' may be cut off
        const got = records(items).map((r) => [r.path, Buffer.from(r.bytes).toString('hex')]);
        const want = rows.slice(0, complete).map((r) => [r.path, Buffer.from(utf8Bytes(r.content)).toString('hex')]);
        assert.deepEqual(got, want);
      }),
      RUNS,
    );
  });

  it('jsonl from random bytes: every record is a row some input line really holds', async () => {
    let seen = 0;
    const piece = fc.oneof(
      fc.constantFrom('{"content":', '"path":', '"', ',', '}', '\n', '\\', '\\u00', '\\ud800', '{', ' ', '"x"', '[1]', 'null'),
      fc.string({ unit: 'binary', maxLength: 6 }),
      fc.uint8Array({ maxLength: 6 }).map((b) => Buffer.from(b).toString('latin1')),
    );
    // Lines: whole rows, rows with junk spliced in anywhere, and junk.
    const line = fc.oneof(
      row.map((r) => JSON.stringify(r)),
      fc.tuple(row, fc.nat(), fc.array(piece, { minLength: 1, maxLength: 3 })).map(([r, at, junk]) => {
        const s = JSON.stringify(r);
        const i = at % (s.length + 1);
        return s.slice(0, i) + junk.join('') + s.slice(i);
      }),
      fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(line, { maxLength: 10 }), chunkSizes, async (lines, sizes) => {
        const input = Buffer.from(lines.join('\n'));
        const items = await readAll(readJsonl(chunked(input, sizes), { maxLineBytes: 64 }, { name: 'r' }));
        const split = input.toString('latin1').split('\n');
        for (const r of records(items)) {
          seen++;
          // Look the row up on its own line, the slow and obvious way.
          const raw = Buffer.from(split[(r.meta.line as number) - 1]!, 'latin1');
          const parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
          assert.equal(r.path, parsed.path);
          assert.deepEqual(Buffer.from(r.bytes), Buffer.from(utf8Bytes(parsed.content)));
        }
      }),
      { ...RUNS, numRuns: 400 },
    );
    assert.ok(seen > 0, 'some random inputs held valid rows');
  });

  const member = fc.record({
    name: fc.stringMatching(/^[a-z]{1,8}(\/[a-z]{1,8}){0,2}$/),
    body: fc.uint8Array({ maxLength: 1500 }),
  });

  it('tar truncated anywhere: records are exactly the members whose data arrived whole', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(member, { maxLength: 6 }), fc.double({ min: 0, max: 1, noNaN: true }), chunkSizes, async (members, at, sizes) => {
        const bytes = await tarBytes(members.map((m) => ({ header: { name: m.name }, body: m.body })));
        const cut = Math.floor(bytes.length * at);
        const items = await readAll(readTar(chunked(bytes.subarray(0, cut), sizes), {}, { name: 't.tar' }));
        // ustar layout for short names: a 512-byte header, then the data padded to 512.
        let offset = 0;
        const whole = members.filter((m) => {
          const dataEnd = offset + 512 + m.body.length;
          offset += 512 + Math.ceil(m.body.length / 512) * 512;
          return dataEnd <= cut;
        });
        assert.deepEqual(
          records(items).map((r) => [r.path, Buffer.from(r.bytes).toString('hex')]),
          whole.map((m) => [m.name, Buffer.from(m.body).toString('hex')]),
        );
        const skipped = items.filter((i) => i.type === 'skip');
        assert.ok(skipped.length <= 1 && skipped.every((s) => s.type === 'skip' && /^(truncated|corrupt)_archive$/.test(s.reason)));
      }),
      RUNS,
    );
  });

  it('tar with random bytes overwritten: no throw, no path outside the root, every record bytes of the input', async () => {
    let seen = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(member, { minLength: 1, maxLength: 5 }),
        fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }), { maxLength: 4 }),
        chunkSizes,
        async (members, damage, sizes) => {
          const bytes = Buffer.from(await tarBytes(members.map((m) => ({ header: { name: m.name }, body: m.body }))));
          for (const d of damage) bytes.set(d.bytes.subarray(0, bytes.length - Math.floor(bytes.length * d.at)), Math.floor(bytes.length * d.at));
          const items = await readAll(readTar(chunked(bytes, sizes), {}, { name: 'd.tar' }));
          for (const r of records(items)) {
            seen++;
            assert.ok(!r.path.startsWith('/') && !r.path.split('/').includes('..'), `escaping path ${r.path}`);
            assert.ok(bytes.indexOf(Buffer.from(r.bytes)) !== -1, 'record bytes are not in the input');
          }
        },
      ),
      RUNS,
    );
    assert.ok(seen > 0, 'damaged archives still gave up some members');
  });

  it('tar from random bytes, plain or as gzip: no throw, nothing read', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.boolean(), chunkSizes, async (bytes, gzip, sizes) => {
        const input = gzip ? gunzip(chunked(bytes, sizes)) : chunked(bytes, sizes);
        const items = await readAll(readTar(input, {}, { name: 'r.tar' }));
        assert.deepEqual(records(items), []);
        assert.ok(items.length <= 1, 'one skip at most: the read stops at the first broken header');
      }),
      RUNS,
    );
  });
});
