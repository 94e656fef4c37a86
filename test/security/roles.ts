/**
 * The deployed roles config (deploy/nats/mesh-roles.conf) on a test server, with fresh passwords, and
 * `mesh` processes that keep everything they print.
 *
 *   const secrets = newPasswords();
 *   const nats = await startNats({ config: rolesConfig(secrets) });
 *   const procs = new Processes();
 *   procs.start(['coordinator'], { ...meshEnv(nats.url, store), ...roleEnv('coordinator', secrets) });
 *   const { code, stdout } = await procs.run(['runs', '--json'], env);
 *   await procs.stopAll();
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ROOT } from '../harness/flows.js';
import { spawnCli } from '../harness/mesh.js';
import { waitFor } from '../harness/wait.js';

export const ROLES_CONF = join(ROOT, 'deploy/nats/mesh-roles.conf');
export const AUTH_CONF = join(ROOT, 'deploy/nats/auth.conf');

export type Role = 'admin' | 'coordinator' | 'client' | 'worker' | 'workerGpu';

export const USERS: Record<Role, string> = {
  admin: 'mesh-admin',
  coordinator: 'mesh-coordinator',
  client: 'mesh-client',
  worker: 'mesh-worker',
  workerGpu: 'mesh-worker-gpu',
};

/** The server environment variables mesh-roles.conf takes the passwords from. */
export const PASSWORD_VARIABLES: Record<Role, string> = {
  admin: 'MESH_ADMIN_PASSWORD',
  coordinator: 'MESH_COORDINATOR_PASSWORD',
  client: 'MESH_CLIENT_PASSWORD',
  worker: 'MESH_WORKER_PASSWORD',
  workerGpu: 'MESH_WORKER_GPU_PASSWORD',
};

export type Passwords = Record<Role, string>;

/** Fresh, recognizable passwords: a leak of any of them is found by a plain search. */
export function newPasswords(): Passwords {
  const pw = (role: string) => `pw-${role}-${randomBytes(12).toString('hex')}`;
  return { admin: pw('admin'), coordinator: pw('coordinator'), client: pw('client'), worker: pw('worker'), workerGpu: pw('gpu') };
}

/**
 * Server config text: the passwords as config variables, then mesh-roles.conf as deployed. (The
 * deployed server reads them from its environment; a variable of the same file serves the same.)
 */
export function rolesConfig(passwords: Passwords): string {
  const vars = (Object.keys(PASSWORD_VARIABLES) as Role[]).map((r) => `${PASSWORD_VARIABLES[r]}: ${JSON.stringify(passwords[r])}`);
  return `${vars.join('\n')}\n${readFileSync(ROLES_CONF, 'utf8')}`;
}

export function connectAs(url: string, role: Role, passwords: Passwords, extra: object = {}): Promise<NatsConnection> {
  return connect({ servers: url, user: USERS[role], pass: passwords[role], noAsyncTraces: true, timeout: 5000, ...extra });
}

/** MESH_NATS_USER / MESH_NATS_PASSWORD of a role. */
export function roleEnv(role: Role, passwords: Passwords): NodeJS.ProcessEnv {
  return { MESH_NATS_USER: USERS[role], MESH_NATS_PASSWORD: passwords[role] };
}

/** The `--nats-user` / `--nats-password` flags of a role. */
export function roleFlags(role: Role, passwords: Passwords): string[] {
  return ['--nats-user', USERS[role], '--nats-password', passwords[role]];
}

/** This process's environment without any MESH_ setting, then the mesh's server and store. */
export function meshEnv(url: string, store: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MESH_')) env[k] = v;
  return { ...env, MESH_NATS_URL: url, MESH_STORE: store, MESH_ACK_WAIT_MS: '3000' };
}

/**
 * A test's view of a secured server: connections as each role (closed together by `close()`) and the
 * environment a deployed mesh process of a role has. `server` and `store` are read when used, since a
 * test starts its server in before().
 *
 *   const roles = new RoleSessions(() => nats.url, () => store, secrets);
 *   const nc = await roles.as('client');
 *   procs.start(['worker'], roles.env('worker'));
 */
export class RoleSessions {
  private readonly open: NatsConnection[] = [];

  constructor(private readonly server: () => string, private readonly store: () => string, private readonly passwords: Passwords) {}

  async as(role: Role): Promise<NatsConnection> {
    const nc = await connectAs(this.server(), role, this.passwords);
    this.open.push(nc);
    return nc;
  }

  env(role: Role): NodeJS.ProcessEnv {
    return { ...meshEnv(this.server(), this.store()), ...roleEnv(role, this.passwords) };
  }

  async close(): Promise<void> {
    await Promise.all(this.open.splice(0).map((nc) => nc.close().catch(() => {})));
  }
}

export interface MeshOutput {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A `mesh` process and everything it printed so far. */
export class MeshProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(readonly args: string[], readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (s: string) => { this.stdout += s; });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => { this.stderr += s; });
    this.exited = new Promise((resolve) => {
      child.once('close', (code) => resolve(code));
      child.once('error', () => resolve(null));
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until the process printed `pattern` on stderr (where services log). */
  async waitForLog(pattern: RegExp, timeoutMs = 20_000): Promise<void> {
    await waitFor(() => pattern.test(this.stderr), timeoutMs, () => `mesh ${this.args[0]} to log ${pattern} (stderr so far:\n${this.stderr})`, () => {
      if (!this.running) throw new Error(`mesh ${this.args.join(' ')} exited (${this.child.exitCode ?? this.child.signalCode}) before logging ${pattern}:\n${this.stderr}`);
    });
  }

  /** SIGTERM (services drain), SIGKILL if it lingers. */
  async stop(timeoutMs = 10_000): Promise<void> {
    if (!this.running) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    this.child.kill('SIGTERM');
    await this.exited;
    clearTimeout(timer);
  }
}

/** The mesh processes of a test, so that none outlives it. */
export class Processes {
  readonly all: MeshProcess[] = [];

  start(args: string[], env: NodeJS.ProcessEnv): MeshProcess {
    const child = spawnCli(args, env, 'pipe');
    const p = new MeshProcess(args, child);
    this.all.push(p);
    return p;
  }

  /** Runs a command to its end (killed after `timeoutMs`). */
  async run(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<MeshOutput> {
    const p = this.start(args, env);
    const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
    const code = await p.exited;
    clearTimeout(timer);
    return { code, stdout: p.stdout, stderr: p.stderr };
  }

  /** Every byte any of them printed. */
  output(): string {
    return this.all.map((p) => `${p.stdout}\n${p.stderr}`).join('\n');
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.all.map((p) => p.stop()));
  }
}
