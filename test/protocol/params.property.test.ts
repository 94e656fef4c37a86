import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ParamError, UsageError } from '../../coordinator/errors.js';
import { parseParamPairs, parseParamString, resolveParams } from '../../coordinator/params.js';
import type { ParamType } from '../../sdk/meta.js';
import { RUNS } from './arbitraries.js';

const TYPES: ParamType[] = ['string', 'number', 'boolean', 'json'];
const anyText = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom('1e3', ' 5', '0x10', 'NaN', 'Infinity', '', '\n', 'a\u2028b', '{"a":\n1}'));
const paramName = fc.oneof(fc.stringMatching(/^[a-z_]\w{0,10}$/), fc.constantFrom('constructor', 'toString', '__proto__', 'a\nb', 'x y'));
const ONE_LINE = /^[^\n\r\u2028\u2029\u0085]*$/;

/** What `f` gave, or the ParamError it threw after checking the error names the parameter on one line. */
function valueOrParamError(name: string, f: () => unknown): { value: unknown } | { error: ParamError } {
  try {
    return { value: f() };
  } catch (err) {
    assert.ok(err instanceof ParamError, `threw ${(err as Error).name}: ${(err as Error).message}`);
    assert.ok(err instanceof UsageError, 'a usage error (exit code 2)');
    assert.equal(err.param, name);
    assert.match(err.message, ONE_LINE);
    assert.ok(err.message.includes(`'${name.replace(/\n/g, '\\u000a')}'`), `names the parameter: ${err.message}`);
    return { error: err };
  }
}

describe('params - strings from --param', () => {
  it('any text for any type gives a value or a one-line ParamError naming the parameter and the value', () => {
    fc.assert(fc.property(paramName, fc.constantFrom(...TYPES), anyText, (name, type, raw) => {
      const r = valueOrParamError(name, () => parseParamString(name, type, raw));
      if ('error' in r) {
        assert.equal(r.error.value, raw);
        if (raw.length < 60 && /^[\x20-\x7e]*$/.test(raw)) assert.ok(r.error.message.includes(`'${raw}'`), r.error.message);
      }
    }), { numRuns: 500 });
  });

  it('strings are taken as they are', () => {
    fc.assert(fc.property(anyText, (raw) => assert.equal(parseParamString('s', 'string', raw), raw)), RUNS);
  });

  it('numbers: every finite number round-trips through its text', () => {
    fc.assert(fc.property(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })), (n) => {
      const parsed = parseParamString('n', 'number', String(n));
      assert.ok(parsed === n || (parsed === 0 && n === 0), `${n} -> ${parsed}`);
    }), RUNS);
  });

  it('numbers: decimal text only, as documented in coordinator/params.ts', () => {
    const accepted: Array<[string, number]> = [['5', 5], ['-2.5', -2.5], ['1e3', 1000], ['1E-3', 0.001], ['.5', 0.5], ['5.', 5], ['+7', 7], ['007', 7], ['-0', -0]];
    for (const [raw, n] of accepted) assert.equal(parseParamString('n', 'number', raw), n, raw);
    for (const raw of [' 5', '5 ', '\n5', '0x10', '0b1', '0o7', 'NaN', 'Infinity', '-Infinity', '', ' ', '1e400', '1_000', '1,5', '5n', '--5', 'e3', '.', '+']) {
      assert.throws(() => parseParamString('n', 'number', raw), (err: Error) => err instanceof ParamError && err.message.startsWith("parameter 'n' must be a number, got '"), JSON.stringify(raw));
    }
  });

  it('numbers: text is accepted exactly when it is a finite decimal', () => {
    const decimal = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('0', '1', '9', '.', 'e', 'E', '+', '-', 'x', ' ', 'I'), maxLength: 8 }), (raw) => {
      const r = valueOrParamError('n', () => parseParamString('n', 'number', raw));
      assert.equal('value' in r, decimal.test(raw) && Number.isFinite(Number(raw)), JSON.stringify(raw));
    }), { numRuns: 500 });
  });

  it('booleans: true/1/yes and false/0/no in any case, nothing else', () => {
    fc.assert(fc.property(fc.oneof(anyText, fc.constantFrom('TRUE', 'Yes', 'no', '0', '1', 'false', ' true')), (raw) => {
      const r = valueOrParamError('b', () => parseParamString('b', 'boolean', raw));
      const lower = raw.toLowerCase();
      const expected = ['true', '1', 'yes'].includes(lower) ? true : ['false', '0', 'no'].includes(lower) ? false : undefined;
      if (expected === undefined) assert.ok('error' in r, JSON.stringify(raw));
      else assert.deepEqual(r, { value: expected });
    }), RUNS);
    fc.assert(fc.property(fc.boolean(), (b) => assert.equal(parseParamString('b', 'boolean', String(b)), b)));
  });

  it('json: every JSON value round-trips through its text; a parse error stays on one line', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => {
      const textOf = JSON.stringify(v);
      assert.deepEqual(parseParamString('j', 'json', textOf), JSON.parse(textOf));
    }), RUNS);
    assert.throws(() => parseParamString('j', 'json', 'abc\ndef'), (err: Error) => ONE_LINE.test(err.message) && /parameter 'j' must be JSON, got 'abc\\u000adef'/.test(err.message));
  });
});

