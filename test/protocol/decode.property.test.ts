import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { ISO_TIME } from '../../protocol/shape.js';
import { decodeEvent, decodeEvents, decodeJoinInputs, decodeMessage, encodeEvent, encodeEvents, encodeJoinInputs, encodeMessage, ProtocolError, type MeshMessage } from '../../protocol/mesh.js';
import { digest, event, fieldPaths, message, otherKind, RUNS, resultMessage, taskMessage, withField } from './arbitraries.js';

/** How other producers could pack a message: the protocol's own options, and msgpackr's defaults. */
const packers = [new Packr({ useRecords: false, moreTypes: true }), new Packr({ useRecords: false })];

/** Runs `f`; passes when it returns, or throws a ProtocolError with a one-line message. Anything else fails. */
function onlyProtocolErrors<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw new Error(`threw ${(err as Error)?.name}: ${(err as Error)?.message}`, { cause: err });
    assert.doesNotMatch(err.message, /[\n\r\u2028\u2029]/, 'one line');
    return undefined;
  }
}

function rejects(f: () => unknown): void {
  try {
    f();
  } catch (err) {
    if (err instanceof ProtocolError) return;
    throw new Error(`threw ${(err as Error)?.name} instead of ProtocolError: ${(err as Error)?.message}`, { cause: err });
  }
  assert.fail('decoded without an error');
}

/** A decoded message is complete: encoding it again and decoding gives the same value. */
function assertSettled(m: MeshMessage): void {
  assert.deepEqual(decodeMessage(encodeMessage(m)), m);
}

describe('protocol - decodeMessage gives back what encodeMessage was given', () => {
  it('for every schema, with and without optional fields', () => {
    fc.assert(fc.property(message, (m) => {
      assert.deepEqual(decodeMessage(encodeMessage(m)), m);
      assert.deepEqual(decodeMessage(encodeMessage(m), m.schema), m);
    }), RUNS);
  });
});

describe('protocol - results that share part of a map (sharedWithin)', () => {
  it('decode to what was encoded, whichever keys every entry has alike, and travel smaller', () => {
    // Results of one message: some artifacts inherited alike by every partition, some their own.
    const alike = fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), digest, { maxKeys: 4 });
    const own = fc.array(fc.dictionary(fc.stringMatching(/^[A-Z]{1,6}$/), digest, { maxKeys: 3 }), { minLength: 2, maxLength: 8 });
    fc.assert(fc.property(resultMessage, alike, own, (base, common, each) => {
      const results = each.map((mine, i) => ({ ...base, task: String(i), foreach: [i], artifacts: { ...common, ...mine }, attempt: { ...base.attempt } }));
      const m: MeshMessage = { schema: 'mesh.v1.task.results', results };
      const decoded = decodeMessage(encodeMessage(m), 'mesh.v1.task.results');
      assert.deepEqual(decoded, m);
      if (Object.keys(common).length > 0) {
        assert.ok(encodeMessage(m).length < new Packr({ useRecords: false, moreTypes: true }).pack(m).length, 'the common artifacts travel once');
      }
    }), RUNS);
  });

  it('rejects a sharedWithin that is not a map of maps, or an entry whose field is not a map, and never sets Object.prototype', () => {
    const packr = packers[1]!;
    const entry = { task: '0', foreach: [0], ok: true, artifacts: {}, attempt: { attempt: 0, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:00.000Z', ok: true } };
    const body = (within: unknown, results: unknown[] = [entry, { ...entry, task: '1', foreach: [1] }]) => packr.pack(JSON.parse(JSON.stringify({
      schema: 'mesh.v1.task.results', shared: { schema: 'mesh.v1.task.result', flow: 'F', run: 'r1', step: 's', worker: 'w' }, sharedWithin: within, results,
    })));
    rejects(() => decodeMessage(body(['artifacts'])));
    rejects(() => decodeMessage(body({ artifacts: 'x' })));
    rejects(() => decodeMessage(body({ artifacts: { a: 'f'.repeat(64) } }, [{ ...entry, artifacts: 7 }, entry])));
    onlyProtocolErrors(() => decodeMessage(body(JSON.parse('{"__proto__": {"polluted": true}, "artifacts": {"__proto__": {"polluted": true}}}'))));
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
    const ok = decodeMessage(body({ artifacts: { a: 'f'.repeat(64) } }), 'mesh.v1.task.results');
    assert.deepEqual(ok.results.map((r) => r.artifacts), [{ a: 'f'.repeat(64) }, { a: 'f'.repeat(64) }]);
  });
});

