/**
 * How every mesh command reaches NATS: the flags, their environment variables, and one clear line when
 * the connection fails.
 *
 *   natsOptionFlags(program.command('worker')).action(async (opts) => {
 *     const nc = await connectNats(resolveConnection(opts), 'mesh worker');
 *   });
 *
 * Flags win over the environment, the environment over defaults. Authentication is resolved as a whole:
 * any auth flag replaces every MESH_NATS_* auth variable, so a flag never mixes with a stale variable.
 * Passwords, tokens and seeds never appear in an error message or in describeConnection().
 */
import { access, readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import {
  AuthorizationError,
  connect,
  credsAuthenticator,
  nkeyAuthenticator,
  TimeoutError,
  tokenAuthenticator,
  UserAuthenticationExpiredError,
  usernamePasswordAuthenticator,
  type Authenticator,
  type NatsConnection,
  type NodeConnectionOptions,
} from '@nats-io/transport-node';
import { UsageError } from '../coordinator/errors.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
/** Long enough for a TLS handshake over a WAN; short enough that a silent server is reported. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The options natsOptionFlags() adds, as commander parses them. */
export interface NatsFlags {
  nats?: string;
  natsUser?: string;
  natsPassword?: string;
  natsToken?: string;
  natsNkeySeed?: string;
  natsCreds?: string;
  natsCa?: string;
  natsCert?: string;
  natsKey?: string;
}

/** A file named by a flag or a variable; `from` is that flag or variable, for messages. */
export interface FileRef {
  path: string;
  from: string;
}

/** At most one way to authenticate; `from` names the flags or variables that chose it. */
export type NatsAuth =
  | { type: 'none' }
  | { type: 'user'; user: string; password: string; from: string }
  | { type: 'token'; token: string; from: string }
  | { type: 'nkey'; seed: FileRef }
  | { type: 'creds'; creds: FileRef };

export interface ResolvedConnection {
  /** Server URLs as given (nats://host:port, tls://host:port or host:port). */
  servers: string[];
  auth: NatsAuth;
  /** Present when TLS is asked for, by a tls:// URL or by any TLS file. */
  tls?: { ca?: FileRef; cert?: FileRef; key?: FileRef };
  /** How long to wait for a server's reply when connecting. */
  timeoutMs: number;
}

/** One line a user can act on; `servers` are the URLs that were tried. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  readonly servers: string[];
  /** Wrong credentials or certificates stay wrong; a server that is down may come back. */
  readonly nonRetryable: boolean;

  constructor(message: string, servers: string[], options: { cause?: unknown; nonRetryable?: boolean } = {}) {
    super(message, { cause: options.cause });
    this.servers = servers;
    this.nonRetryable = options.nonRetryable ?? false;
  }
}

/** Adds the NATS connection options to a command. */
export function natsOptionFlags(command: Command): Command {
  return command
    .option('--nats <url>', `NATS server URL(s), comma-separated (env MESH_NATS_URL, default ${DEFAULT_NATS_URL})`)
    .option('--nats-user <user>', 'NATS user (env MESH_NATS_USER)')
    .option('--nats-password <password>', 'NATS password (env MESH_NATS_PASSWORD, which keeps it out of ps)')
    .option('--nats-token <token>', 'NATS token (env MESH_NATS_TOKEN)')
    .option('--nats-nkey-seed <file>', 'file holding an NKey seed (env MESH_NATS_NKEY_SEED)')
    .option('--nats-creds <file>', 'NATS credentials file, JWT and seed (env MESH_NATS_CREDS)')
    .option('--nats-ca <file>', 'CA certificate to verify the server with (env MESH_NATS_CA)')
    .option('--nats-cert <file>', 'client certificate for TLS (env MESH_NATS_CERT)')
    .option('--nats-key <file>', 'client certificate key (env MESH_NATS_KEY)');
}

/** A field as given: its value and the flag or variable it came from. */
interface Given {
  value: string;
  from: string;
}

