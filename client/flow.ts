/** A flow's runs in a store, newest first, and the flows a store holds. */
import { NotFoundError, UsageError } from '../coordinator/errors.js';
import { flowPrefix, isName, META_ROOT, runKey } from '../protocol/keys.js';
import type { RunRecord } from '../protocol/records.js';
import { mapBounded } from './batch.js';
import { checkFlowName, parseRunRef } from './pathspec.js';
import { Run } from './run.js';
import { resolveClientStore, type ClientOptions, type ClientStore } from './store.js';

export class Flow {
  readonly name: string;
  private readonly store: ClientStore;

  /** Reads nothing; a flow that has no runs in the store simply lists none. */
  constructor(name: string, options: ClientOptions = {}) {
    this.name = checkFlowName(name);
    this.store = resolveClientStore(options);
  }

  get storeUrl(): string {
    return this.store.url;
  }

  /** Run ids, newest first (ids sort by creation time). One `list` call, no records read. */
  async runIds(): Promise<string[]> {
    return runIdsOf(this.store, this.name);
  }

  /** Runs, newest first; with `limit`, only the newest `limit` records are read. */
  async runs(options: { limit?: number } = {}): Promise<Run[]> {
    const ids = await this.runIds();
    return loadRuns(this.store, ids.slice(0, checkLimit(options.limit) ?? ids.length).map((run) => ({ flow: this.name, run })));
  }

  /** The newest run, or undefined when the flow has none. */
  async latestRun(): Promise<Run | undefined> {
    for (const id of await this.runIds()) {
      const rec = await this.store.meta.getJson<RunRecord>(runKey(this.name, id));
      if (rec) return new Run(rec, this.store);
    }
    return undefined;
  }

  async run(id: string): Promise<Run> {
    const ref = parseRunRef(id);
    if (ref.flow !== undefined && ref.flow !== this.name) {
      throw new NotFoundError(`run ${id} is not a run of ${this.name}`);
    }
    const rec = await this.store.meta.getJson<RunRecord>(runKey(this.name, ref.run));
    if (!rec) throw new NotFoundError(`no run ${this.name}/${ref.run} in ${this.store.url}`);
    return new Run(rec, this.store);
  }
}

/** Every flow with runs in the store, by name. One `list` call. */
export async function listFlows(options: ClientOptions = {}): Promise<Flow[]> {
  const store = resolveClientStore(options);
  return (await flowNamesOf(store)).map((name) => new Flow(name, { store: store.backend, concurrency: store.concurrency }));
}

/** Runs of one flow, or of every flow, newest first; with `limit`, only that many records are read. */
export async function listRuns(options: ClientOptions & { flow?: string; limit?: number } = {}): Promise<Run[]> {
  const store = resolveClientStore(options);
  checkLimit(options.limit);
  const flows = options.flow !== undefined ? [checkFlowName(options.flow)] : await flowNamesOf(store);
  const idsByFlow = await mapBounded(flows, store.concurrency, (flow) => runIdsOf(store, flow));
  const refs = flows
    .flatMap((flow, i) => idsByFlow[i]!.map((run) => ({ flow, run })))
    .sort((a, b) => (a.run < b.run ? 1 : a.run > b.run ? -1 : a.flow < b.flow ? -1 : a.flow > b.flow ? 1 : 0));
  return loadRuns(store, refs.slice(0, checkLimit(options.limit) ?? refs.length));
}

/** Directories that cannot name a flow or run (a stray `tmp.1/`) are not flows or runs: they are skipped, not an error. */
export async function flowNamesOf(store: ClientStore): Promise<string[]> {
  return directories(await store.meta.list(META_ROOT)).filter((n) => isName('flow', n));
}

async function runIdsOf(store: ClientStore, flow: string): Promise<string[]> {
  return directories(await store.meta.list(flowPrefix(flow))).filter((n) => isName('run', n)).sort().reverse();
}

async function loadRuns(store: ClientStore, refs: Array<{ flow: string; run: string }>): Promise<Run[]> {
  const recs = await mapBounded(refs, store.concurrency, (r) => store.meta.getJson<RunRecord>(runKey(r.flow, r.run)));
  // A directory without a run record is not a run (the record is written before anything else).
  return recs.filter((r): r is RunRecord => r !== undefined).map((r) => new Run(r, store));
}

function checkLimit(limit: number | undefined): number | undefined {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new UsageError(`limit must be a positive integer, got ${limit}`);
  }
  return limit;
}

function directories(names: string[]): string[] {
  return names.filter((n) => n.endsWith('/')).map((n) => n.slice(0, -1));
}
