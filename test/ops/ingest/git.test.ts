import assert from 'node:assert/strict';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { IngestSourceError, planBatches, readBatch, readSource, repoFromRemote } from '../../../ops/ingest/index.js';
import { collect, contents, git, gitRepo, records, skips, tempDir, writeFiles } from './fixtures.js';

describe('ingest git - the HEAD tree of a local repository', () => {
  const { dir, cleanup } = tempDir();
  after(cleanup);

  it('reads committed files (not the working tree) with repo, commit and blob sha', async () => {
    const repo = join(dir, 'myrepo');
    const sha = gitRepo(repo, { 'src/main.py': 'print(1)\n', 'README.md': '# hi\n', 'data/blob.bin': Buffer.alloc(3000, 7), 'sp ace/ünï.txt': 'u\n' });
    symlinkSync('README.md', join(repo, 'link'));
    git(repo, 'add', 'link');
    git(repo, 'commit', '-q', '-m', 'link');
    const head = git(repo, 'rev-parse', 'HEAD');
    assert.notEqual(head, sha);
    writeFiles(repo, { 'src/main.py': 'uncommitted edit\n', 'untracked.txt': 'no' });

    const items = await collect(readSource(repo, { maxBytes: 1000 }));
    assert.deepEqual(contents(items), ['README.md=# hi\n', 'sp ace/ünï.txt=u\n', 'src/main.py=print(1)\n']);
    assert.deepEqual(skips(items), [['data/blob.bin', 'too_large'], ['link', 'symlink']]);
    const main = records(items).find((r) => r.path === 'src/main.py')!;
    assert.equal(main.id, 'myrepo/src/main.py');
    assert.deepEqual(main.meta, { source: 'git', repo: 'myrepo', commit: head, blobId: git(repo, 'rev-parse', 'HEAD:src/main.py') });
  });

  it('names the repository after its origin remote, without credentials, or as told', async () => {
    const repo = join(dir, 'cloned');
    gitRepo(repo, { 'a.txt': 'a' });
    git(repo, 'remote', 'add', 'origin', 'https://user:s3cret@github.com/octo/widgets.git');
    const [r] = records(await collect(readSource(`git:${repo}`)));
    assert.equal(r?.id, 'octo/widgets/a.txt');
    assert.equal(r?.meta.repo, 'octo/widgets');
    const [named] = records(await collect(readSource({ type: 'git', path: repo, repo: 'me/override' })));
    assert.equal(named?.meta.repo, 'me/override');
    assert.equal(repoFromRemote('git@github.com:octo/widgets.git'), 'octo/widgets');
    assert.equal(repoFromRemote('ssh://git@gitlab.com:22/grp/sub/proj'), 'grp/sub/proj');
    assert.equal(repoFromRemote('/srv/git/project.git'), 'project');
    assert.equal(repoFromRemote('file:///srv/git/project.git/'), 'project');
  });

  it('batches list blob shas; reading them in order gives the whole tree once', async () => {
    const repo = join(dir, 'big');
    const files: Record<string, string> = {};
    for (let i = 0; i < 25; i++) files[`d${i % 3}/f${i}.txt`] = `file ${i}\n`.repeat(20);
    gitRepo(repo, files);
    const batches = await collect(planBatches(`git:${repo}`, { batchBytes: 500 }));
    assert.ok(batches.length >= 5);
    assert.ok(batches.every((b) => b.type === 'ingest.v1.git' && b.entries.every((e) => 'sha' in e && /^[0-9a-f]{40}$/.test(e.sha))));
    const read = (await Promise.all(batches.map((b) => collect(readBatch(JSON.stringify(b)))))).flat();
    assert.deepEqual(read, await collect(readSource(`git:${repo}`)));
    assert.equal(new Set(records(read).map((r) => r.path)).size, 25);
  });

  it('a directory that is not a repository fails with a one-line IngestSourceError', async () => {
    writeFiles(join(dir, 'plain'), { 'x.txt': 'x' });
    await assert.rejects(collect(planBatches(`git:${join(dir, 'plain')}`)), (e: unknown) => e instanceof IngestSourceError && /git rev-parse failed: fatal: not a git repository/.test(e.message) && e.nonRetryable);
  });
});
