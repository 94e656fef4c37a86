/**
 * NATS connection options shared by every mesh command: flags, then environment, then defaults.
 * Connection problems become one line that never contains a password, token or seed.
 *
 *   natsOptionFlags(program.command('worker'));
 *   const nc = await connectNats(resolveConnection(opts), 'mesh-worker');
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  connect, credsAuthenticator, nkeyAuthenticator, tokenAuthenticator, usernamePasswordAuthenticator,
  type Authenticator, type NatsConnection,
} from '@nats-io/transport-node';
import { UsageError } from '../coordinator/errors.js';

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

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

export interface ResolvedConnection {
  servers: string[];
  user?: string;
  password?: string;
  token?: string;
  nkeySeedFile?: string;
  credsFile?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export function natsOptionFlags(command: Command): Command {
  return command
    .option('--nats <url>', `NATS server(s), comma-separated (env MESH_NATS_URL, default ${DEFAULT_NATS_URL})`)
    .option('--nats-user <user>', 'user name (env MESH_NATS_USER)')
    .option('--nats-password <password>', 'password (env MESH_NATS_PASSWORD)')
    .option('--nats-token <token>', 'token (env MESH_NATS_TOKEN)')
    .option('--nats-nkey-seed <file>', 'file holding an nkey seed (env MESH_NATS_NKEY_SEED)')
    .option('--nats-creds <file>', 'credentials file (env MESH_NATS_CREDS)')
    .option('--nats-ca <file>', 'CA certificate for TLS (env MESH_NATS_CA)')
    .option('--nats-cert <file>', 'client certificate for TLS (env MESH_NATS_CERT)')
    .option('--nats-key <file>', 'client key for TLS (env MESH_NATS_KEY)');
}

export function resolveConnection(flags: NatsFlags, env: NodeJS.ProcessEnv = process.env): ResolvedConnection {
  const pick = (flag: string | undefined, name: string) => flag ?? (env[name] || undefined);
  const url = pick(flags.nats, 'MESH_NATS_URL') ?? DEFAULT_NATS_URL;
  const servers = url.split(',').map((s) => s.trim()).filter(Boolean);
  if (servers.length === 0) throw new UsageError('--nats needs at least one server URL');
  const r: ResolvedConnection = {
    servers,
    user: pick(flags.natsUser, 'MESH_NATS_USER'),
    password: pick(flags.natsPassword, 'MESH_NATS_PASSWORD'),
    token: pick(flags.natsToken, 'MESH_NATS_TOKEN'),
    nkeySeedFile: pick(flags.natsNkeySeed, 'MESH_NATS_NKEY_SEED'),
    credsFile: pick(flags.natsCreds, 'MESH_NATS_CREDS'),
    caFile: pick(flags.natsCa, 'MESH_NATS_CA'),
    certFile: pick(flags.natsCert, 'MESH_NATS_CERT'),
    keyFile: pick(flags.natsKey, 'MESH_NATS_KEY'),
  };
  if (r.user && r.password === undefined) throw new UsageError('--nats-user needs --nats-password');
  if (r.password !== undefined && !r.user) throw new UsageError('--nats-password needs --nats-user');
  if (!!r.certFile !== !!r.keyFile) throw new UsageError('--nats-cert and --nats-key go together');
  return r;
}

/** Thrown when the server cannot be reached or refuses us; the message is safe to print. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(message: string, readonly servers: string[], options?: { cause?: unknown }) {
    super(message, options);
  }
}

function authenticators(r: ResolvedConnection): Authenticator[] {
  const out: Authenticator[] = [];
  if (r.user) out.push(usernamePasswordAuthenticator(r.user, r.password));
  if (r.token) out.push(tokenAuthenticator(r.token));
  if (r.nkeySeedFile) out.push(nkeyAuthenticator(new TextEncoder().encode(readFileSync(r.nkeySeedFile, 'utf8').trim())));
  if (r.credsFile) out.push(credsAuthenticator(readFileSync(r.credsFile)));
  return out;
}

export async function connectNats(r: ResolvedConnection, name: string): Promise<NatsConnection> {
  const where = r.servers.join(', ');
  try {
    return await connect({
      servers: r.servers,
      name,
      authenticator: authenticators(r),
      maxReconnectAttempts: -1,
      ...(r.caFile || r.certFile ? { tls: { caFile: r.caFile, certFile: r.certFile, keyFile: r.keyFile } } : {}),
    });
  } catch (err) {
    const msg = redact(String((err as Error)?.message ?? err), r);
    const code = (err as { code?: string })?.code ?? '';
    let reason = msg;
    if (/ECONNREFUSED|CONNECTION_REFUSED/i.test(`${code} ${msg}`)) reason = 'connection refused';
    else if (/authorization|authentication/i.test(msg)) reason = `${msg} (check --nats-user/--nats-password, --nats-token or --nats-creds)`;
    throw new ConnectionError(/refused/.test(reason) ? `no NATS server at ${where} (${reason})` : `NATS at ${where}: ${reason}`, r.servers, { cause: err });
  }
}

function redact(text: string, r: ResolvedConnection): string {
  let out = text;
  for (const secret of [r.password, r.token]) if (secret) out = out.split(secret).join('***');
  return out;
}