describe('params - name=value pairs', () => {
  it('split at the first =, keep any name as an own entry (even __proto__), and reject pairs without a name', () => {
    const name = fc.oneof(paramName, fc.string({ maxLength: 8 })).filter((n) => n !== '' && !n.includes('='));
    fc.assert(fc.property(fc.array(fc.tuple(name, anyText), { maxLength: 5 }), (pairs) => {
      const out = parseParamPairs(pairs.map(([k, v]) => `${k}=${v}`));
      const last = new Map(pairs);
      assert.deepEqual(Object.keys(out).sort(), [...last.keys()].sort());
      for (const [k, v] of last) assert.equal(Object.getOwnPropertyDescriptor(out, k)?.value, v);
    }), RUNS);
    fc.assert(fc.property(anyText, (v) => {
      for (const pair of [`=${v}`, v.replace(/=/g, '')]) {
        assert.throws(() => parseParamPairs([pair]), (err: Error) => err instanceof UsageError && ONE_LINE.test(err.message));
      }
    }), RUNS);
  });
});

describe('params - resolving against the flow', () => {
  it('names the flow does not declare are unknown, inherited object members included', () => {
    fc.assert(fc.property(paramName, anyText, (name, raw) => {
      fc.pre(name !== 'n');
      const given: Record<string, unknown> = {};
      Object.defineProperty(given, name, { value: raw, enumerable: true });
      const r = valueOrParamError(name, () => resolveParams({ n: { default: 1 } }, given));
      assert.ok('error' in r && /^unknown parameter/.test(r.error.message), `${JSON.stringify(name)} is unknown`);
    }), RUNS);
  });

  it('a parameter named like an object member gets its default, and a value given for it', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const specs: Record<string, { default: string }> = {};
      Object.defineProperty(specs, name, { value: { default: 'd' }, enumerable: true });
      assert.equal(Object.getOwnPropertyDescriptor(resolveParams(specs, {}), name)?.value, 'd', name);
      const given = parseParamPairs([`${name}=v`]);
      assert.equal(Object.getOwnPropertyDescriptor(resolveParams(specs, given), name)?.value, 'v', name);
    }
  });

  it('typed values from the API: finite numbers, and JSON data for json', () => {
    const specs = { n: { type: 'number' as const }, j: { type: 'json' as const }, b: { type: 'boolean' as const }, s: { type: 'string' as const } };
    // A string is command-line text for every type (parsed, not checked): a json value here is anything else.
    const jsonData = fc.jsonValue().filter((v) => typeof v !== 'string');
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), jsonData, fc.boolean(), fc.string(), (n, j, b, s) => {
      const json = JSON.parse(JSON.stringify(j)) as unknown;
      assert.deepEqual(resolveParams(specs, { n, j: json, b, s }), { n, j: json, b, s });
    }), RUNS);
    for (const [name, value] of [['n', NaN], ['n', Infinity], ['n', '5' as unknown as number], ['j', 1n], ['j', { a: () => 1 }], ['j', { d: new Date(0) }], ['j', [undefined]], ['j', { x: NaN }], ['b', 'true'], ['s', 5]] as const) {
      if (typeof value === 'string') continue; // strings are parsed, not checked
      assert.throws(() => resolveParams(specs, { [name]: value }), (err: Error) => err instanceof ParamError && err.param === name && ONE_LINE.test(err.message), `${name}=${String(value)}`);
    }
  });
});
