/**
 * Certificates for TLS tests, made with `openssl` at test time: a CA, a server certificate for
 * localhost and 127.0.0.1, and a client certificate, all valid for a day, in a temporary directory.
 *
 *   const why = opensslMissing();
 *   if (why) return t.skip(why);
 *   const tls = makeTlsFiles();
 *   const nats = await startNats({ config: natsTlsConfig(tls, { verify: true }) });
 *   ... mesh --nats-ca tls.ca --nats-cert tls.clientCert --nats-key tls.clientKey ...
 *   tls.remove();
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './flows.js';

export interface TlsFiles {
  readonly dir: string;
  /** The CA certificate clients and the server verify with (PEM). */
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A certificate and key from a CA nobody trusts, for refusals. */
  readonly strangerCert: string;
  readonly strangerKey: string;
  remove(): void;
}

/** Why TLS tests cannot run here (no usable openssl), or undefined when they can. */
export function opensslMissing(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `openssl is not available to make test certificates (${(err as Error).message.split('\n')[0]})`;
  }
}

/** A fresh CA, server and client certificates (EC P-256, valid for one day). */
export function makeTlsFiles(o: { hosts?: string[] } = {}): TlsFiles {
  const d = tempDir('mesh-tls-');
  const at = (name: string) => join(d.path, name);
  try {
    const ca = authority(at, 'ca', 'stackmesh test CA');
    const stranger = authority(at, 'stranger-ca', 'stackmesh stranger CA');
    const hosts = o.hosts ?? ['DNS:localhost', 'IP:127.0.0.1'];
    leaf(at, ca, 'server', 'localhost', [`subjectAltName=${hosts.join(',')}`, 'extendedKeyUsage=serverAuth']);
    leaf(at, ca, 'client', 'mesh-client', ['extendedKeyUsage=clientAuth']);
    leaf(at, stranger, 'stranger', 'mesh-stranger', ['extendedKeyUsage=clientAuth']);
  } catch (err) {
    d.remove();
    throw err;
  }
  return {
    dir: d.path,
    ca: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
    strangerCert: at('stranger.pem'),
    strangerKey: at('stranger.key'),
    remove: d.remove,
  };
}

/** The `tls { }` block for startNats({ config }); `verify` asks every client for a certificate from the CA. */
export function natsTlsConfig(files: TlsFiles, o: { verify?: boolean } = {}): string {
  return [
    'tls {',
    `  cert_file: ${JSON.stringify(files.serverCert)}`,
    `  key_file: ${JSON.stringify(files.serverKey)}`,
    `  ca_file: ${JSON.stringify(files.ca)}`,
    ...(o.verify ? ['  verify: true'] : []),
    '  timeout: 2',
    '}',
  ].join('\n');
}

interface Authority {
  cert: string;
  key: string;
}

function authority(at: (name: string) => string, name: string, cn: string): Authority {
  const cert = at(`${name}.pem`);
  const key = at(`${name}.key`);
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', `/CN=${cn}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  return { cert, key };
}

function leaf(at: (name: string) => string, ca: Authority, name: string, cn: string, extensions: string[]): void {
  const key = at(`${name}.key`);
  const csr = at(`${name}.csr`);
  const ext = at(`${name}.ext`);
  writeFileSync(ext, [...extensions, 'keyUsage=critical,digitalSignature', 'basicConstraints=CA:FALSE', ''].join('\n'));
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cn}`);
  openssl('x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${randomBytes(8).toString('hex')}`,
    '-days', '1', '-extfile', ext, '-out', at(`${name}.pem`));
}

function openssl(...args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: 'pipe' });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString('utf8').trim() ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr || (err as Error).message}`, { cause: err });
  }
}
