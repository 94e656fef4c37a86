/** One task of a step, as its record says: status, attempts, artifacts by digest, logs by digest. */
import { NotFoundError, UsageError } from '../coordinator/errors.js';
import type { AttemptRecord, TaskRecord, TaskStatus } from '../protocol/records.js';
import { Artifact } from './artifact.js';
import type { ClientStore } from './store.js';

const decoder = new TextDecoder('utf-8');

export class Task {
  /** Made by `Step.task(id)` and `Step.tasks()` from a record already read. */
  constructor(private readonly rec: TaskRecord, private readonly store: ClientStore) {}

  get id(): string {
    return this.rec.task;
  }

  get flow(): string {
    return this.rec.flow;
  }

  get runId(): string {
    return this.rec.run;
  }

  get stepName(): string {
    return this.rec.step;
  }

  get pathspec(): string {
    return `${this.rec.flow}/${this.rec.run}/${this.rec.step}/${this.rec.task}`;
  }

  get status(): TaskStatus {
    return this.rec.status;
  }

  /** Succeeded here, or cloned from a task that succeeded in an earlier run. */
  get successful(): boolean {
    return this.rec.status === 'succeeded' || this.rec.status === 'cloned';
  }

  /** Foreach indices from the outermost split inward; empty outside any foreach. */
  get foreach(): readonly number[] {
    return this.rec.foreach;
  }

  get attempts(): readonly AttemptRecord[] {
    return this.rec.attempts;
  }

  /** For a cloned task: the pathspec it was cloned from. */
  get clonedFrom(): string | undefined {
    return this.rec.clonedFrom;
  }

  get startedAt(): Date | undefined {
    return this.rec.startedAt ? new Date(this.rec.startedAt) : undefined;
  }

  get finishedAt(): Date | undefined {
    return this.rec.finishedAt ? new Date(this.rec.finishedAt) : undefined;
  }

  /** From the first attempt's start to the last one's end; undefined until the task has finished. */
  get durationMs(): number | undefined {
    if (!this.rec.startedAt || !this.rec.finishedAt) return undefined;
    return Date.parse(this.rec.finishedAt) - Date.parse(this.rec.startedAt);
  }

  /** The last attempt's error line, for a failed task. */
  get error(): string | undefined {
    const last = this.rec.attempts[this.rec.attempts.length - 1];
    if (!last || last.ok || !last.error) return undefined;
    return last.errorName ? `${last.errorName}: ${last.error}` : last.error;
  }

  record(): TaskRecord {
    return this.rec;
  }

  /** Every artifact, by name. Reads nothing: values load on `Artifact.value()`. */
  artifacts(): Artifact[] {
    return Object.keys(this.rec.artifacts)
      .sort()
      .map((name) => this.artifactOf(name, this.rec.artifacts[name]!));
  }

  artifactNames(): string[] {
    return Object.keys(this.rec.artifacts).sort();
  }

  artifact(name: string): Artifact {
    const digest = Object.hasOwn(this.rec.artifacts, name) ? this.rec.artifacts[name] : undefined;
    if (digest === undefined) {
      const names = this.artifactNames();
      const why = names.length > 0
        ? `it has ${names.join(', ')}`
        : this.rec.status === 'failed' ? 'a failed task stores none' : 'it has none';
      throw new NotFoundError(`task ${this.pathspec} has no artifact '${name}' (${why})`);
    }
    return this.artifactOf(name, digest);
  }

  private artifactOf(name: string, digest: string): Artifact {
    return new Artifact(this.pathspec, name, digest, this.store, this.rec.inline?.[digest]);
  }

  /**
   * What the task printed (stdout and stderr together) in one attempt, the last by default.
   * An attempt that printed nothing gives ''.
   */
  async logs(attempt?: number): Promise<string> {
    const attempts = this.rec.attempts;
    if (attempt === undefined) {
      const last = attempts[attempts.length - 1];
      return last ? this.readLog(last) : '';
    }
    if (!Number.isInteger(attempt) || attempt < 0) {
      throw new UsageError(`attempt must be a non-negative integer, got ${attempt}`);
    }
    const found = attempts.find((a) => a.attempt === attempt);
    if (!found) {
      const have = attempts.length === 0 ? 'none' : attempts.map((a) => a.attempt).join(', ');
      throw new NotFoundError(`task ${this.pathspec} has no attempt ${attempt} (attempts: ${have})`);
    }
    return this.readLog(found);
  }

  private async readLog(attempt: AttemptRecord): Promise<string> {
    if (!attempt.log) return '';
    return decoder.decode(await this.store.blobs.get(attempt.log));
  }
}
