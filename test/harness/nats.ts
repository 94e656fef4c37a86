/**
 * Real nats-server processes for tests, on free loopback ports with temporary store directories.
 *
 *   const nats = await startNats();                 // JetStream on, file store
 *   const nc = await connect({ servers: nats.url });
 *   ...
 *   await nats.kill(); await nats.restart();        // a crash, then the same port and store again
 *   await nats.stop();
 *
 *   const cluster = await startCluster();           // n1..n3, one JetStream meta group
 *   // users on every node, routes that authenticate:
 *   // startCluster(3, { config: 'authorization { ... }', user, pass, routeAuth: { user, pass } })
 *   await cluster.waitForMeta();
 *   const leader = await cluster.leaderOf('TASKS');
 *   await leader.kill();
 *   await cluster.stop();
 *
 * stop() and kill() only end the process: a stopped or killed server can be restarted with its data.
 * The temporary directories, and any server still running, are removed when the test process exits,
 * so a test that fails half-way leaves no server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';

export interface StartNatsOptions {
  /** Enable JetStream with a file store in the server's temporary directory (default true). */
  jetstream?: boolean;
  /** Extra server configuration, appended to the generated file (e.g. an `authorization { ... }` block). */
  config?: string;
  /** Extra command-line arguments for nats-server. */
  args?: string[];
}

export interface StartClusterOptions {
  /** Extra server configuration appended to every node's file (e.g. an `authorization { ... }` block). */
  config?: string;
  /** The user the harness itself connects as (waitForMeta, leaderOf) when `config` requires one. */
  user?: string;
  pass?: string;
  /** Routes authenticate: every node requires this user on its cluster port and gives it in its route URLs. */
  routeAuth?: { user: string; pass: string };
}

export interface NatsServer {
  /** nats://127.0.0.1:<port> */
  readonly url: string;
  readonly port: number;
  /** The monitoring endpoint, http://127.0.0.1:<port> (/varz, /jsz, /healthz). */
  readonly monitorUrl: string;
  /** The pid of the current process; it changes on restart(). */
  readonly pid: number;
  /** The JetStream store directory; it survives stop(), kill() and restart(). */
  readonly storeDir: string;
  /** Whether the process is up. */
  readonly running: boolean;
  /** SIGTERM (a graceful shutdown: cluster leaders step down) and wait for the process to exit. */
  stop(): Promise<void>;
  /** SIGKILL, like a crash or a lost machine, and wait for the process to exit. */
  kill(): Promise<void>;
  /** Start again on the same ports and store (stopping it gracefully first if it is running). */
  restart(): Promise<void>;
}

/** A node of a cluster: a server with a `server_name`. */
export interface NatsNode extends NatsServer {
  /** n1, n2, ... as leaders are reported by JetStream. */
  readonly name: string;
}

export interface NatsCluster {
  readonly name: string;
  readonly nodes: NatsNode[];
  /** Every node's client URL, comma-joined, as a client or MESH_NATS_URL takes them. */
  readonly urls: string;
  /** Every node's cluster (route) port, nats-route://127.0.0.1:<port>, in node order. */
  readonly routeUrls: string[];
  /** Waits until every running node follows one JetStream meta leader and the JetStream API answers. */
  waitForMeta(timeoutMs?: number): Promise<void>;
  /** The node that leads a stream's Raft group, waiting while one is being elected. */
  leaderOf(stream: string, timeoutMs?: number): Promise<NatsNode>;
  /** Stops every node. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const START_ATTEMPTS = 3;

/** The nats-server binary: `nats-server` on PATH, then the Debian package's location. */
export function findNatsServer(path = process.env.PATH ?? '', fallbacks = ['/usr/sbin/nats-server']): string {
  const candidates = [...path.split(delimiter).filter((d) => d !== '').map((d) => join(d, 'nats-server')), ...fallbacks];
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return file;
    } catch {
      // not here
    }
  }
  throw new Error(`nats-server not found on PATH or at ${fallbacks.join(', ') || '(no fallback)'}: install it (apt-get install nats-server) to run the NATS tests`);
}

