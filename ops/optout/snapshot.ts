/**
 * The registry as one run applies it: an immutable, sorted set of entries with a stable digest, so a
 * dataset's manifest can say exactly which opt-outs were honoured (and a later audit can check it),
 * and the pipeline step that applies it.
 */
import { createHash } from 'node:crypto';
import { drop, keep, type Step } from '../pipeline.js';
import { parseEntry, parseRepo, type OptOutEntry } from './entry.js';

/** sha256 (hex) of the sorted canonical entries, one per line, each ending in '\n': the bytes of a clean registry file. */
export function digestEntries(sorted: readonly string[]): string {
  const h = createHash('sha256');
  for (const e of sorted) h.update(`${e}\n`);
  return h.digest('hex');
}

export class OptOutSnapshot {
  /** Canonical entries (`owner` or `owner/repo`, lower case), sorted, without duplicates. */
  readonly entries: readonly string[];
  readonly digest: string;
  /** Where it was read: a file:// URL, `nats://…/kv/<bucket>`, or `memory`. */
  readonly source: string;
  readonly #owners: Set<string>;
  readonly #repos: Set<string>;

  /** Entries are parsed (bad ones throw InvalidOptOutEntryError) and canonicalised. */
  constructor(entries: Iterable<string | OptOutEntry>, source = 'memory') {
    const parsed = [...entries].map((e) => (typeof e === 'string' ? parseEntry(e) : e));
    this.#owners = new Set(parsed.filter((e) => e.kind === 'owner').map((e) => e.owner));
    this.#repos = new Set(parsed.filter((e) => e.kind === 'repo').map((e) => e.text));
    this.entries = Object.freeze([...new Set(parsed.map((e) => e.text))].sort(byCodeUnit));
    this.digest = digestEntries(this.entries);
    this.source = source;
    Object.freeze(this);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The entry that opts out a document with this `meta.repo` (the owner's entry first), or undefined. */
  match(repo: unknown): string | undefined {
    const ref = parseRepo(repo);
    if (!ref) return undefined;
    if (this.#owners.has(ref.owner)) return ref.owner;
    const full = ref.repo === undefined ? undefined : `${ref.owner}/${ref.repo}`;
    return full !== undefined && this.#repos.has(full) ? full : undefined;
  }

  matches(repo: unknown): boolean {
    return this.match(repo) !== undefined;
  }

  /** What a run records: where the registry came from, how many entries, and their digest. */
  toJSON(): { source: string; entries: number; digest: string } {
    return { source: this.source, entries: this.entries.length, digest: this.digest };
  }
}

export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export const OPTOUT_STEP = 'optout';
export const OPTED_OUT = 'opted_out';

/**
 * A document without a readable `meta.repo` is kept: the registry names repositories, and a file
 * whose origin is unknown cannot be matched against it. Put the step after whatever sets `meta.repo`.
 */
export function optoutStep(snapshot: OptOutSnapshot): Step {
  return {
    name: OPTOUT_STEP,
    run: (doc) => (snapshot.matches(doc.meta.repo) ? drop(OPTED_OUT) : keep()),
  };
}
