import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { InvalidKeyError } from '../../protocol/errors.js';
import { flowPrefix, isTaskId, runKey, stepPrefix, taskKey } from '../../protocol/keys.js';
import { COORD_KEYS } from '../../protocol/mesh.js';
import { checkKey } from '../../store/backend.js';
import { flowName, indices, RUNS, runId, stepName, taskIdOf } from './arbitraries.js';

const KV_KEY = /^[-/=.\w]+$/;

/** Names made of the characters that break keys, valid names, and any text. */
const nasty = fc.oneof(
  fc.string({ unit: fc.constantFrom('a', 'B', '0', '1', '_', '-', '.', '*', '>', ' ', '\n', '\t', '/', '=', 'é'), maxLength: 6 }),
  fc.constantFrom('', '.', '..', 'a.b', '*', '>', 'a b', 'a\nb', '0', '0.1', '1.', '.1', 'x'.repeat(201)),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const anyFlow = fc.oneof(flowName, nasty);
const anyRun = fc.oneof(runId, nasty);
const anyStep = fc.oneof(stepName, nasty);
const anyTask = fc.oneof(taskIdOf, nasty);

function keyOrError(f: () => string): string | undefined {
  try {
    return f();
  } catch (err) {
    assert.ok(err instanceof InvalidKeyError, `threw ${(err as Error).name}: ${(err as Error).message}`);
    assert.doesNotMatch(err.message, /[\n\r\u2028\u2029]/, 'one line');
    return undefined;
  }
}

/** The KV bucket's form of a store key. */
const kv = (key: string) => key.replace(/\//g, '.');

describe('protocol - keys from names', () => {
  it('a task key fits the KV charset, has its six parts and splits back into its names, or the name is an InvalidKeyError', () => {
    fc.assert(fc.property(anyFlow, anyRun, anyStep, anyTask, (flow, run, step, task) => {
      const key = keyOrError(() => taskKey(flow, run, step, task));
      if (key === undefined) return;
      assert.match(key, KV_KEY);
      assert.equal(checkKey(key), key);
      assert.deepEqual(key.split('/'), ['meta', flow, run, 'steps', step, task]);
      const tokens = kv(key).split('.');
      assert.deepEqual([...tokens.slice(0, 5), tokens.slice(5).join('.')], ['meta', flow, run, 'steps', step, task]);
      assert.ok(isTaskId(task));
      assert.equal(stepPrefix(flow, run, step), key.slice(0, key.length - task.length));
    }), { numRuns: 500 });
  });

  it('valid names always give a key', () => {
    fc.assert(fc.property(flowName, runId, stepName, taskIdOf, (flow, run, step, task) => {
      assert.equal(taskKey(flow, run, step, task), `meta/${flow}/${run}/steps/${step}/${task}`);
      assert.equal(kv(runKey(flow, run)).split('.').length, 4);
      assert.equal(flowPrefix(flow), `meta/${flow}/`);
    }), RUNS);
  });

  it('two different sets of names never give the same key, in the store or in KV', () => {
    const distinct = <T extends string[]>(names: fc.Arbitrary<T>, key: (...n: T) => string) => {
      fc.assert(fc.property(names, names, (a, b) => {
        fc.pre(a.join('\u0000') !== b.join('\u0000'));
        const ka = keyOrError(() => key(...a));
        const kb = keyOrError(() => key(...b));
        if (ka === undefined || kb === undefined) return;
        assert.notEqual(kv(ka), kv(kb));
      }), { numRuns: 500 });
    };
    distinct(fc.tuple(anyFlow, anyRun, anyStep, anyTask), taskKey);
    distinct(fc.tuple(anyFlow, anyRun), runKey);
  });

  it('the collisions a dot used to cause: Flow a.b run c and Flow a run b.c', () => {
    assert.throws(() => runKey('a.b', 'c'), InvalidKeyError);
    assert.throws(() => runKey('a', 'b.c'), InvalidKeyError);
    assert.throws(() => taskKey('F', 'r', 's.0', '1'), InvalidKeyError);
    assert.throws(() => taskKey('F', 'r', 's', '*'), /task id '\*' cannot be part of a key/);
    assert.throws(() => runKey('F', 'a\nb'), /run id 'a\\u000ab'/);
  });
});

describe('protocol - coordination keys', () => {
  it('fit the KV charset with a fixed number of tokens before the task id, or throw InvalidKeyError', () => {
    fc.assert(fc.property(anyRun, anyStep, anyTask, indices, fc.nat({ max: 50 }), (run, step, task, stack, attempt) => {
      const keys: Array<[string | undefined, string[]]> = [
        [keyOrError(() => COORD_KEYS.join(run, step, stack)), ['coord', run, 'join', step, stack.length ? stack.join('-') : '_']],
        [keyOrError(() => COORD_KEYS.fanout(run, step, stack)), ['coord', run, 'fanout', step, stack.length ? stack.join('-') : '_']],
        [keyOrError(() => COORD_KEYS.failed(run, step, task)), ['coord', run, 'failed', step, task]],
        [keyOrError(() => COORD_KEYS.attempt(run, step, task, attempt)), ['coord', run, 'attempt', step, String(attempt), task]],
      ];
      for (const [key, parts] of keys) {
        if (key === undefined) continue;
        assert.match(key, KV_KEY);
        const tokens = key.split('.');
        const fixed = parts.length - 1;
        assert.deepEqual([...tokens.slice(0, fixed), tokens.slice(fixed).join('.')], parts);
      }
    }), RUNS);
  });

  it('reject attempt numbers and foreach positions that are not natural numbers', () => {
    assert.throws(() => COORD_KEYS.attempt('r', 's', '0', -1), InvalidKeyError);
    assert.throws(() => COORD_KEYS.attempt('r', 's', '0', 1.5), InvalidKeyError);
    assert.throws(() => COORD_KEYS.join('r', 's', [NaN]), InvalidKeyError);
    assert.throws(() => COORD_KEYS.fanout('r', 's', [1.5]), InvalidKeyError);
  });
});
