/**
 * Texts for the property tests. Pieces that sit on every edge the anchors and detectors care about:
 * quotes and operators around values, secret-word names, token prefixes, IP and email shapes, blanks,
 * newlines (CRLF too), separators, characters above 0xFF (blanks among them), escapes and stray
 * halves of each; and whole constructs: assignments, URLs with credentials, vendor tokens, JWTs,
 * webhooks.
 */
import fc from 'fast-check';
import { b64url, hex, noise, upperDigits } from './fixtures.js';

const PIECES = [
  '"', "'", '`', '=', ':', '==', ':=', '=>', ' ', '\t', '\n', '\r\n', ',', ';', '(', ')', '[', '{', '}', '.', '/', '+', '-', '_', '$', '\\', '?', '#', '@',
  'password', 'Password', 'DB_PASSWORD', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'clientSecret', 'token', 'authToken', 'api_key', 'apiKey', 'APIKEY',
  'secret_key', 'signingKey', 'monkey', 'bypass', 'key', 'x.password', 'a-token', '1pass', 'password_', '"password":', 'aws_secret_access_key', 'AWSSecretKey',
  'AKIA', 'ASIA', 'ABIA', 'ACCA', 'ghp_', 'gho_', 'github_pat_', 'glpat-', 'xoxb-', 'xoxz-', 'sk_live_', 'rk_live_', 'npm_', 'AIza', 'eyJ', 'yJ',
  '-----BEGIN RSA PRIVATE KEY-----', '-----BEGIN PRIVATE KEY-----', '-----END RSA PRIVATE KEY-----', '------BEGIN', 'BEGIN',
  'https://', 'postgres://', 'redis://', 'git@github.com:org/repo', 'user:pass@', 'app:s3cr3t-pw@db.internal', 'https://hooks.slack.com/services/',
  'ada.lovelace@analytical.co.uk', 'x@y.io', 'lodash@4.17.21', 'user@example.com', 'logo@2x.png', '@babel/core',
  '34.120.5.17', '10.0.0.1', '1.2.3.4', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', 'version 1.2.3.4', 'v3.1.4.1', '8.8.8.8',
  '2001:db8::1', '2607:f8b0:4004:800::200e', '2a03:2880:f12f:83:face:b00c:0:25de', '::1', 'fe80::1', 'std::vector', 'abc::def', '12:30:45', '::',
  'sha256-', 'commit ', 'integrity', '${TOKEN}', '<token>', 'changeme', 'your_api_key', 'xxxxxxxx', 'abcdefghijklmnopqrstuvwxyz0123456789',
  '3f2b8c1e-9a4d-4e7f-b0c2-5d6e7f8a9b0c', 'é', 'ÿ', '中文', '😀', '\u2028', '\u00a0', '\u3000', '\ufeff', '\u0141', '\ud800', '\0',
];

const seed = fc.integer({ min: 1, max: 100_000 });
const random = (alphabet: (n: number, seed: number) => string, min: number, spread: number) => seed.map((s) => alphabet(min + (s % spread), s));
/** A name, a closing quote, blanks, an operator, blanks and a value: what ASSIGNMENT reads. */
const assignment = fc
  .tuple(
    fc.constantFrom('password', 'DB_PASSWORD', 'secret', 'api_key', 'apiKey', 'authToken', 'token', 'x.passwd', 'signing_key', 'aws_secret_access_key', 'name', 'bypass'),
    fc.constantFrom('', '"', "'"),
    fc.constantFrom('', ' ', '  ', '\t', '\n'),
    fc.constantFrom('=', ':', ':=', '=>', '=='),
    fc.constantFrom('', ' ', '\t'),
    fc.oneof(
      random(noise, 4, 40).map((v) => `"${v}"`),
      random(noise, 4, 40).map((v) => `'${v}'`),
      random(noise, 4, 40),
      fc.constantFrom('"changeme"', 'config.password', 'getToken()', '"a b c d"', '`tmpl${x}`', '""', 'null'),
    ),
  )
  .map((parts) => parts.join(''));
const url = fc
  .tuple(fc.constantFrom('https', 'postgres', 'redis', 'x+y.z', '1ab'), fc.constantFrom('app', 'u', ''), random(noise, 1, 16), fc.constantFrom('db.internal:5432/app', 'host', '-', ''))
  .map(([scheme, user, pass, host]) => `${scheme}://${user}:${pass}@${host}`);
/** Vendor prefixes with the body lengths their rules take, and one off either way. */
const VENDOR: Array<[prefix: string, length: number]> = [
  ['ghp_', 36], ['ghs_', 40], ['github_pat_', 30], ['glpat-', 20], ['xoxb-', 10], ['sk_live_', 16], ['rk_live_', 24], ['npm_', 36], ['AIza', 35], ['AKIA', 16], ['ACCA', 16],
];
const vendor = fc
  .tuple(fc.constantFrom(...VENDOR), fc.constantFrom(-1, 0, 0, 0, 1, 9), seed, fc.constantFrom('', '/', '+', '-', 'x', 'X', '_'))
  .map(([[prefix, length], delta, s, before]) => before + prefix + (prefix.startsWith('A') && prefix !== 'AIza' ? upperDigits : noise)(Math.max(1, length + delta), s));
const awsSecret = fc
  .tuple(fc.constantFrom('aws_secret_access_key', 'AWS_SECRET_KEY', 'awsSecretAccessKey', 'aws.secret.key', 'my_aws_secret_access_key'), fc.constantFrom(' = ', ': ', '="', "='", '=='), seed, fc.constantFrom(39, 40, 41))
  .map(([name, op, s, length]) => name + op + noise(length, s, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+='));
export const token = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 2, arbitrary: random(noise, 8, 60) },
  { weight: 1, arbitrary: random(hex, 8, 48) },
  { weight: 1, arbitrary: random(upperDigits, 16, 8) },
  { weight: 2, arbitrary: assignment },
  { weight: 1, arbitrary: url },
  { weight: 2, arbitrary: vendor },
  { weight: 1, arbitrary: awsSecret },
  { weight: 1, arbitrary: seed.map((s) => b64url(`{"alg":"HS${s}","typ":"JWT"}`) + '.' + noise(12, s) + '.' + noise(20, s + 1)) },
  { weight: 1, arbitrary: seed.map((s) => 'https://hooks.slack.com/services/T' + upperDigits(8, s) + '/B' + upperDigits(8, s + 1) + '/' + noise(24, s)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
);
export const texts = fc.array(token, { maxLength: 60 }).map((parts) => parts.join(''));
export const paths = fc.constantFrom('', 'src/app.ts', 'deploy/.env', 'config.yaml', 'package-lock.json', 'a/b/yarn.lock');
