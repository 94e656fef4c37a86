/**
 * `npm run bench:decode`: how fast `decodeMessage` turns typical wire bytes back into messages (a
 * coordinator decodes ~10k results a second). Prints ns per message for a single result, a batch of
 * 64 results and a task message of 64 foreach partitions, best of a few rounds.
 */
import { decodeMessage, encodeMessage, type TaskResultMessage, type TaskMessage } from '../protocol/mesh.js';
import type { TaskSpec } from '../protocol/task.js';

const digest = (i: number) => i.toString(16).padStart(64, '0');
const now = '2026-11-27T17:45:12.123Z';

function result(i: number): TaskResultMessage {
  return {
    schema: 'mesh.v1.task.result', flow: 'FanoutFlow', run: '20261127T174512123-a3f0', step: 'square', task: `${i}`, foreach: [i],
    ok: true, artifacts: { n: digest(1), items: digest(2), x: digest(3 + i), y: digest(4 + i) },
    inline: { [digest(3 + i)]: 'AJMBAgM=' }, next: { steps: ['join'] },
    attempt: { attempt: 0, startedAt: now, finishedAt: now, ok: true, worker: 'host/123' }, worker: 'host/123',
  };
}

function spec(i: number): TaskSpec {
  return {
    schema: 'mesh.v1.task.spec', flow: 'FanoutFlow', run: '20261127T174512123-a3f0', step: 'square', task: `${i}`, attempt: 0,
    code: digest(9), className: 'FanoutFlow', foreach: [i], transition: { type: 'linear', to: 'join' }, isJoin: false,
    inherit: { n: digest(1), items: digest(2) }, inline: { [digest(1)]: 'AJMBAgM=' }, params: { n: digest(1) },
    foreachInput: { digest: digest(2), index: i },
  };
}

const cases: Array<[string, Uint8Array, number]> = [
  ['one result', encodeMessage(result(7)), 1],
  ['64 results', encodeMessage({ schema: 'mesh.v1.task.results', results: Array.from({ length: 64 }, (_, i) => result(i)) }), 64],
  ['task of 64 specs', encodeMessage({ schema: 'mesh.v1.task', specs: Array.from({ length: 64 }, (_, i) => spec(i)), policy: { attempts: 3, delayMs: 0 } } satisfies TaskMessage), 64],
];

for (const [name, bytes, per] of cases) {
  const n = Math.max(2000, Math.round(200_000 / per));
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) decodeMessage(bytes);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / n);
  }
  console.log(`${name.padEnd(18)} ${bytes.length} bytes  ${Math.round(best)} ns/message  ${Math.round(best / per)} ns/result or spec`);
}