describe('protocol - a join\'s input artifact sets', () => {
  it('decode to what was encoded, in order', () => {
    const set = fc.record({ artifacts: fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), digest), inline: fc.dictionary(digest, fc.base64String()) }, { requiredKeys: ['artifacts'] });
    fc.assert(fc.property(fc.array(set, { maxLength: 50 }), (sets) => {
      assert.deepEqual(decodeJoinInputs(encodeJoinInputs(sets)), JSON.parse(JSON.stringify(sets)));
    }), RUNS);
  });

  it('rejects anything else with a ProtocolError only', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      onlyProtocolErrors(() => decodeJoinInputs(packers[1]!.pack(value)));
    }), RUNS);
    rejects(() => decodeJoinInputs(packers[1]!.pack([{ inline: {} }])));
    rejects(() => decodeJoinInputs(new Uint8Array([0xc1])));
  });
});

describe('protocol - decodeMessage rejects with a ProtocolError, and nothing else', () => {
  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const m = onlyProtocolErrors(() => decodeMessage(bytes));
      if (m) assertSettled(m);
    }), { numRuns: 500 });
  });

  it('any msgpack value, at the top and as a message body', () => {
    const body = fc.dictionary(fc.constantFrom('specs', 'policy', 'results', 'flow', 'run', 'step', 'task', 'ok', 'artifacts', 'attempt', 'worker', 'foreach'), fc.anything(), { maxKeys: 6 });
    const schema = fc.constantFrom('mesh.v1.task', 'mesh.v1.submit', 'mesh.v1.task.result', 'mesh.v1.task.results');
    fc.assert(fc.property(fc.oneof(fc.anything(), fc.tuple(schema, body).map(([s, b]) => ({ ...b, schema: s }))), fc.constantFrom(...packers), (value, packr) => {
      const m = onlyProtocolErrors(() => decodeMessage(packr.pack(value)));
      if (m) assertSettled(m);
    }), RUNS);
  });

  it('every truncation of a valid message', () => {
    fc.assert(fc.property(message, fc.nat(), (m, n) => {
      const bytes = encodeMessage(m);
      rejects(() => decodeMessage(bytes.subarray(0, n % bytes.length)));
    }), RUNS);
  });

  it('a valid message with one field of the wrong kind (null, a number for a string, a bigint, a Date, bytes, ...)', () => {
    const mutated = message.chain((m) => {
      const paths = fieldPaths(m);
      return fc.constantFrom(...paths).chain((path) => {
        const original = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], m);
        return otherKind(original).map((replacement) => ({ m, path, replacement }));
      });
    });
    fc.assert(fc.property(mutated, fc.constantFrom(...packers), ({ m, path, replacement }, packr) => {
      rejects(() => decodeMessage(packr.pack(withField(m, path, replacement))));
    }), { numRuns: 500 });
  });

  it('names that do not fit in a key (dots, wildcards, spaces, slashes, empty)', () => {
    const badName = fc.constantFrom('', 'a.b', '*', '>', 'a b', 'a\nb', '../../etc', 'a/b', 'x'.repeat(201), 'é');
    fc.assert(fc.property(fc.oneof(resultMessage, taskMessage), badName, fc.constantFrom('flow', 'run', 'step', 'task'), (m, name, field) => {
      const bad = m.schema === 'mesh.v1.task' ? withField(m, ['specs', 0, field], name) : withField(m, [field], name);
      rejects(() => decodeMessage(encodeMessage(bad)));
    }), RUNS);
  });

  it('schemas it does not know, and schemas the caller did not expect', () => {
    const unknown = fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('mesh.v2.task', 'mesh.v1.task.result ', 'MESH.V1.SUBMIT', 'mesh.v0.submit', 'mesh.v1.task.spec'))
      .filter((s) => !['mesh.v1.task', 'mesh.v1.submit', 'mesh.v1.task.result', 'mesh.v1.task.results'].includes(s));
    fc.assert(fc.property(message, unknown, (m, schema) => {
      rejects(() => decodeMessage(encodeMessage({ ...m, schema } as unknown as MeshMessage)));
    }), RUNS);
    fc.assert(fc.property(message, (m) => {
      rejects(() => decodeMessage(encodeMessage(m), ...(['mesh.v1.task', 'mesh.v1.submit', 'mesh.v1.task.result', 'mesh.v1.task.results'] as const).filter((s) => s !== m.schema)));
    }), RUNS);
  });

  it('huge lengths in msgpack headers, at the top or in place of a field, without hanging', () => {
    // map32, array32, str32, bin32, ext32 and their 16/8-bit forms, with lengths far past the end.
    const header = fc.tuple(fc.constantFrom(0xdf, 0xdd, 0xdb, 0xc6, 0xc9, 0xde, 0xdc, 0xda, 0xc5, 0xc8, 0xd9, 0xc4, 0xc7), fc.constantFrom(0xff, 0x7f, 0x10), fc.uint8Array({ maxLength: 8 }))
      .map(([tag, fill, tail]) => new Uint8Array([tag, fill, fill, fill, fill, ...tail]));
    fc.assert(fc.property(header, message, fc.nat(), (h, m, cut) => {
      rejects(() => decodeMessage(h));
      // The header spliced into a valid message at some byte: whatever follows is read as its body.
      const bytes = encodeMessage(m);
      const at = 1 + (cut % (bytes.length - 1));
      const spliced = new Uint8Array([...bytes.subarray(0, at), ...h, ...bytes.subarray(at)]);
      const decoded = onlyProtocolErrors(() => decodeMessage(spliced));
      if (decoded) assertSettled(decoded);
    }), RUNS);
  });

  it('does not let a message set Object.prototype', () => {
    const packr = packers[1]!;
    const hostile = { schema: 'mesh.v1.submit', flow: 'F', run: 'r1', ['__proto__']: { polluted: true }, constructor: { prototype: { polluted: true } } };
    const bytes = packr.pack(JSON.parse(JSON.stringify(hostile)));
    onlyProtocolErrors(() => decodeMessage(bytes));
    assert.equal(({} as { polluted?: boolean }).polluted, undefined);
  });
});

