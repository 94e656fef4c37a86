/**
 * The `inputs` of a join: a frozen array of read-only views, one per incoming task, in foreach index
 * or branch order; after a static branch each view is also reachable by its step name. Artifact maps
 * and values load on first access, in windows, so a join over 100,000 partitions that reads one
 * artifact does a few hundred round trips, not 200,000.
 */
import type { ArtifactSet } from '../protocol/task.js';
import type { SyncBridge } from './bridge.js';
import type { ThreadBlobs } from './blob-cache.js';

const WINDOW = 1024;
export const INPUTS_INTERNAL = Symbol('stackmesh.inputs');

export interface InputsInternal {
  /** Artifact map of input i. */
  artifactsOf(i: number): Record<string, string>;
  length: number;
}

export function makeInputs(
  refs: readonly string[], bridge: SyncBridge, blobs: ThreadBlobs, owner: { flow: string; run: string; step: string },
): readonly unknown[] {
  const { step } = owner;
  const maps: Array<Record<string, string> | undefined> = new Array(refs.length);
  const artifactsOf = (i: number): Record<string, string> => {
    if (!maps[i]) {
      const end = Math.min(refs.length, i + WINDOW);
      const got = bridge.request<ArtifactSet[]>({ op: 'artifacts', flow: owner.flow, run: owner.run, refs: refs.slice(i, end) });
      got.forEach((set, k) => {
        maps[i + k] = set.artifacts;
        blobs.addInline(set.inline);
      });
    }
    return maps[i]!;
  };
  const valueOf = (i: number, name: string): unknown => {
    const digest = artifactsOf(i)[name];
    if (digest === undefined) return undefined;
    if (!blobs.has(digest)) {
      // Fetch the same artifact of the next inputs too: joins usually read one field of every input.
      const window: string[] = [];
      for (let k = i; k < Math.min(refs.length, i + 256); k++) {
        const d = maps[k]?.[name];
        if (d && !blobs.has(d)) window.push(d);
      }
      blobs.getMany(window);
    }
    return blobs.value(digest);
  };

  const views = refs.map((ref, i) => {
    const [refStep, refTask] = ref.split('/') as [string, string];
    const cache = new Map<string, unknown>();
    return new Proxy({} as Record<string, unknown>, {
      get(_t, prop) {
        if (typeof prop !== 'string') return undefined;
        if (cache.has(prop)) return cache.get(prop);
        if (!(prop in artifactsOf(i))) {
          if (prop === 'step') return refStep;
          if (prop === 'task') return refTask;
          if (prop === 'pathspec') return ref;
          return undefined;
        }
        const v = valueOf(i, prop);
        cache.set(prop, v);
        return v;
      },
      has(_t, prop) {
        return typeof prop === 'string' && prop in artifactsOf(i);
      },
      ownKeys() {
        return Object.keys(artifactsOf(i));
      },
      getOwnPropertyDescriptor(_t, prop) {
        if (typeof prop !== 'string' || !(prop in artifactsOf(i))) return undefined;
        return { configurable: true, enumerable: true, writable: false, value: valueOf(i, prop) };
      },
      set(_t, prop) {
        throw new TypeError(`step '${step}': inputs are read-only (tried to set '${String(prop)}' on input ${ref})`);
      },
      defineProperty(_t, prop) {
        throw new TypeError(`step '${step}': inputs are read-only (tried to define '${String(prop)}' on input ${ref})`);
      },
      deleteProperty(_t, prop) {
        throw new TypeError(`step '${step}': inputs are read-only (tried to delete '${String(prop)}' on input ${ref})`);
      },
    });
  });
  const arr: unknown[] = [...views];
  const byStep = new Map<string, number>();
  refs.forEach((ref) => { const s = ref.split('/')[0]!; byStep.set(s, (byStep.get(s) ?? 0) + 1); });
  refs.forEach((ref, i) => {
    const s = ref.split('/')[0]!;
    // Named access only makes sense after a static branch, where each step arrives once.
    if (byStep.get(s) === 1 && !(s in arr)) Object.defineProperty(arr, s, { value: views[i], enumerable: false });
  });
  Object.defineProperty(arr, INPUTS_INTERNAL, {
    value: { artifactsOf, get length() { return refs.length; } } satisfies InputsInternal,
    enumerable: false,
  });
  return Object.freeze(arr);
}