export async function startNats(opts: StartNatsOptions = {}): Promise<NatsServer> {
  return withFreshPorts(async () => {
    const [port, monitorPort] = await freePorts(2);
    const server = await ServerProcess.create('mesh-nats-', port!, monitorPort!, (storeDir) => [
      `listen: 127.0.0.1:${port}`,
      `http: 127.0.0.1:${monitorPort}`,
      ...(opts.jetstream === false ? [] : [`jetstream { store_dir: ${quote(storeDir)} }`]),
      opts.config ?? '',
    ], opts.args ?? []);
    try {
      await server.start();
      return server;
    } catch (err) {
      await server.kill();
      throw err;
    }
  });
}

export async function startCluster(size = 3, opts: StartClusterOptions = {}): Promise<NatsCluster> {
  if (!Number.isInteger(size) || size < 1) throw new Error(`cluster size must be a positive integer, got ${size}`);
  const name = 'mesh-test';
  return withFreshPorts(async () => {
    const ports = await freePorts(3 * size);
    const client = ports.slice(0, size);
    const route = ports.slice(size, 2 * size);
    const monitor = ports.slice(2 * size);
    const nodes: ServerProcess[] = [];
    const auth = opts.routeAuth;
    const credentials = auth ? `${encodeURIComponent(auth.user)}:${encodeURIComponent(auth.pass)}@` : '';
    for (let i = 0; i < size; i++) {
      const node = await ServerProcess.create('mesh-nats-cluster-', client[i]!, monitor[i]!, (storeDir) => [
        `server_name: n${i + 1}`,
        `listen: 127.0.0.1:${client[i]}`,
        `http: 127.0.0.1:${monitor[i]}`,
        `jetstream { store_dir: ${quote(storeDir)} }`,
        'cluster {',
        `  name: ${name}`,
        `  listen: 127.0.0.1:${route[i]}`,
        ...(auth ? [`  authorization { user: ${quote(auth.user)}, password: ${quote(auth.pass)} }`] : []),
        `  routes: [${route.filter((_, j) => j !== i).map((p) => `nats-route://${credentials}127.0.0.1:${p}`).join(', ')}]`,
        '}',
        opts.config ?? '',
      ], [], `n${i + 1}`);
      nodes.push(node);
    }
    try {
      await Promise.all(nodes.map((n) => n.start()));
    } catch (err) {
      await Promise.all(nodes.map((n) => n.kill()));
      throw err;
    }
    const routeUrls = route.map((p) => `nats-route://127.0.0.1:${p}`);
    return new Cluster(name, nodes as NatsNode[], routeUrls, opts.user === undefined ? {} : { user: opts.user, pass: opts.pass });
  });
}

class Cluster implements NatsCluster {
  readonly urls: string;

  constructor(readonly name: string, readonly nodes: NatsNode[], readonly routeUrls: string[], private readonly auth: { user?: string; pass?: string } = {}) {
    this.urls = nodes.map((n) => n.url).join(',');
  }