describe('protocol - decodeEvent', () => {
  it('gives back what encodeEvent was given, for every event type', () => {
    fc.assert(fc.property(event, (e) => {
      assert.deepEqual(decodeEvent(encodeEvent(e)), e);
    }), RUNS);
  });

  it('rejects random bytes, any JSON and truncated events with a ProtocolError only', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => { onlyProtocolErrors(() => decodeEvent(bytes)); }), RUNS);
    fc.assert(fc.property(fc.jsonValue(), (v) => { onlyProtocolErrors(() => decodeEvent(Buffer.from(JSON.stringify(v) ?? 'null'))); }), RUNS);
    fc.assert(fc.property(event, fc.nat(), (e, n) => {
      const bytes = encodeEvent(e);
      rejects(() => decodeEvent(bytes.subarray(0, n % bytes.length)));
    }), RUNS);
  });

  it('rejects an event with one field of the wrong kind, or of a type it does not know', () => {
    const jsonKinds = [fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 2 }), fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2 })];
    const kindOf = (x: unknown) => (x === null ? 'null' : Array.isArray(x) ? 'array' : typeof x);
    const mutated = event.chain((e) => {
      // `params` is free-form: what is inside it is whatever the user passed.
      const paths = fieldPaths(e).filter((p) => !(p[0] === 'params' && p.length > 1));
      return fc.constantFrom(...paths).chain((path) => {
        const original = path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], e);
        return fc.oneof(...jsonKinds).filter((r) => kindOf(r) !== kindOf(original)).map((r) => withField(e, path, r));
      });
    });
    fc.assert(fc.property(mutated, (e) => rejects(() => decodeEvent(Buffer.from(JSON.stringify(e))))), RUNS);
    fc.assert(fc.property(event, fc.string({ maxLength: 12 }), (e, type) => {
      fc.pre(!['run.started', 'task.started', 'task.finished', 'task.failed', 'run.finished', 'task.log', 'step.planned'].includes(type));
      rejects(() => decodeEvent(Buffer.from(JSON.stringify({ ...e, type }))));
    }), RUNS);
  });
});

describe('protocol - decodeEvents (events that travel together)', () => {
  it('gives back every event encodeEvents was given, in order, one or many', () => {
    fc.assert(fc.property(fc.array(event, { minLength: 1, maxLength: 8 }), (es) => {
      assert.deepEqual(decodeEvents(encodeEvents(es)), es);
    }), RUNS);
  });

  it('rejects a list with one bad event, an empty list and anything else with a ProtocolError only', () => {
    fc.assert(fc.property(fc.array(event, { minLength: 1, maxLength: 4 }), fc.nat(), (es, n) => {
      const list: unknown[] = [...es];
      list.splice(n % (es.length + 1), 0, { type: 'task.started' });
      rejects(() => decodeEvents(Buffer.from(JSON.stringify(list))));
    }), RUNS);
    rejects(() => decodeEvents(Buffer.from('[]')));
    fc.assert(fc.property(fc.jsonValue(), (v) => { onlyProtocolErrors(() => decodeEvents(Buffer.from(JSON.stringify(v) ?? 'null'))); }), RUNS);
  });
});

describe('protocol - result times', () => {
  it('every time the decoder accepts is one Date.parse reads (so durations are numbers)', () => {
    const near = fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 29 }), fc.integer({ min: 0, max: 69 }), fc.integer({ min: 0, max: 69 }))
      .map(([y, mo, d, h, mi, s]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:${String(mi).padStart(2, '0')}:${String(s).padStart(2, '0')}.000Z`);
    fc.assert(fc.property(near, (t) => {
      if (ISO_TIME.test(t)) assert.ok(!Number.isNaN(Date.parse(t)), t);
    }), { numRuns: 500 });
  });
});
