/**
 * `mesh watch` progress: per step a bar with done/running/failed/total partitions, tasks/s and ETA,
 * and the latest failures with their first error line. Redrawn in place on a terminal, printed every
 * few seconds otherwise.
 */
import type { MeshEvent } from '../protocol/mesh.js';

interface StepState {
  total?: number;
  done: number;
  running: number;
  failed: number;
  cloned: number;
  first?: number;
  last?: number;
}

export class WatchPrinter {
  private readonly steps = new Map<string, StepState>();
  private readonly order: string[] = [];
  private readonly failures: string[] = [];
  private header = '';
  private footer = '';
  private lastDraw = 0;
  private drawnLines = 0;

  constructor(private readonly out: NodeJS.WriteStream, order: string[] = []) {
    this.order.push(...order);
  }

  private step(name: string): StepState {
    let s = this.steps.get(name);
    if (!s) {
      s = { done: 0, running: 0, failed: 0, cloned: 0 };
      this.steps.set(name, s);
      if (!this.order.includes(name)) this.order.push(name);
    }
    return s;
  }

  event(e: MeshEvent): void {
    const now = Date.parse(e.time) || Date.now();
    switch (e.type) {
      case 'run.started':
        this.header = `${e.flow}/${e.run} (started ${e.time.slice(0, 19).replace('T', ' ')} UTC)`;
        break;
      case 'step.planned':
        this.step(e.step).total = e.count;
        break;
      case 'task.started': {
        const s = this.step(e.step);
        s.running++;
        s.first ??= now;
        break;
      }
      case 'task.finished': {
        const s = this.step(e.step);
        if (e.status === 'cloned') s.cloned++;
        else {
          s.done++;
          s.running = Math.max(0, s.running - 1);
        }
        s.last = now;
        break;
      }
      case 'task.failed': {
        const s = this.step(e.step);
        s.running = Math.max(0, s.running - 1);
        if (!e.willRetry) s.failed++;
        this.failures.push(`${e.step}/${e.task} attempt ${e.attempt}: ${e.error}${e.willRetry ? ' (will retry)' : ''}`);
        if (this.failures.length > 5) this.failures.shift();
        break;
      }
      case 'run.finished':
        this.footer = `${e.status} in ${(e.durationMs / 1000).toFixed(1)} s (${e.tasks.succeeded} succeeded, ${e.tasks.cloned} cloned, ${e.tasks.failed} failed)`
          + (e.failed.length ? `\nfailed: ${e.failed.slice(0, 20).join(', ')}${e.failed.length > 20 ? `, ... (${e.failed.length})` : ''}` : '');
        this.draw(true);
        return;
      case 'task.log':
        return;
    }
    this.draw(false);
  }

  private lines(): string[] {
    const out = [this.header];
    const width = Math.max(...this.order.map((s) => s.length), 4);
    for (const name of this.order) {
      const s = this.steps.get(name);
      if (!s) continue;
      const total = s.total ?? Math.max(1, s.done + s.cloned + s.failed + s.running);
      const finished = s.done + s.cloned + s.failed;
      const frac = Math.min(1, finished / total);
      const bar = '#'.repeat(Math.round(frac * 24)).padEnd(24, '.');
      const secs = s.first && s.last ? (s.last - s.first) / 1000 : 0;
      const rate = secs > 0 ? s.done / secs : 0;
      const eta = rate > 0 && finished < total ? ` ETA ${Math.ceil((total - finished) / rate)} s` : '';
      out.push(`${name.padEnd(width)} [${bar}] ${finished}/${total} done ${s.running} running ${s.failed} failed${s.cloned ? ` ${s.cloned} cloned` : ''}${rate ? ` ${Math.round(rate)} tasks/s` : ''}${eta}`);
    }
    if (this.failures.length) out.push('latest failures:', ...this.failures.map((f) => `  ${f}`));
    if (this.footer) out.push(this.footer);
    return out;
  }

  private draw(final: boolean): void {
    const now = Date.now();
    const tty = this.out.isTTY === true;
    if (!final && now - this.lastDraw < (tty ? 200 : 2000)) return;
    this.lastDraw = now;
    const lines = this.lines();
    if (tty && this.drawnLines > 0) this.out.write(`\x1b[${this.drawnLines}F\x1b[J`);
    this.out.write(`${lines.join('\n')}\n`);
    this.drawnLines = tty ? lines.join('\n').split('\n').length : 0;
  }
}