  async waitForMeta(timeoutMs = 30_000): Promise<void> {
    await this.retry(timeoutMs, 'a JetStream meta leader', async (nc) => {
      const running = this.nodes.filter((n) => n.running);
      const leaders = await Promise.all(running.map(async (n) => {
        const res = await fetch(`${n.monitorUrl}/jsz`);
        const jsz = (await res.json()) as { meta_cluster?: { leader?: string } };
        return jsz.meta_cluster?.leader ?? '';
      }));
      if (leaders.some((l) => l === '' || l !== leaders[0])) return undefined;
      const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 2_000 });
      await jsm.getAccountInfo();
      return true;
    });
  }

  async leaderOf(stream: string, timeoutMs = 30_000): Promise<NatsNode> {
    return this.retry(timeoutMs, `a leader for stream ${stream}`, async (nc) => {
      const jsm = await jetstreamManager(nc, { checkAPI: false, timeout: 2_000 });
      const leader = (await jsm.streams.info(stream)).cluster?.leader;
      return this.nodes.find((n) => n.name === leader);
    });
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  /** Polls `attempt` (undefined or a thrown error mean "not yet") over one connection to the running nodes. */
  private async retry<T>(timeoutMs: number, what: string, attempt: (nc: NatsConnection) => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    let nc: NatsConnection | undefined;
    try {
      while (Date.now() < deadline) {
        try {
          nc ??= await connect({ servers: this.nodes.filter((n) => n.running).map((n) => n.url), timeout: 2_000, ...this.auth });
          const result = await attempt(nc);
          if (result !== undefined) return result;
        } catch (err) {
          last = err;
        }
        await sleep(100);
      }
    } finally {
      await nc?.close().catch(() => {});
    }
    throw new Error(`cluster ${this.name}: no ${what} after ${timeoutMs} ms${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
  }
}

/** Every server this process started, so none outlives it. */
const all = new Set<ServerProcess>();
process.once('exit', () => {
  for (const s of all) s.abandon();
});

class ServerProcess implements NatsNode {
  readonly url: string;
  readonly monitorUrl: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    private readonly dir: string,
    readonly port: number,
    monitorPort: number,
    private readonly args: string[],
    private readonly serverName: string | undefined,
  ) {
    this.url = `nats://127.0.0.1:${port}`;
    this.monitorUrl = `http://127.0.0.1:${monitorPort}`;
  }

  static async create(prefix: string, port: number, monitorPort: number, config: (storeDir: string) => string[], args: string[], name?: string): Promise<ServerProcess> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    const server = new ServerProcess(dir, port, monitorPort, args, name);
    all.add(server);
    await writeFile(server.configFile, `${config(server.storeDir).join('\n')}\n`);
    return server;
  }

  get name(): string {
    return this.serverName ?? `nats-${this.port}`;
  }

  get storeDir(): string {
    return join(this.dir, 'store');
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  get pid(): number {
    if (this.child?.pid === undefined) throw new Error(`${this.label} is not running`);
    return this.child.pid;
  }

  private get label(): string {
    return `nats-server ${this.serverName ? `${this.serverName} ` : ''}on port ${this.port}`;
  }

  private get configFile(): string {
    return join(this.dir, 'nats.conf');
  }

  private get logFile(): string {
    return join(this.dir, 'nats.log');
  }

  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.label} is already running`);
    const binary = findNatsServer();
    // The log goes to a file, not a pipe: nothing in this process waits on it, and it can be read on failure.
    const logFd = openSync(this.logFile, 'a');
    const logFrom = statSync(this.logFile).size;
    let child: ChildProcess;
    try {
      child = spawn(binary, ['-c', this.configFile, ...this.args], { stdio: ['ignore', logFd, logFd] });
    } finally {
      closeSync(logFd);
    }
    this.child = child;
    // A server left running must not keep the test process alive; the exit hook kills it.
    child.unref();
    let exitCode: string | undefined;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        exitCode = signal ?? `exit code ${code}`;
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once('error', (err) => {
        exitCode = err.message;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (exitCode !== undefined) throw new Error(`${this.label} exited during start-up (${exitCode}):\n${this.log(logFrom)}`);
      if (this.log(logFrom).includes('Server is ready') && (await accepts(this.port))) return;
      await sleep(20);
    }
    await this.kill();
    throw new Error(`${this.label} did not accept connections on port ${this.port} within ${READY_TIMEOUT_MS} ms:\n${this.log(logFrom)}`);
  }

  async stop(): Promise<void> {
    if (!this.child) return;
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), STOP_TIMEOUT_MS);
    try {
      await this.signal('SIGTERM');
    } finally {
      clearTimeout(timer);
    }
  }

  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** At process exit: no waiting is possible, so kill and delete synchronously. */
  abandon(): void {
    this.child?.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    // Keep this process alive until the server is gone.
    child.ref();
    child.kill(signal);
    await this.exited;
  }

  private log(from: number): string {
    try {
      const lines = readFileSync(this.logFile).subarray(from).toString('utf8').trimEnd().split('\n');
      // The cause is usually the first line (a bad flag, a parse error) or among the last ones.
      return lines.length <= 30 ? lines.join('\n') : [...lines.slice(0, 5), '...', ...lines.slice(-20)].join('\n');
    } catch {
      return '';
    }
  }
}

/** Runs `start` again with new ports when another process took one of them in the meantime. */
async function withFreshPorts<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !/address already in use/.test((err as Error).message)) throw err;
    }
  }
}

/** Distinct ports that were free a moment ago (all held open together, so they differ). */
async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function quote(s: string): string {
  return JSON.stringify(s);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
