import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidOptOutEntryError, OptOutSnapshot, parseEntry, parseRepo } from '../../../ops/optout/index.js';

describe('optout - entries', () => {
  it('reads owners and repositories in every spelling as lower-case owner or owner/repo', () => {
    const cases: Array<[string, string]> = [
      ['octocat', 'octocat'],
      ['OctoCat', 'octocat'],
      ['octocat/Hello-World', 'octocat/hello-world'],
      ['github.com/octocat/hello-world', 'octocat/hello-world'],
      ['github.com/octocat', 'octocat'],
      ['https://github.com/Octocat/Hello-World.git', 'octocat/hello-world'],
      ['https://github.com/octocat/hello-world/', 'octocat/hello-world'],
      ['http://www.github.com/octocat', 'octocat'],
      ['git@github.com:octocat/hello-world.git', 'octocat/hello-world'],
      ['ssh://git@github.com:22/octocat/hello-world', 'octocat/hello-world'],
      ['  acme/.github  ', 'acme/.github'],
      ['acme/under_score.js', 'acme/under_score.js'],
    ];
    for (const [input, text] of cases) assert.equal(parseEntry(input).text, text, input);
    assert.deepEqual(parseEntry('a/b'), { kind: 'repo', owner: 'a', repo: 'b', text: 'a/b' });
    assert.deepEqual(parseEntry('a'), { kind: 'owner', owner: 'a', text: 'a' });
  });

  it('rejects a bad entry with one line that names it and says why', () => {
    const cases: Array<[string, RegExp]> = [
      ['', /^bad opt-out entry "": is empty$/],
      ['octo cat', /^bad opt-out entry "octo cat": contains whitespace$/],
      ['a/b/c', /^bad opt-out entry "a\/b\/c": has more than owner\/repo$/],
      ['github.com', /^bad opt-out entry "github.com": names the host github.com but no owner$/],
      ['https://github.com/', /names the host github.com but no owner/],
      ['*', /^bad opt-out entry "\*": owner '\*' may only hold letters, digits, '-' and '_'/],
      ['-dash/repo', /owner '-dash' may only hold/],
      ['owner/re$po', /repository name 're\$po' may only hold letters, digits, '.', '-' and '_'/],
      ['owner/..', /repository name '..' may only hold/],
      ['x'.repeat(101), /owner 'x{101}' may only hold .* at most 100 characters/],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => parseEntry(input), (err: Error) => {
        assert.ok(err instanceof InvalidOptOutEntryError, String(err));
        assert.equal(err.nonRetryable, true);
        assert.equal(err.message.includes('\n'), false);
        assert.match(err.message, message);
        return true;
      }, input);
    }
  });

  it('reads a document repo leniently: extra path segments, query and fragment are ignored', () => {
    assert.deepEqual(parseRepo('https://github.com/Acme/Widget/tree/main/src?x=1#L3'), { owner: 'acme', repo: 'widget' });
    assert.deepEqual(parseRepo('acme'), { owner: 'acme' });
    assert.equal(parseRepo(''), undefined);
    assert.equal(parseRepo(42), undefined);
    assert.equal(parseRepo(undefined), undefined);
  });
});

describe('optout - snapshot matching', () => {
  const snap = new OptOutSnapshot(['Acme', 'octocat/Hello-World', 'foo/bar.js']);

  it('matches a repository entry in every form a doc meta.repo takes, case-insensitively', () => {
    for (const repo of [
      'octocat/hello-world',
      'OctoCat/Hello-World',
      'github.com/octocat/hello-world',
      'https://github.com/octocat/hello-world',
      'https://github.com/octocat/hello-world.git',
      'git@github.com:octocat/Hello-World.git',
      'foo/bar.js',
      'https://github.com/foo/bar.js.git',
    ]) assert.ok(snap.matches(repo), repo);
  });

  it('matches every repository of an opted-out owner, and nothing else', () => {
    assert.equal(snap.match('acme/anything'), 'acme');
    assert.equal(snap.match('https://github.com/ACME/rocket.git'), 'acme');
    assert.equal(snap.match('octocat/hello-world'), 'octocat/hello-world');
    for (const repo of ['octocat/hello-world-2', 'octocat/other', 'acme-corp/x', 'hello-world/octocat', 'foo/bar', 'foo/bar.jsx', 'notacme', undefined, null, 7]) {
      assert.equal(snap.matches(repo), false, String(repo));
    }
  });

  it('is immutable and has a digest that depends only on the set of entries', () => {
    const again = new OptOutSnapshot(['FOO/bar.js', 'octocat/hello-world', 'acme', 'acme']);
    assert.deepEqual(again.entries, ['acme', 'foo/bar.js', 'octocat/hello-world']);
    assert.equal(again.digest, snap.digest);
    assert.match(snap.digest, /^[0-9a-f]{64}$/);
    assert.notEqual(new OptOutSnapshot(['acme']).digest, snap.digest);
    // The digest is that of a clean registry file: sorted entries, one per line.
    assert.equal(new OptOutSnapshot([]).digest, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.throws(() => (snap.entries as string[]).push('x'), TypeError);
    assert.throws(() => { (snap as { digest: string }).digest = 'x'; }, TypeError);
  });
});
