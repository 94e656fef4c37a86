import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FileBackend, openBackend, S3Backend, StoreError } from '../../store/index.js';

describe('openBackend', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.MESH_STORE;
    delete process.env.MESH_STORE;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.MESH_STORE;
    else process.env.MESH_STORE = saved;
  });

  it('defaults to .mesh in the working directory', () => {
    const b = openBackend(undefined, '/work/project');
    assert.ok(b instanceof FileBackend);
    assert.equal(b.root, join('/work/project', '.mesh'));
  });

  it('uses MESH_STORE when no store is given, and the given store over MESH_STORE', () => {
    process.env.MESH_STORE = '/var/mesh';
    assert.equal((openBackend(undefined, '/w') as FileBackend).root, '/var/mesh');
    assert.equal((openBackend('store', '/w') as FileBackend).root, '/w/store');
  });

  it('resolves a relative directory against cwd and accepts file:// urls', () => {
    assert.equal((openBackend('../shared/store', '/w/app') as FileBackend).root, '/w/shared/store');
    assert.equal(openBackend('file:///srv/mesh').url, 'file:///srv/mesh');
  });

  it('opens s3://bucket/prefix as an S3 store', async () => {
    const b = openBackend('s3://my-bucket/runs/prod');
    try {
      assert.ok(b instanceof S3Backend);
      assert.equal(b.url, 's3://my-bucket/runs/prod');
      assert.equal(b.options.prefix, 'runs/prod/');
    } finally {
      await b.close();
    }
  });

  it('rejects s3:// without a bucket, and other schemes, in one line', () => {
    for (const spec of ['s3://', 's3:///prefix']) {
      assert.throws(() => openBackend(spec), (err: unknown) => {
        assert.ok(err instanceof StoreError);
        assert.equal(err.message, `${spec}: cannot open: an S3 store needs a bucket: use s3://<bucket>/<prefix>`);
        return true;
      });
    }
    assert.throws(() => openBackend('gs://bucket/x'), /unsupported store/);
  });
});
