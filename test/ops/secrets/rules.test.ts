import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isJwt, kindOfName, scan } from '../../../ops/secrets/index.js';
import { at, b64url, noise, upperDigits } from './fixtures.js';

const only = (text: string, path?: string) => {
  const findings = scan(text, { path });
  assert.equal(findings.length, 1, `expected one finding in ${JSON.stringify(findings)}`);
  return findings[0]!;
};

describe('secrets rules - each credential format is found with its rule id', () => {
  const cases: Array<[rule: string, secret: string, wrap: (s: string) => string]> = [
    ['aws-access-key-id', 'AK' + 'IA' + upperDigits(16, 2), (s) => `id = ${s}\n`],
    ['aws-access-key-id', 'AS' + 'IA' + upperDigits(16, 3), (s) => `creds.push("${s}")`],
    ['aws-secret-access-key', noise(38, 4) + '/+', (s) => `aws_secret_access_key = ${s}\n`],
    ['github-token', 'gh' + 'p_' + noise(36, 5), (s) => `token: ${s}`],
    ['github-token', 'gh' + 's_' + noise(36, 6), (s) => `const t = '${s}';`],
    ['github-token', 'gh' + 'o_' + noise(36, 7), (s) => `auth(${s})`],
    ['github-token', 'gh' + 'u_' + noise(36, 8), (s) => `auth(${s})`],
    ['github-token', 'gh' + 'r_' + noise(36, 9), (s) => `auth(${s})`],
    ['github-fine-grained-pat', 'github' + '_pat_' + noise(22, 10) + '_' + noise(59, 11), (s) => `GH=${s}`],
    ['gitlab-token', 'gl' + 'pat-' + noise(20, 12), (s) => `"${s}"`],
    ['slack-token', 'xo' + 'xb-' + noise(12, 13) + '-' + noise(24, 14), (s) => `slack(${s})`],
    ['slack-webhook', 'https://hooks.slack.com/services/T' + upperDigits(8, 15) + '/B' + upperDigits(8, 16) + '/' + noise(24, 17), (s) => `url = "${s}"`],
    ['stripe-key', 's' + 'k_live_' + noise(24, 18), (s) => `stripe(${s})`],
    ['stripe-key', 'r' + 'k_live_' + noise(24, 19), (s) => `stripe(${s})`],
    ['npm-token', 'np' + 'm_' + noise(36, 20), (s) => `//registry.npmjs.org/:_authToken=${s}\n`],
    ['google-api-key', 'AI' + 'za' + noise(35, 21), (s) => `maps.load("${s}")`],
  ];
  for (const [rule, secret, wrap] of cases) {
    it(`${rule} - ${secret.slice(0, 6)}…`, () => {
      const text = wrap(secret);
      const f = only(text);
      assert.equal(f.rule, rule);
      assert.equal(f.kind, 'key');
      assert.equal(at(text, f), secret);
    });
  }

  it('private-key - the whole armoured block, and an unterminated block to the end of the text', () => {
    const body = [noise(64, 22), noise(64, 23), noise(20, 24) + '=='].join('\n');
    const block = '-----BEGIN RSA ' + 'PRIVATE KEY-----\n' + body + '\n-----END RSA ' + 'PRIVATE KEY-----';
    const text = `const pem = \`\n${block}\n\`;\nnext();\n`;
    const f = only(text);
    assert.deepEqual([f.rule, f.line, at(text, f)], ['private-key', 2, block]);

    const truncated = 'x\n-----BEGIN ' + 'PRIVATE KEY-----\n' + body;
    const g = only(truncated);
    assert.deepEqual([g.rule, g.start, g.end], ['private-key', 2, truncated.length]);
  });

  it('jwt - three base64url parts whose header is JSON naming "alg"; other dotted base64 is not a JWT', () => {
    const jwt = [b64url('{"alg":"HS256","typ":"JWT"}'), b64url(`{"sub":"${noise(10, 25)}"}`), noise(43, 26)].join('.');
    const text = `Authorization: Bearer ${jwt}\n`;
    const f = only(text);
    assert.deepEqual([f.rule, at(text, f)], ['jwt', jwt]);
    assert.equal(isJwt([b64url('{"typ":"JWT","x":1}'), b64url('{"a":1}'), 'abc'].join('.')), false);
    assert.equal(isJwt('eyJub3QganNvbg.' + noise(10) + '.' + noise(10)), false);
  });

  it('url-credentials - only the password of scheme://user:pass@host, placeholders skipped', () => {
    const pass = noise(12, 27);
    const text = `DATABASE_URL=postgres://app:${pass}@db.internal:5432/app\n`;
    const f = only(text);
    assert.deepEqual([f.rule, f.kind, at(text, f)], ['url-credentials', 'password', pass]);
    assert.deepEqual(scan('url = "redis://user:${REDIS_PASSWORD}@cache:6379"'), []);
    assert.deepEqual(scan('url = "amqp://guest:<password>@mq/"'), []);
  });
});

describe('secrets rules - password and key assignments', () => {
  it('finds the value of password, secret and api_key assignments in code and config', () => {
    const pw = noise(10, 30);
    const text = [
      `DB_PASSWORD = "${pw}1"`,
      `  secret: '${pw}2'`,
      `api_key=${pw}3`,
      `{"clientSecret": "${pw}4"}`,
      `this.authToken = \`${pw}5\`;`,
    ].join('\n');
    const found = scan(text).map((f) => [f.rule, f.kind, f.line, at(text, f)]);
    assert.deepEqual(found, [
      ['password-assignment', 'password', 1, `${pw}1`],
      ['password-assignment', 'password', 2, `${pw}2`],
      ['key-assignment', 'key', 3, `${pw}3`],
      ['password-assignment', 'password', 4, `${pw}4`],
      ['key-assignment', 'key', 5, `${pw}5`],
    ]);
  });

  it('skips placeholders, references to variables, calls, comparisons, sentences and words that only contain "pass"', () => {
    const text = [
      'password = "changeme"',
      'password = "${DB_PASS}"',
      "secret: '<secret>'",
      'api_key = "your_api_key_here"',
      'password = "****"',
      'password = config.password',
      'password = getPassword()',
      'password = os.environ["PASSWORD"]',
      'if password == "hunter22":',
      'password: string;',
      'passwordLabel = "Enter a password"',
      'bypass = "letmein99"',
      'password = ""',
    ].join('\n');
    assert.deepEqual(scan(text), []);
  });

  it('accepts a bare word in config files only', () => {
    assert.deepEqual(scan('password = opensesame'), []);
    const f = only('password = opensesame\n', 'deploy/.env');
    assert.equal(f.rule, 'password-assignment');
    assert.equal(only('password: opensesame\n', 'config.yaml').kind, 'password');
  });

  it('reads the kind from the last word of the name', () => {
    assert.equal(kindOfName('DB_PASSWORD'), 'password');
    assert.equal(kindOfName('dbPassword'), 'password');
    assert.equal(kindOfName('stripe.apiKey'), 'key');
    assert.equal(kindOfName('SECRET_KEY'), 'key');
    assert.equal(kindOfName('access-token'), 'key');
    assert.equal(kindOfName('bypass'), undefined);
    assert.equal(kindOfName('passwordHash'), undefined);
  });
});