const AUTH_FIELDS = [
  ['natsUser', '--nats-user', 'MESH_NATS_USER'],
  ['natsPassword', '--nats-password', 'MESH_NATS_PASSWORD'],
  ['natsToken', '--nats-token', 'MESH_NATS_TOKEN'],
  ['natsNkeySeed', '--nats-nkey-seed', 'MESH_NATS_NKEY_SEED'],
  ['natsCreds', '--nats-creds', 'MESH_NATS_CREDS'],
] as const;

/** Flags, then the environment, then defaults; throws a UsageError naming the field at fault. */
export function resolveConnection(flags: NatsFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  const fromFlag = (key: keyof NatsFlags, flag: string): Given | undefined => {
    const value = flags[key];
    if (value === undefined) return undefined;
    if (value.trim() === '') throw new UsageError(`${flag} must not be empty`);
    return { value, from: flag };
  };
  // An empty variable counts as unset, as compose files and unit files often leave them.
  const fromEnv = (name: string): Given | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : { value, from: name };
  };
  const field = (key: keyof NatsFlags, flag: string, variable: string): Given | undefined =>
    fromFlag(key, flag) ?? fromEnv(variable);

  const url = field('nats', '--nats', 'MESH_NATS_URL') ?? { value: DEFAULT_NATS_URL, from: 'the default' };
  const servers = parseServers(url);

  const authFromFlags = AUTH_FIELDS.map(([key, flag]) => fromFlag(key, flag));
  const auth = resolveAuth(authFromFlags.some((g) => g !== undefined)
    ? authFromFlags
    : AUTH_FIELDS.map(([, , variable]) => fromEnv(variable)));

  const ca = field('natsCa', '--nats-ca', 'MESH_NATS_CA');
  const cert = field('natsCert', '--nats-cert', 'MESH_NATS_CERT');
  const key = field('natsKey', '--nats-key', 'MESH_NATS_KEY');
  if (cert && !key) throw new UsageError(`${cert.from} needs ${cert.from.startsWith('--') ? '--nats-key' : 'MESH_NATS_KEY'}`);
  if (key && !cert) throw new UsageError(`${key.from} needs ${key.from.startsWith('--') ? '--nats-cert' : 'MESH_NATS_CERT'}`);
  const wantsTls = servers.some((s) => s.startsWith('tls://')) || ca !== undefined || cert !== undefined;
  const file = (g: Given | undefined): FileRef | undefined => (g ? { path: g.value, from: g.from } : undefined);
  const tls = wantsTls ? { ca: file(ca), cert: file(cert), key: file(key) } : undefined;

  return { servers, auth, tls, timeoutMs: DEFAULT_CONNECT_TIMEOUT_MS };
}

function parseServers(url: Given): string[] {
  const servers = url.value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (servers.length === 0) throw new UsageError(`${url.from} must name at least one server, like ${DEFAULT_NATS_URL}`);
  for (const s of servers) {
    let parsed: URL;
    try {
      parsed = new URL(s.includes('://') ? s : `nats://${s}`);
    } catch {
      throw new UsageError(`${url.from} must be a URL like ${DEFAULT_NATS_URL}, got '${s}'`);
    }
    // The client ignores credentials in a URL, and a URL ends up in messages: neither should hold a secret.
    if (parsed.username !== '' || parsed.password !== '') {
      throw new UsageError(`${url.from}: put credentials in --nats-user/--nats-password, --nats-token or --nats-creds, not in the URL`);
    }
    if (parsed.protocol !== 'nats:' && parsed.protocol !== 'tls:') {
      throw new UsageError(`${url.from}: '${s}' is not a NATS URL (use nats://host:port or tls://host:port)`);
    }
    if (parsed.hostname === '') throw new UsageError(`${url.from}: '${s}' names no host`);
  }
  return servers;
}

