/**
 * Artifacts on a flow instance while a step runs. Inherited artifacts become lazy accessors: a step
 * that never reads `this.items` never loads it, and an artifact that was neither read nor set keeps
 * its digest without being serialized again. Anything read may have been mutated in place, so it is
 * serialized again at the end (the same value gives the same digest).
 */
import { encodeBlob, INLINE_MAX_BYTES, INLINE_TOTAL_BYTES, toInline, type InlineBlobs } from '../protocol/cas.js';
import { packValue, unstorableReason } from '../protocol/artifacts.js';
import { ArtifactError } from '../sdk/errors.js';
import type { ThreadBlobs } from './blob-cache.js';

type SlotState = 'untouched' | 'read' | 'set';

interface Slot {
  digest: string;
  state: SlotState;
  value?: unknown;
  readOnly: boolean;
}

export class ArtifactSlots {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly target: object, private readonly blobs: ThreadBlobs, private readonly step: string) {}

  /** Defines `name` on the instance as an artifact with this digest, loaded on first read. */
  inherit(name: string, digest: string, readOnly = false): void {
    const slot: Slot = { digest, state: 'untouched', readOnly };
    this.slots.set(name, slot);
    const { blobs, step } = this;
    Object.defineProperty(this.target, name, {
      configurable: true,
      enumerable: true,
      get() {
        if (slot.state === 'untouched') {
          slot.value = blobs.value(slot.digest);
          slot.state = 'read';
        }
        return slot.value;
      },
      set(value: unknown) {
        if (slot.readOnly) throw new TypeError(`step '${step}': parameter '${name}' is read-only`);
        slot.value = value;
        slot.state = 'set';
      },
    });
  }

  /** True when the step assigned `name` itself (a merge must not overwrite it). */
  isSetHere(name: string): boolean {
    const slot = this.slots.get(name);
    if (slot) return slot.state === 'set';
    const desc = Object.getOwnPropertyDescriptor(this.target, name);
    return desc !== undefined && 'value' in desc && desc.value !== undefined;
  }

  /**
   * The instance's artifacts as name -> digest, with the blobs not known to exist yet, and the small
   * ones (new or inherited inline) as inline bytes for the task record instead of store objects.
   * Fields left undefined are not artifacts.
   */
  collect(): { artifacts: Record<string, string>; blobs: Array<[string, Uint8Array]>; inline?: InlineBlobs } {
    const { artifacts, blobs: all } = this.serialize();
    const blobs: Array<[string, Uint8Array]> = [];
    const fresh = new Map(all);
    let inline: InlineBlobs | undefined;
    let budget = INLINE_TOTAL_BYTES;
    for (const name of Object.keys(artifacts).sort()) {
      const digest = artifacts[name]!;
      if (inline?.[digest] !== undefined) continue;
      const stored = fresh.get(digest);
      const b64 = stored ? (stored.length <= INLINE_MAX_BYTES ? toInline(stored) : undefined) : this.blobs.inlineOf(digest);
      if (b64 !== undefined && b64.length <= budget) {
        (inline ??= {})[digest] = b64;
        budget -= b64.length;
        fresh.delete(digest);
      } else if (b64 !== undefined && !stored) {
        // Inherited inline bytes past the budget: the store must get them, or the record would not resolve.
        blobs.push([digest, Buffer.from(b64, 'base64')]);
      }
    }
    for (const [digest, stored] of fresh) blobs.push([digest, stored]);
    return { artifacts, blobs, ...(inline ? { inline } : {}) };
  }

  private serialize(): { artifacts: Record<string, string>; blobs: Array<[string, Uint8Array]> } {
    const artifacts: Record<string, string> = {};
    const blobs: Array<[string, Uint8Array]> = [];
    for (const name of Object.keys(this.target)) {
      const slot = this.slots.get(name);
      if (slot && slot.state === 'untouched') {
        artifacts[name] = slot.digest;
        continue;
      }
      const value = slot ? slot.value : (this.target as Record<string, unknown>)[name];
      if (value === undefined) continue;
      const reason = unstorableReason(value);
      if (reason) throw new ArtifactError(this.step, name, reason);
      let bytes: Uint8Array;
      try {
        bytes = packValue(value);
      } catch (err) {
        throw new ArtifactError(this.step, name, (err as Error).message, err);
      }
      const { digest, stored } = encodeBlob(bytes);
      artifacts[name] = digest;
      if (slot?.digest !== digest) blobs.push([digest, stored]);
    }
    return { artifacts, blobs };
  }
}
