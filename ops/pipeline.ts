/**
 * The contract every dataset operator shares (datatrove's PipelineStep, made small): a document goes
 * in, and a step either passes it on (possibly changed) or drops it with a reason. The runner counts
 * documents in, out and dropped per reason, and times each step, so every drop ends up in the run's
 * stats.
 *
 *   const steps = [sizeFilter({ maxBytes: 1 << 20 }), languageStep(), secretsStep()];
 *   const stats = new PipelineStats();
 *   for (const doc of batch) { const kept = runPipeline(steps, doc, stats); if (kept) write(kept); }
 *   stats.toJSON();   // { in, out, dropped: { 'size:too_large': 3, ... }, steps: { size: { ms, in, out } } }
 */

/** One source file with what the operators learned about it. */
export interface Doc {
  /** Stable id: repo/path, or the path inside the source. */
  id: string;
  path: string;
  content: string;
  /** Everything operators add (language, licenses, findings, ...). */
  meta: Record<string, unknown>;
}

/** What a step says about a document. */
export type StepOutcome = { keep: true; doc?: Doc } | { keep: false; reason: string };

export interface Step {
  /** Short name; drop reasons are counted as `<name>:<reason>`. */
  readonly name: string;
  run(doc: Doc): StepOutcome;
}

export const keep = (doc?: Doc): StepOutcome => (doc ? { keep: true, doc } : { keep: true });
export const drop = (reason: string): StepOutcome => ({ keep: false, reason });

/** A step from a predicate: `filter('size', (d) => d.content.length > max ? 'too_large' : undefined)`. */
export function filter(name: string, why: (doc: Doc) => string | undefined): Step {
  return { name, run: (doc) => { const reason = why(doc); return reason === undefined ? keep() : drop(reason); } };
}

interface StepStats { in: number; out: number; ms: number }

/** Counts that merge: partitions count on their own, the join adds them up. */
export class PipelineStats {
  docsIn = 0;
  docsOut = 0;
  readonly dropped = new Map<string, number>();
  readonly steps = new Map<string, StepStats>();

  drop(reason: string, n = 1): void {
    this.dropped.set(reason, (this.dropped.get(reason) ?? 0) + n);
  }

  step(name: string): StepStats {
    let s = this.steps.get(name);
    if (!s) this.steps.set(name, (s = { in: 0, out: 0, ms: 0 }));
    return s;
  }

  merge(other: PipelineStats | PipelineStatsJSON): this {
    const o = other instanceof PipelineStats ? other.toJSON() : other;
    this.docsIn += o.in;
    this.docsOut += o.out;
    for (const [reason, n] of Object.entries(o.dropped)) this.drop(reason, n);
    for (const [name, s] of Object.entries(o.steps)) {
      const mine = this.step(name);
      mine.in += s.in;
      mine.out += s.out;
      mine.ms += s.ms;
    }
    return this;
  }

  /** Sorted keys, so the same counts serialize to the same bytes. */
  toJSON(): PipelineStatsJSON {
    const sorted = <T>(m: Map<string, T>) => Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return { in: this.docsIn, out: this.docsOut, dropped: sorted(this.dropped), steps: sorted(this.steps) };
  }

  static fromJSON(json: PipelineStatsJSON): PipelineStats {
    return new PipelineStats().merge(json);
  }
}

export interface PipelineStatsJSON {
  in: number;
  out: number;
  dropped: Record<string, number>;
  steps: Record<string, StepStats>;
}

/**
 * Runs a document through the steps in order; returns it (as changed by the steps) or undefined when
 * a step dropped it. A step that throws drops the document with reason `<step>:error` rather than
 * failing the whole batch: one broken file must not lose the others.
 */
export function runPipeline(steps: readonly Step[], doc: Doc, stats: PipelineStats): Doc | undefined {
  stats.docsIn++;
  let current = doc;
  for (const step of steps) {
    const s = stats.step(step.name);
    s.in++;
    const t0 = performance.now();
    let outcome: StepOutcome;
    try {
      outcome = step.run(current);
    } catch (err) {
      outcome = drop(`error`);
      current.meta.error = `${step.name}: ${(err as Error)?.message ?? String(err)}`;
    }
    s.ms += performance.now() - t0;
    if (!outcome.keep) {
      stats.drop(`${step.name}:${outcome.reason}`);
      return undefined;
    }
    s.out++;
    if (outcome.doc) current = outcome.doc;
  }
  stats.docsOut++;
  return current;
}