function resolveAuth([user, password, token, seed, creds]: (Given | undefined)[]): NatsAuth {
  const peer = (g: Given, flag: string, variable: string): string => (g.from.startsWith('--') ? flag : variable);
  if (user && !password) throw new UsageError(`${user.from} needs ${peer(user, '--nats-password', 'MESH_NATS_PASSWORD')}`);
  if (password && !user) throw new UsageError(`${password.from} needs ${peer(password, '--nats-user', 'MESH_NATS_USER')}`);
  const chosen = [user, token, seed, creds].filter((g): g is Given => g !== undefined);
  if (chosen.length > 1) {
    const names = chosen.map((g) => (g === user ? `${user.from}/${password!.from}` : g.from));
    throw new UsageError(`use one way to authenticate to NATS, not ${names.join(' and ')}`);
  }
  if (user && password) return { type: 'user', user: user.value, password: password.value, from: `${user.from}/${password.from}` };
  if (token) return { type: 'token', token: token.value, from: token.from };
  if (seed) {
    // Someone who pasted the seed itself must not see it echoed back as a missing file name.
    if (looksLikeSeed(seed.value)) throw new UsageError(`${seed.from} takes the path of a file holding the seed, not the seed itself`);
    return { type: 'nkey', seed: { path: seed.value, from: seed.from } };
  }
  if (creds) return { type: 'creds', creds: { path: creds.value, from: creds.from } };
  return { type: 'none' };
}

/** A safe summary for logs: servers, how it authenticates, TLS; never a secret. */
export function describeConnection(r: ResolvedConnection): string {
  const auth = r.auth.type === 'user' ? ` as user ${r.auth.user}`
    : r.auth.type === 'token' ? ' with a token'
    : r.auth.type === 'nkey' ? ` with the nkey in ${r.auth.seed.path}`
    : r.auth.type === 'creds' ? ` with credentials ${r.auth.creds.path}`
    : '';
  return `${r.servers.join(', ')}${auth}${r.tls ? ' over TLS' : ''}`;
}

/** Connects, reconnecting forever once connected; a failure to connect at all is one ConnectionError line. */
export async function connectNats(resolved: ResolvedConnection, name: string): Promise<NatsConnection> {
  const { servers } = resolved;
  const secrets: string[] = [];
  const authenticator = await buildAuthenticator(resolved, secrets);
  if (resolved.tls) {
    for (const ref of [resolved.tls.ca, resolved.tls.cert, resolved.tls.key]) if (ref) await readable(ref);
  }
  const options: NodeConnectionOptions = {
    servers,
    name,
    maxReconnectAttempts: -1,
    timeout: resolved.timeoutMs,
    // Async stack traces cost an Error per request: a third of a coordinator's CPU.
    noAsyncTraces: true,
    ...(authenticator ? { authenticator } : {}),
    ...(resolved.tls ? { tls: tlsFiles(resolved.tls) } : {}),
  };
  try {
    return await connect(options);
  } catch (err) {
    throw connectionError(err, resolved, secrets);
  }
}

/** An empty object still means TLS: the client then refuses a server that does not offer it. */
function tlsFiles(tls: NonNullable<ResolvedConnection['tls']>): { caFile?: string; certFile?: string; keyFile?: string } {
  return {
    ...(tls.ca ? { caFile: tls.ca.path } : {}),
    ...(tls.cert ? { certFile: tls.cert.path } : {}),
    ...(tls.key ? { keyFile: tls.key.path } : {}),
  };
}

async function buildAuthenticator(r: ResolvedConnection, secrets: string[]): Promise<Authenticator | undefined> {
  const { auth } = r;
  switch (auth.type) {
    case 'none':
      return undefined;
    case 'user':
      secrets.push(auth.password);
      return usernamePasswordAuthenticator(auth.user, auth.password);
    case 'token':
      secrets.push(auth.token);
      return tokenAuthenticator(auth.token);
    case 'nkey': {
      const seed = (await readable(auth.seed)).toString('utf8').trim();
      secrets.push(seed);
      if (!looksLikeSeed(seed)) throw new UsageError(`${auth.seed.from}: ${auth.seed.path} does not hold an NKey seed (a line starting with SU)`);
      return nkeyAuthenticator(new TextEncoder().encode(seed));
    }
    case 'creds': {
      const creds = await readable(auth.creds);
      secrets.push(...(creds.toString('utf8').match(SEED_IN_TEXT) ?? []));
      return credsAuthenticator(new Uint8Array(creds));
    }
  }
}

