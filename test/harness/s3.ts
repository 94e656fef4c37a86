/**
 * A real S3-protocol server for tests: s3rver on 127.0.0.1 with a fresh bucket in a temp directory.
 *
 *   const s3 = await startS3();
 *   const client = s3Client(s3.endpoint);
 *   ...
 *   await s3.down(); await s3.up();     // an outage: refused connections, then the same objects again
 *   await s3.stop();
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

/** The part of s3rver (untyped, CommonJS) the harness uses. */
interface S3rverServer {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  /** Set by run(). */
  httpServer?: { closeAllConnections(): void };
}
type S3rverClass = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
}) => S3rverServer;

const requireCjs = createRequire(import.meta.url);

/*
 * s3rver 3.7.1 stops walking its directory tree one level below a listed prefix, so with
 * Delimiter '/' a "directory" whose keys all sit two or more levels down (data/ab/<digest> under
 * '') never shows up in CommonPrefixes. S3 and MinIO list it. Walking the whole tree (the keys are
 * still filtered by prefix afterwards) makes s3rver list like S3. This must run before s3rver's
 * filesystem store loads, since it imports `walk` by destructuring.
 */
const utils = requireCjs('s3rver/lib/utils') as { walk: (dir: string, recurse?: (dir: string) => boolean) => Iterable<string> };
const prunedWalk = utils.walk;
utils.walk = (dir) => prunedWalk(dir);

const S3rver = requireCjs('s3rver') as S3rverClass;

/** s3rver accepts exactly these credentials. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  /** s3://<bucket> */
  url: string;
  /** An outage: connections are dropped and refused from now on; the objects are kept. */
  down(): Promise<void>;
  /** Back from down(): the same port, bucket and objects. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

/** A client for the test server: path style, no retries, so a failure shows at once. */
export function s3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3RVER_CREDENTIALS,
    maxAttempts: 1,
  });
}

export async function startS3(bucket = 'mesh-test'): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'mesh-s3rver-'));
  let server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory });
  let serving = true;
  let stopped = false;
  const down = async (): Promise<void> => {
    if (!serving) return;
    serving = false;
    const closed = server.close().catch(() => {});
    // Requests in flight fail like on a crash rather than finishing.
    server.httpServer?.closeAllConnections();
    await closed;
  };
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    if (serving) {
      serving = false;
      await server.close().catch(() => {});
    }
    await rm(directory, { recursive: true, force: true });
  };
  try {
    const { port } = await server.run();
    const endpoint = `http://127.0.0.1:${port}`;
    const up = async (): Promise<void> => {
      if (serving || stopped) return;
      server = new S3rver({ port, address: '127.0.0.1', silent: true, directory });
      await server.run();
      serving = true;
    };
    const client = s3Client(endpoint);
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
    return { endpoint, bucket, url: `s3://${bucket}`, down, up, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
