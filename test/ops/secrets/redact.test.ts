import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidFindingError, redact, resolveOverlaps, scan, syntheticIp, type Finding } from '../../../ops/secrets/index.js';
import { noise } from './fixtures.js';

describe('secrets redact - replacements and counts', () => {
  const gh = 'gh' + 'p_' + noise(36, 60);
  const pw = noise(12, 61);
  const text = [
    `token = "${gh}"`,
    `password: "${pw}"`,
    'mail ada@analytical.co.uk from 34.120.5.17',
    'again 34.120.5.17, v6 2607:f8b0:4004:800::200e and 2607:f8b0:4004:800:0:0:0:200e',
    'local 10.0.0.1',
  ].join('\n');

  it('replaces keys, passwords and emails with tags and counts each kind', () => {
    const { text: out, counts } = redact(text, scan(text));
    const lines = out.split('\n');
    assert.equal(lines[0], 'token = "<KEY>"');
    assert.equal(lines[1], 'password: "<PASSWORD>"');
    assert.match(lines[2]!, /^mail <EMAIL> from (192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/);
    assert.equal(lines[4], 'local 10.0.0.1');
    assert.deepEqual(counts, { key: 1, password: 1, email: 1, ip_address: 4 });
    for (const secret of [gh, pw, 'ada@', '34.120.5.17', '2607:f8b0']) assert.ok(!out.includes(secret), secret);
  });

  it('maps the same IP to the same synthetic address of the same family, everywhere', () => {
    const out = redact(text, scan(text)).text;
    const v4 = out.match(/(?:192\.0\.2|198\.51\.100|203\.0\.113)\.\d+/g)!;
    assert.equal(v4.length, 2);
    assert.equal(v4[0], v4[1]);
    const v6 = out.match(/2001:db8:[0-9a-f:]+/g)!;
    assert.equal(v6.length, 2);
    assert.equal(v6[0], v6[1], 'compressed and expanded forms agree');
    const elsewhere = 'other file: 34.120.5.17';
    assert.equal(redact(elsewhere, scan(elsewhere)).text, `other file: ${v4[0]}`);
    assert.equal(syntheticIp('34.120.5.17'), v4[0]);
    assert.notEqual(syntheticIp('34.120.5.17', 'salt'), syntheticIp('34.120.5.17'));
  });

  it('is idempotent: redacted output scans clean', () => {
    const once = redact(text, scan(text)).text;
    assert.deepEqual(scan(once), []);
  });

  it('rejects findings that do not fit the text', () => {
    const bad: Finding = { kind: 'key', rule: 'x', line: 1, start: 3, end: 99 };
    assert.throws(() => redact('short', [bad]), (e: unknown) => e instanceof InvalidFindingError && e.index === 0);
  });
});

describe('secrets scan - findings and overlaps', () => {
  it('findings never carry the secret value', () => {
    const gh = 'gh' + 'p_' + noise(36, 62);
    const pw = noise(14, 63);
    const text = `token = "${gh}"\npassword = "${pw}"\nk = "${noise(32, 64)}"\nmail ada@analytical.co.uk 34.120.5.17`;
    const findings = scan(text);
    assert.equal(findings.length, 5);
    const json = JSON.stringify(findings);
    for (const secret of [gh, pw, noise(32, 64), 'ada@analytical', '34.120.5.17']) assert.ok(!json.includes(secret), secret);
    for (const f of findings) assert.deepEqual(Object.keys(f).sort(), ['end', 'kind', 'line', 'rule', 'start']);
  });

  it('resolves overlaps deterministically: longest wins, then the more specific rule', () => {
    const a = { rule: 'b', start: 0, end: 10, priority: 2 };
    const b = { rule: 'a', start: 5, end: 20, priority: 2 };
    const c = { rule: 'z', start: 20, end: 30, priority: 0 };
    const d = { rule: 'y', start: 20, end: 30, priority: 1 };
    assert.deepEqual(resolveOverlaps([a, b, c, d]), [b, c]);
    assert.deepEqual(resolveOverlaps([d, c, b, a]), [b, c]);
  });

  it('a token in a key assignment is reported once, under its format rule', () => {
    const gh = 'gh' + 'p_' + noise(36, 65);
    assert.deepEqual(scan(`GITHUB_TOKEN = "${gh}"`).map((f) => f.rule), ['github-token']);
  });
});