/** Reads a named file, or says which flag named a file that cannot be read. */
async function readable(ref: FileRef): Promise<Buffer> {
  try {
    await access(ref.path);
    return await readFile(ref.path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code ?? (err as Error).message;
    throw new UsageError(`${ref.from}: cannot read ${ref.path} (${why})`, { cause: err });
  }
}

const SEED_IN_TEXT = /S[UAON][A-Z2-7]{50,}/g;

function looksLikeSeed(s: string): boolean {
  return /^S[UAON][A-Z2-7]{50,}$/.test(s.trim());
}

const SOCKET_ERRORS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'timed out',
  EADDRNOTAVAIL: 'address not available',
};

/** Turns whatever the client threw into one line that names the servers and what to check. */
export function connectionError(err: unknown, r: ResolvedConnection, secrets: string[] = []): ConnectionError {
  const at = r.servers.join(', ');
  const cause = err instanceof Error ? err : new Error(String(err));
  const inner = cause.cause instanceof Error ? cause.cause : undefined;
  const code = String((cause as NodeJS.ErrnoException).code ?? (inner as NodeJS.ErrnoException | undefined)?.code ?? '');
  const message = scrub(cause.message, secrets);
  const fail = (text: string, nonRetryable: boolean): ConnectionError =>
    new ConnectionError(scrub(text, secrets), r.servers, { cause: err, nonRetryable });

  if (cause instanceof AuthorizationError) return fail(`NATS at ${at}: authorization violation (${authHint(r.auth)})`, true);
  if (cause instanceof UserAuthenticationExpiredError) {
    return fail(`NATS at ${at}: user authentication expired (${authHint(r.auth)})`, true);
  }
  if (cause instanceof TimeoutError) {
    const hint = r.tls
      ? `a TLS server that rejects the client certificate closes silently: check ${tlsFlags(r, 'cert')}`
      : 'is this the NATS client port?';
    return fail(`NATS at ${at}: no reply within ${r.timeoutMs / 1000} s (${hint})`, false);
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    const host = (cause as { hostname?: string }).hostname ?? (inner as { hostname?: string } | undefined)?.hostname;
    return fail(`no NATS server at ${at} (host not found${host ? `: ${host}` : ''})`, false);
  }
  if (SOCKET_ERRORS[code]) return fail(`no NATS server at ${at} (${SOCKET_ERRORS[code]})`, false);
  if (/does not support 'tls'/.test(message)) {
    return fail(`NATS at ${at}: the server does not use TLS, but ${tlsFlags(r, 'any')} asked for it`, true);
  }
  if (/ALTNAME|Hostname\/IP does not match/i.test(`${code} ${message}`)) {
    return fail(`NATS at ${at}: TLS: ${message} (the server certificate must name the host connected to; for an IP address the client checks 'localhost')`, true);
  }
  if (/KEY_VALUES_MISMATCH|key values mismatch|PEM|ERR_OSSL/i.test(`${code} ${message}`)) {
    return fail(`NATS at ${at}: TLS: ${message} (check ${tlsFlags(r, 'cert')})`, true);
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO|TLS|SSL/i.test(code) || /certificate|tls|ssl/i.test(message)) {
    return fail(`NATS at ${at}: TLS: ${message} (check ${tlsFlags(r, 'ca')})`, true);
  }
  return fail(`NATS at ${at}: ${message}`, false);
}

function authHint(auth: NatsAuth): string {
  switch (auth.type) {
    case 'none':
      return 'the server wants credentials: --nats-user/--nats-password, --nats-token, --nats-nkey-seed or --nats-creds';
    case 'user':
    case 'token':
      return `check ${auth.from}`;
    case 'nkey':
      return `check the seed in ${auth.seed.from} and the server's nkey users`;
    case 'creds':
      return `check ${auth.creds.from}`;
  }
}

function tlsFlags(r: ResolvedConnection, which: 'ca' | 'cert' | 'any'): string {
  const { ca, cert, key } = r.tls ?? {};
  const pair = cert && key ? `${cert.from}/${key.from}` : '--nats-cert/--nats-key';
  if (which === 'cert') return pair;
  if (which === 'ca') return ca ? ca.from : '--nats-ca';
  const given = [ca?.from, cert ? pair : undefined].filter((s) => s !== undefined);
  return given.length > 0 ? given.join(' and ') : 'a tls:// URL';
}

function scrub(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('***');
  return out;
}
