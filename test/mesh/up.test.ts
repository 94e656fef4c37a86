/**
 * `mesh up`: a coordinator and workers on this machine, which live exactly as long as it does: a
 * signal drains them, and a kill -9 of `mesh up` itself leaves none of them running.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { example } from '../harness/flows.js';
import { spawnCli, TestMesh } from '../harness/mesh.js';
import { waitFor } from '../harness/wait.js';

let mesh: TestMesh;
before(async () => {
  mesh = await TestMesh.start();
});
after(() => mesh.stop());

/** Processes whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // The command may hold spaces and parentheses: the fields after its closing parenthesis.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Running: it exists and is not a zombie (an orphan's exit may wait for a reaper). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** `mesh up` with two workers, once its three processes said they are ready; their pids. */
async function up(): Promise<{ sup: ChildProcess; children: number[]; log: string[] }> {
  const sup = spawnCli(['up', '--workers', '2', '--concurrency', '1'], mesh.env);
  const log: string[] = [];
  sup.stderr!.setEncoding('utf8');
  sup.stderr!.on('data', (chunk: string) => log.push(...chunk.split('\n').filter(Boolean)));
  await waitFor(() => log.filter((l) => / ready \(/.test(l)).length === 3, 30_000, () => `3 processes ready:\n${log.join('\n')}`);
  const children = childrenOf(sup.pid!);
  assert.equal(children.length, 3, 'a coordinator and two workers');
  return { sup, children, log };
}

describe('mesh up', () => {
  it('runs flows, and SIGTERM drains its coordinator and workers before it exits', async () => {
    const { sup, children, log } = await up();
    const final = await mesh.follow(await mesh.submit(example('hello')));
    assert.equal(final.status, 'succeeded');
    const exited = new Promise<number | null>((r) => sup.once('exit', (code) => r(code)));
    sup.kill('SIGTERM');
    assert.equal(await exited, 0);
    assert.deepEqual(children.filter(alive), []);
    assert.equal(log.filter((l) => /SIGTERM: (draining|finishing)/.test(l)).length, 3, log.join('\n'));
  });

  it('a kill -9 of mesh up leaves none of its processes running: each drains and exits', async () => {
    const { sup, children, log } = await up();
    sup.kill('SIGKILL');
    try {
      await waitFor(() => children.every((p) => !alive(p)), 20_000, () => `its processes to exit (${children.filter(alive).join(', ')} running)`);
    } finally {
      // Orphans would outlive this file (and hold its pipe open).
      for (const p of children.filter(alive)) process.kill(p, 'SIGKILL');
    }
    assert.equal(log.filter((l) => /the end of mesh up: (draining|finishing)/.test(l)).length, 3, log.join('\n'));
  });
});
