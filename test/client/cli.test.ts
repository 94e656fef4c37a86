import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { getCommand, toJsonValue } from '../../cli/commands/get.js';
import { logsCommand } from '../../cli/commands/logs.js';
import { formatDuration, runsCommand } from '../../cli/commands/runs.js';
import { showCommand } from '../../cli/commands/show.js';
import { FAILED_TASK, FANOUT_RUN, FANOUT_TASKS, LINEAR_NEW, LINEAR_OLD, TestStore, writeFixtures } from './fixtures.js';

const CLI = fileURLToPath(new URL('../../cli/index.js', import.meta.url));

interface Result { code: number; stdout: string; stderr: string }

function mesh(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.MESH_STORE;
    execFile(process.execPath, [CLI, ...args], { env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

let store: TestStore;
before(async () => {
  store = await TestStore.create();
  await writeFixtures(store);
});
after(() => store.remove());

describe('cli - mesh runs', () => {
  it('prints a table of every run, newest first', async () => {
    const lines = (await runsCommand(undefined, { store: store.root })).trimEnd().split('\n');
    assert.match(lines[0]!, /^FLOW\s+RUN\s+STATUS\s+CREATED\s+DURATION$/);
    assert.match(lines[1]!, new RegExp(`^Fanout\\s+${FANOUT_RUN}\\s+failed\\s+2026-11-27 12:00:00\\s+1m05s$`));
    assert.match(lines[2]!, new RegExp(`^Linear\\s+${LINEAR_NEW}\\s+running\\s+2026-11-27 11:00:00\\s+-$`));
    assert.match(lines[3]!, new RegExp(`^Linear\\s+${LINEAR_OLD}\\s+succeeded\\s+.*2\\.50s$`));
    assert.equal(lines.length, 4);
  });

  it('prints one JSON object per run of one flow', async () => {
    const lines = (await runsCommand('Linear', { store: store.root, json: true })).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((l) => [l.run, l.status]), [[LINEAR_NEW, 'running'], [LINEAR_OLD, 'succeeded']]);
    assert.equal(lines[1].durationMs, 2500);
  });

  it('says so when there are no runs', async () => {
    assert.match(await runsCommand('Nothing', { store: store.root }), /^no runs of Nothing in file:/);
  });

  it('formats durations for people', () => {
    assert.deepEqual([850, 2500, 12_340, 65_000, 7_380_000, undefined].map(formatDuration), ['850ms', '2.50s', '12.3s', '1m05s', '2h03m', '-']);
  });
});

describe('cli - mesh show', () => {
  it('shows the header, every task of small steps, and only failures of a large one', async () => {
    const text = await showCommand(FANOUT_RUN, { store: store.root });
    assert.match(text, new RegExp(`^Fanout/${FANOUT_RUN}\\n`));
    assert.match(text, /\n {2}status\s+failed\n/);
    assert.match(text, new RegExp(`\\n {2}params\\s+width=${FANOUT_TASKS}\\n`));
    assert.match(text, /\n {2}finished\s+2026-11-27 12:01:05 UTC \(1m05s\)\n/);
    assert.match(text, new RegExp(`\\n {2}failed\\s+Fanout/${FANOUT_RUN}/process/${FAILED_TASK}\\n`));
    assert.match(text, /\nstart {2}1 task: 1 succeeded {2}total 10ms, avg 10ms\n {2}0\s+succeeded\s+1 attempt\s+10ms\s+items\n/);
    assert.match(text, /\nprocess {2}150 tasks: 149 succeeded, 1 failed {2}total 1\.51s, avg 10ms\n {2}failed:\n {2}7\s+failed\s+2 attempts\s+20ms\s+Error: boom 1\n/);
    assert.doesNotMatch(text, /\n {2}8\s+succeeded/);
    assert.match(text, /\njoin {2}\(not run\)\n\nend {2}\(not run\)\n$/);
  });

  it('prints the run, each step and its listed tasks as JSON lines', async () => {
    const lines = (await showCommand(`Linear/${LINEAR_OLD}`, { store: store.root, json: true })).trimEnd().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines[0].type, 'run');
    assert.equal(lines[0].run, LINEAR_OLD);
    assert.equal(lines[0].graph, undefined);
    assert.deepEqual(lines.slice(1).map((l) => `${l.type}:${l.step}`), [
      'step:start', 'task:start', 'step:middle', 'task:middle', 'step:end', 'task:end',
    ]);
    assert.deepEqual(lines[6].artifacts, ['big', 'counts', 'n', 'tags', 'text', 'vec', 'when']);
  });
});

describe('cli - mesh logs and mesh get', () => {
  it('prints the last attempt’s log, or the one asked for', async () => {
    const spec = `Fanout/${FANOUT_RUN}/process/${FAILED_TASK}`;
    assert.equal(await logsCommand(spec, { store: store.root }), 'try 1\n');
    assert.equal(await logsCommand(spec, { store: store.root, attempt: 0 }), 'try 0\n');
  });

  it('prints a value with util.inspect, a string as it is', async () => {
    const base = `Linear/${LINEAR_OLD}/end/0`;
    assert.equal(await getCommand(`${base}/counts`, { store: store.root }), "Map(2) { 'a' => 1, 'b' => 2 }\n");
    assert.equal(await getCommand(`${base}/text`, { store: store.root }), 'hello\nworld\n');
  });

  it('prints JSON with Map, Set, BigInt, Date and typed arrays made plain', async () => {
    const base = `Linear/${LINEAR_OLD}/end/0`;
    const get = async (name: string) => JSON.parse(await getCommand(`${base}/${name}`, { store: store.root, json: true }));
    assert.deepEqual(await get('counts'), { a: 1, b: 2 });
    assert.deepEqual(await get('tags'), ['x', 'y']);
    assert.equal(await get('big'), '12345678901234567890');
    assert.equal(await get('when'), '2026-11-27T10:00:01.000Z');
    assert.deepEqual(await get('vec'), [1.5, 2.5]);
  });

  it('turns nested and cyclic values into plain JSON', () => {
    const cyclic: Record<string, unknown> = { n: 1n };
    cyclic.self = cyclic;
    assert.deepEqual(toJsonValue(new Map<unknown, unknown>([[1, new Set([new Uint8Array([7])])], ['k', undefined]])), { 1: [[7]], k: null });
    assert.deepEqual(toJsonValue(cyclic), { n: '1', self: '[Circular]' });
    assert.deepEqual(toJsonValue([new BigInt64Array([5n])]), [['5']]);
  });
});

describe('cli - the mesh command', { skip: !existsSync(CLI) && 'dist/cli/index.js is not built' }, () => {
  it('shows a run found by its bare id', async () => {
    const r = await mesh('show', FANOUT_RUN, '--store', store.root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /process {2}150 tasks: 149 succeeded, 1 failed/);
  });

  it('lists runs, prints logs and gets values', async () => {
    const runs = await mesh('runs', '--store', store.root, '--json');
    assert.equal(runs.code, 0, runs.stderr);
    assert.equal(runs.stdout.trimEnd().split('\n').length, 3);
    const logs = await mesh('logs', `Fanout/${FANOUT_RUN}/process/${FAILED_TASK}`, '--attempt', '0', '--store', store.root);
    assert.deepEqual([logs.code, logs.stdout], [0, 'try 0\n']);
    const get = await mesh('get', `Linear/${LINEAR_OLD}/end/0/tags`, '--json', '--store', store.root);
    assert.deepEqual([get.code, get.stdout], [0, '["x","y"]\n']);
  });

  it('fails with one line naming the run and the store when the run is missing', async () => {
    const r = await mesh('show', 'Fanout/20200101T000000000-0000', '--store', store.root);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^mesh: no run Fanout\/20200101T000000000-0000 in file:\/\/\S+\n$/);
  });

  it('exits 2 on a malformed pathspec or attempt number', async () => {
    const bad = await mesh('logs', `Fanout/${FANOUT_RUN}/process`, '--store', store.root);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /names a step: expected Flow\/run\/step\/task/);
    const attempt = await mesh('logs', `Fanout/${FANOUT_RUN}/process/7`, '--attempt', 'x', '--store', store.root);
    assert.equal(attempt.code, 2);
  });
});
