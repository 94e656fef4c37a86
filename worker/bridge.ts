/**
 * Synchronous requests from a pool thread to the main thread. Steps read artifacts lazily through
 * plain property access, so a thread must fetch a blob without awaiting: it posts a request on its
 * port, blocks on an Atomics wait, and takes the reply with receiveMessageOnPort. The main thread,
 * which only does I/O, answers from the store.
 */
import { MessagePort, receiveMessageOnPort } from 'node:worker_threads';

export type BridgeRequest =
  /** Stored (compressed) bytes of blobs, in order. */
  | { op: 'blobs'; digests: string[] }
  /** Artifact sets (digests and inline bytes) of tasks of a run, given as `step/task`. */
  | { op: 'artifacts'; flow: string; run: string; refs: string[] };

export type BridgeReply =
  | { ok: true; value: unknown }
  | { ok: false; error: string };

interface Envelope { id: number; signal: Int32Array; request: BridgeRequest }

/** Thread side. */
export class SyncBridge {
  private nextId = 1;
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly port: MessagePort) {}

  request<T>(request: BridgeRequest): T {
    const id = this.nextId++;
    Atomics.store(this.signal, 0, 0);
    this.port.postMessage({ id, signal: this.signal, request } satisfies Envelope);
    for (;;) {
      Atomics.wait(this.signal, 0, 0, 60_000);
      const got = receiveMessageOnPort(this.port);
      if (got) {
        const { id: replyId, reply } = got.message as { id: number; reply: BridgeReply };
        if (replyId !== id) continue;
        if (!reply.ok) throw new Error(reply.error);
        return reply.value as T;
      }
      if (Atomics.load(this.signal, 0) === 0) continue;
    }
  }

  /** Fire-and-forget message (live log lines). */
  notify(message: unknown): void {
    this.port.postMessage({ id: 0, notify: message });
  }
}

export type BridgeHandler = (request: BridgeRequest) => Promise<unknown>;

/** Main side: answers requests from one thread's port. */
export function serveBridge(port: MessagePort, handler: BridgeHandler, onNotify: (message: unknown) => void): void {
  port.on('message', (msg: { id: number; signal?: Int32Array; request?: BridgeRequest; notify?: unknown }) => {
    if (msg.id === 0) {
      onNotify(msg.notify);
      return;
    }
    const { id, signal, request } = msg as Envelope;
    handler(request).then(
      (value) => ({ ok: true as const, value }),
      (err: unknown) => ({ ok: false as const, error: err instanceof Error ? err.message : String(err) }),
    ).then((reply) => {
      port.postMessage({ id, reply });
      Atomics.store(signal, 0, 1);
      Atomics.notify(signal, 0);
    });
  });
  port.unref();
}
