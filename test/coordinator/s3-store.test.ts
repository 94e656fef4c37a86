import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { example, runToEnd, tempDir } from '../harness/flows.js';
import { startS3, type S3Server } from '../harness/s3.js';
import { StoredRun } from '../harness/read.js';

describe('embedded runs on an S3 store', () => {
  let s3: S3Server;
  const saved = { ...process.env };
  before(async () => {
    s3 = await startS3('mesh-embedded');
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_S3: s3.endpoint, AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1',
    });
  });
  after(async () => {
    process.env = saved;
    await s3.stop();
  });

  it('runs a foreach with its artifacts and records in S3, with the same digests as on disk', async () => {
    const url = `s3://${s3.bucket}/runs`;
    const { record } = await runToEnd(example('fanout'), { store: url, params: { n: 20 } });
    assert.equal(record.status, 'succeeded');
    const stored = new StoredRun(url, 'Fanout', record.run);
    assert.equal(await stored.artifact('end', '0', 'total'), 2470);
    assert.equal((await stored.tasks('sq')).length, 20);
    assert.match(stored.cas.url, /^s3:\/\//);

    const dir = tempDir();
    try {
      const local = await runToEnd(example('fanout'), { store: dir.path, params: { n: 20 } });
      const onDisk = new StoredRun(dir.path, 'Fanout', local.record.run);
      assert.deepEqual((await onDisk.task('end')).artifacts, (await stored.task('end')).artifacts);
      assert.deepEqual((await onDisk.task('sq', '13')).artifacts, (await stored.task('sq', '13')).artifacts);
    } finally {
      dir.remove();
    }
  });
});
