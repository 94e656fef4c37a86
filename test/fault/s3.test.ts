/**
 * The content store goes away mid-run: the S3 endpoint (s3rver) refuses connections for 20 s. Tasks
 * wait it out and finish, no task is marked failed for it, and the dataset is the fault-free one.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../harness/flows.js';
import { startNats, type NatsServer } from '../harness/nats.js';
import { S3RVER_CREDENTIALS, startS3, type S3Server } from '../harness/s3.js';
import { assertCleanRun, referenceDataset, report, STACK_FLOW, STACK_PARAMS, writeCorpus, type Dataset } from './dataset.js';
import { FaultMesh, sleep } from './fault-mesh.js';

process.env.MESH_ACK_WAIT_MS = '3000';

const OUTAGE_MS = 20_000;
const dir = tempDir('fault-s3-');
const source = join(dir.path, 'src');
let nats: NatsServer;
let s3: S3Server;
let expected: Dataset;
let mesh: FaultMesh | undefined;

before(async () => {
  writeCorpus(source);
  [nats, s3, expected] = await Promise.all([startNats(), startS3(), referenceDataset(source, dir.path)]);
  // Every process of the mesh (and this one, which submits) finds the endpoint the way users do.
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
after(async () => {
  await mesh?.stop();
  await nats?.stop();
  await s3?.stop();
  dir.remove();
});

describe('fault - the S3 content store', () => {
  it(`down for ${OUTAGE_MS / 1000} s mid-run: tasks back off and finish, none is marked failed, the same dataset`, async () => {
    mesh = await (await FaultMesh.start({ nats: nats.url, store: `${s3.url}/mesh` })).up();
    const t0 = Date.now();
    const out = join(dir.path, 'out');
    const run = await mesh.submit(STACK_FLOW, { ...STACK_PARAMS, source, out });
    // Sign tasks are about to read the documents scan tasks wrote and write their signatures; the
    // coordinator will store the input list of the 81-input shuffle join.
    assert.ok(await run.until((p) => p.started('sign') >= 1), 'the run reached sign');
    await s3.down();
    const eventsBefore = run.progress.events.length;
    await sleep(OUTAGE_MS);
    assert.equal(await Promise.race([run.done().then(() => 'ended'), sleep(0).then(() => 'running')]), 'running', 'the run waited for the store');
    await s3.up();
    const final = await run.done();
    await assertCleanRun(mesh, run, final, out, expected);
    assert.ok(run.progress.events.length > eventsBefore, 'the run went on after the outage');
    // The store was waited for, not failed over to a redelivery of the whole task message.
    const given = mesh.services.flatMap((s) => s.log.filter((l) => /left for redelivery|will be retried/.test(l)));
    assert.deepEqual(given, []);
    report(`S3 store down ${OUTAGE_MS / 1000} s`, 1, expected.sha256, Date.now() - t0);
  });
});
