/**
 * Entry of a pool thread (piscina). Runs tasks and inspects code packages; everything it reads
 * comes through the bridge to the main thread, everything it writes goes back in the result.
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MessageChannel, parentPort, threadId } from 'node:worker_threads';
import { sha256Hex } from '../protocol/cas.js';
import type { TaskResult, TaskSpec } from '../protocol/task.js';
import { readFlowMeta, type FlowMeta } from '../sdk/meta.js';
import { ThreadBlobs } from './blob-cache.js';
import { SyncBridge } from './bridge.js';
import { LogCapture } from './log-capture.js';
import { runTask, toTaskError, type FlowClass } from './task-runner.js';

process.setSourceMapsEnabled(true);

export type ThreadRequest =
  | { kind: 'run'; spec: TaskSpec }
  /** Several short tasks in one message: the per-message cost of a pool dominates trivial steps. */
  | { kind: 'batch'; specs: TaskSpec[] }
  | { kind: 'inspect'; code: string };

export interface InspectResult {
  className: string;
  meta: FlowMeta;
}

const channel = new MessageChannel();
parentPort!.postMessage({ type: 'stackmesh.bridge', port: channel.port2 }, [channel.port2]);
const bridge = new SyncBridge(channel.port1);
const blobs = new ThreadBlobs(bridge);
const capture = new LogCapture((stream, text) => bridge.notify({ type: 'log', stream, text, task: currentTask, run: currentRun }));
let currentTask: string | undefined;
let currentRun: string | undefined;

/** This stackmesh's root (dist/worker/thread.js is two levels down). */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
/** One cache per user and stackmesh install: a code package's `stackmesh/ops` import resolves to this install. */
const CODE_DIR = join(tmpdir(), `stackmesh-code-${process.getuid?.() ?? 'user'}-${sha256Hex(new TextEncoder().encode(PACKAGE_ROOT)).slice(0, 12)}`);

/** `CODE_DIR/node_modules/stackmesh` -> this install, so bare `stackmesh/...` imports in code packages resolve. */
function linkPackage(): void {
  const link = join(CODE_DIR, 'node_modules', 'stackmesh');
  try {
    if (readlinkSync(link) === PACKAGE_ROOT) return;
  } catch {
    // absent: make it
  }
  mkdirSync(join(CODE_DIR, 'node_modules'), { recursive: true, mode: 0o700 });
  const tmp = `${link}.${process.pid}.${threadId}.tmp`;
  symlinkSync(PACKAGE_ROOT, tmp, 'dir');
  renameSync(tmp, link);
}
const flows = new Map<string, Promise<FlowClass>>();

/**
 * The cache is shared and can be cleaned while a package loads (a tmp cleaner, an operator), so its
 * files vanish under the import: it is laid out again and imported anew, a few times.
 */
const LOAD_ATTEMPTS = 10;

/** Imports a code package once per thread; the file name is its digest, so it is written once per machine. */
function loadFlow(code: string): Promise<FlowClass> {
  let p = flows.get(code);
  if (!p) {
    p = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await importPackage(code, attempt);
        } catch (err) {
          if (attempt >= LOAD_ATTEMPTS || !vanished(err)) throw err;
        }
      }
    })();
    flows.set(code, p);
    p.catch(() => flows.delete(code));
  }
  return p;
}

async function importPackage(code: string, attempt: number): Promise<FlowClass> {
  const file = join(CODE_DIR, `${code}.mjs`);
  linkPackage();
  // The cache is shared by every process on the machine: load a file only if it is the package.
  if (!existsSync(file) || sha256Hex(readFileSync(file)) !== code) {
    mkdirSync(CODE_DIR, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.${threadId}.tmp`;
    writeFileSync(tmp, blobs.get(code));
    renameSync(tmp, file);
  }
  // A failed import is remembered by its URL: another attempt needs another URL.
  const url = pathToFileURL(file).href + (attempt > 1 ? `?attempt=${attempt}` : '');
  const mod = (await import(url)) as { default?: unknown };
  if (typeof mod.default !== 'function' || !readFlowMeta(mod.default)) {
    throw new Error('the flow file has no default export of a FlowSpec class');
  }
  return mod.default as FlowClass;
}

/** A file of the cache (the package, its link to stackmesh) went away while it was being used. */
function vanished(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === 'ENOENT' || code === 'ERR_MODULE_NOT_FOUND';
}

export default async function handle(request: ThreadRequest): Promise<TaskResult | TaskResult[] | InspectResult> {
  if (request.kind === 'inspect') {
    const cls = await loadFlow(request.code);
    return { className: cls.name, meta: readFlowMeta(cls)! };
  }
  if (request.kind === 'batch') {
    const results: TaskResult[] = [];
    for (const spec of request.specs) results.push(await runOne(spec));
    return results;
  }
  return runOne(request.spec);
}

async function runOne(spec: TaskSpec): Promise<TaskResult> {
  const startedAt = new Date().toISOString();
  currentTask = `${spec.step}/${spec.task}`;
  currentRun = spec.run;
  capture.reset();
  try {
    return await runTask(spec, { bridge, blobs, loadFlow }, capture);
  } catch (err) {
    capture.stop();
    const error = toTaskError(err);
    // The stack goes to the attempt's log, where `mesh logs` shows it.
    const log = capture.text() + (error.stack ? `${error.stack}\n` : `${error.name}: ${error.message}\n`);
    return { ok: false, artifacts: {}, blobs: [], log, error, startedAt, finishedAt: new Date().toISOString() };
  } finally {
    currentTask = undefined;
  }
}
