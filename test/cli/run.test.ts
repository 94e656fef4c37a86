import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { example, fixture, ROOT, tempDir } from '../harness/flows.js';

const CLI = join(ROOT, 'dist/cli/index.js');
const dir = tempDir('mesh-cli-');
after(() => dir.remove());

function mesh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir.path, env: { ...process.env, MESH_STORE: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('mesh run', () => {
  it('exits 0 on success, stores the run under .mesh in the working directory, and shows task output', async () => {
    const r = await mesh('run', example('hello'), '--param', 'name=cli');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\[end\/0\] hello, cli/);
    assert.match(r.stdout, /Hello\/\S+ succeeded/);
    const runs = await mesh('runs', '--json');
    assert.match(runs.stdout, /"flow":"Hello"/);
  });

  it('--json prints one event per line, ending with run.finished', async () => {
    const r = await mesh('run', example('fanout'), '--param', 'n=3', '--json', '--quiet');
    assert.equal(r.code, 0, r.stderr);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string });
    assert.equal(events[0]!.type, 'run.started');
    assert.deepEqual(events.at(-1)!.type, 'run.finished');
    assert.equal(events.at(-1)!.status, 'succeeded');
    assert.equal(events.filter((e) => e.type === 'task.finished').length, 6);
  });

  it('exits 1 when the run fails, naming the failed partition', async () => {
    const r = await mesh('run', fixture('partitions'), '--param', 'n=5', '--param', 'bad=2');
    assert.equal(r.code, 1);
    assert.match(r.stdout, /failed: Partitions\/\S+\/work\/2/);
    assert.match(r.stdout, /work\/2 attempt 0 failed: cannot handle 2/);
  });

  it('exits 2 on an invalid flow with one line naming the file, line and step', async () => {
    const r = await mesh('run', fixture('invalid-target'));
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    assert.match(r.stderr, /invalid-target\.ts:9: step 'middle': next\(\) names 'fnish', which is not a step/);
  });

  it('exits 2 on a flow that throws at import time, a missing file, and a bad parameter', async () => {
    const thrown = await mesh('run', fixture('import-throws'));
    assert.equal(thrown.code, 2, thrown.stderr);
    assert.match(thrown.stderr, /import-throws\.ts.*configuration missing at import time/);
    const missing = await mesh('run', 'nowhere.ts');
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^mesh: nowhere\.ts: no such file$/m);
    const badParam = await mesh('run', example('fanout'), '--param', 'n=lots');
    assert.equal(badParam.code, 2);
    assert.match(badParam.stderr, /parameter 'n' must be a number, got 'lots'/);
    const badDefault = await mesh('run', fixture('bad-param-default'));
    assert.equal(badDefault.code, 2, badDefault.stderr);
    assert.equal(badDefault.stderr.trim().split('\n').length, 1, badDefault.stderr);
    assert.match(badDefault.stderr, /bad-param-default\.ts: parameter 'count' is declared number, but its default is not: parameter 'count' must be a number, got string/);
  });

  it('mesh graph prints the DAG as text and as dot', async () => {
    const text = await mesh('graph', example('branches'));
    assert.equal(text.code, 0);
    assert.match(text.stdout, /start\s+--split-->\s+countLetters, countWords/);
    const dot = await mesh('graph', example('branches'), '--dot');
    assert.match(dot.stdout, /^digraph/m);
  });

  it('mesh replay re-runs the failed partition after the fix and exits 0', async () => {
    const flow = join(dir.path, 'partitions.ts');
    copyFileSync(fixture('partitions'), flow);
    const first = await mesh('run', flow, '--param', 'n=6', '--json', '--quiet');
    assert.equal(first.code, 1);
    const runId = (JSON.parse(first.stdout.trim().split('\n').at(-1)!) as { run: string }).run;
    writeFileSync(flow, readFileSync(flow, 'utf8').replace('this.input === this.bad', 'this.input < 0'));
    const second = await mesh('replay', `Partitions/${runId}`, '--failed', '--json', '--quiet');
    assert.equal(second.code, 0, second.stderr);
    const events = second.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; step?: string });
    assert.deepEqual(events.filter((e) => e.type === 'task.finished' && e.status === 'succeeded').map((e) => e.step).sort(), ['collect', 'end', 'work']);
  });
});
