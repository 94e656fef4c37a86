import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineStats } from '../../../ops/pipeline.js';
import { decode, decodeItem, utf8Bytes, type IngestRecord } from '../../../ops/ingest/index.js';
import { textRecord } from '../../../ops/ingest/decode.js';

const rec = (bytes: Uint8Array | string, path = 'a.py'): IngestRecord => ({
  id: `o/r/${path}`,
  path,
  bytes: typeof bytes === 'string' ? Buffer.from(bytes) : bytes,
  meta: { source: 'dir', repo: 'o/r' },
});

describe('ingest decode - records become documents or are dropped with a reason', () => {
  it('keeps UTF-8 text, with id, path and meta carried over and the byte-order mark kept', () => {
    const out = decode(rec('\uFEFFprint("héllo")\n'));
    assert.ok(out.keep);
    assert.deepEqual(out.doc, { id: 'o/r/a.py', path: 'a.py', content: '\uFEFFprint("héllo")\n', meta: { source: 'dir', repo: 'o/r' } });
  });

  it('drops NUL bytes as binary, bad UTF-8 as invalid_utf8, and files over maxBytes as too_large', () => {
    assert.deepEqual(decode(rec(Uint8Array.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x14]))), { keep: false, reason: 'binary' });
    assert.deepEqual(decode(rec(Uint8Array.from([0x61, 0xc3, 0x28, 0x62]))), { keep: false, reason: 'invalid_utf8' });
    assert.deepEqual(decode(rec(Uint8Array.from([0xed, 0xa0, 0x80]))), { keep: false, reason: 'invalid_utf8' }); // an encoded surrogate
    assert.deepEqual(decode(rec('x'.repeat(11)), { maxBytes: 10 }), { keep: false, reason: 'too_large' });
    assert.equal(decode(rec('x'.repeat(10)), { maxBytes: 10 }).keep, true);
    assert.deepEqual(decode(rec(Buffer.alloc(1024 * 1024 + 1, 'a'))), { keep: false, reason: 'too_large' }); // default 1 MiB
  });

  it('decodeItem counts skips and drops as ingest:<reason> and items in and documents out', () => {
    const stats = new PipelineStats();
    const docs = [
      decodeItem({ type: 'record', record: rec('ok') }, stats),
      decodeItem({ type: 'record', record: rec('a\0b') }, stats),
      decodeItem({ type: 'skip', path: 'evil', reason: 'path_traversal' }, stats),
      decodeItem({ type: 'skip', path: 'link', reason: 'symlink_outside_root' }, stats),
    ];
    assert.deepEqual(docs.map((d) => d?.content), ['ok', undefined, undefined, undefined]);
    const json = stats.toJSON();
    assert.deepEqual(json.dropped, { 'ingest:binary': 1, 'ingest:path_traversal': 1, 'ingest:symlink_outside_root': 1 });
    assert.equal(json.steps.ingest!.in, 4);
    assert.equal(json.steps.ingest!.out, 1);
  });

  it('utf8Bytes keeps a lone surrogate from a JSON string as invalid UTF-8 instead of replacing it', () => {
    assert.deepEqual([...utf8Bytes('a\ud800b')], [0x61, 0xed, 0xa0, 0x80, 0x62]);
    assert.deepEqual([...utf8Bytes('🎉é')], [...Buffer.from('🎉é')]);
    assert.equal(decode(rec(utf8Bytes('x\udc00'))).keep, false);
  });

  it('a record of text (from JSONL) gets the same verdict as its UTF-8 bytes would, without encoding them', () => {
    const cases = ['plain', '\uFEFFbom', 'nul\0byte', 'lone \ud800 surrogate', '\udc00\0both', 'é'.repeat(6), 'é'.repeat(5) + 'x', '🎉🎉'];
    for (const t of cases) {
      const asText = textRecord('id', 'p', t, { source: 'jsonl' });
      const asBytes = rec(utf8Bytes(t));
      assert.deepEqual(decode(asText, { maxBytes: 11 }), decode({ ...asBytes, id: 'id', path: 'p', meta: { source: 'jsonl' } }, { maxBytes: 11 }), JSON.stringify(t));
    }
    assert.deepEqual([...textRecord('i', 'p', 'é', { source: 'jsonl' }).bytes], [0xc3, 0xa9]);
  });
});
