/**
 * False-positive filters shared by the entropy detector and the assignment rules. Each answers one
 * question about a value (or its surroundings) and is tested on its own.
 */

/** Shannon entropy in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (let i = 0; i < value.length; i++) counts.set(value[i]!, (counts.get(value[i]!) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

const counts = new Int32Array(128);
const firstSeen = new Uint8Array(128);

/**
 * `shannonEntropy(text.slice(start, end))` for ASCII text without the slice or the Map. Sums in order
 * of first appearance, as `shannonEntropy` does, so both give the same bits to the last place.
 */
export function asciiEntropy(text: string, start: number, end: number): number {
  const length = end - start;
  if (length <= 0) return 0;
  let distinct = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i) & 127;
    if (counts[c]++ === 0) firstSeen[distinct++] = c;
  }
  let bits = 0;
  for (let k = 0; k < distinct; k++) {
    const c = firstSeen[k]!;
    const p = counts[c]! / length;
    bits -= p * Math.log2(p);
    counts[c] = 0;
  }
  return bits;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** `abcdef…`, `123456…`, `987…`, and values built from a short repeated unit (`xxxx`, `abab`, `ab12ab12`). */
export function isSequentialOrRepeated(value: string): boolean {
  const n = value.length;
  if (n < 2) return false;
  for (let unit = 1; unit <= 4 && unit * 2 <= n; unit++) {
    // `value[i] === value[i % unit]` throughout: the first `unit` characters repeated.
    let i = unit;
    while (i < n && value.charCodeAt(i) === value.charCodeAt(i - unit)) i++;
    if (i === n) return true;
  }
  let steps = 0;
  for (let i = 1; i < n; i++) if (Math.abs(value.charCodeAt(i) - value.charCodeAt(i - 1)) === 1) steps++;
  // Most neighbours one code point apart: a keyboard run, not a key (`abcdefghijklmnopqrstuvwxyz0123456789`).
  return steps >= (n - 1) * 0.6;
}

const TEMPLATE = /<[^<>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%\([^)]*\)[sd]|^%[sd]$|^\$[A-Za-z_][A-Za-z0-9_]*$|process\.env|os\.environ|getenv/;
const PLACEHOLDER_WORDS = /example|sample|dummy|placeholder|change[_-]?me|changeit|your|redacted|replace[_-]?me|fixme|todo|xxxx|\*\*\*\*|\.\.\.\.|####/i;
const MASK = /^(?:\*+|x+|\.+|-+|_+|#+|0+|•+)$/i;
const STUB_WORDS = new Set([
  'password', 'passwd', 'pwd', 'pass', 'secret', 'token', 'apikey', 'api_key', 'key', 'test', 'testing',
  'none', 'null', 'nil', 'undefined', 'true', 'false', 'empty', 'string', 'str', 'required', 'optional',
]);

/** `<token>`, `${VAR}`, `{{ secret }}`, `your_api_key`, `changeme`, `example`, `****`, `password` and friends. */
export function isPlaceholder(value: string): boolean {
  const v = value.trim();
  if (v.length === 0) return true;
  return TEMPLATE.test(v) || PLACEHOLDER_WORDS.test(v) || MASK.test(v) || STUB_WORDS.has(v.toLowerCase());
}

const LOCKFILES = new Set([
  'package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock', 'pnpm-lock.yaml', 'bun.lock', 'deno.lock',
  'cargo.lock', 'gemfile.lock', 'poetry.lock', 'pipfile.lock', 'uv.lock', 'composer.lock', 'go.sum',
  'flake.lock', 'mix.lock', 'pubspec.lock', 'podfile.lock', 'packages.lock.json', 'gradle.lockfile',
]);

/** Lockfiles are wall-to-wall integrity hashes; entropy there says nothing about secrets. */
export function isLockfile(path: string): boolean {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1).toLowerCase();
  return LOCKFILES.has(base) || base.endsWith('.lock') || base.endsWith('.lockfile');
}

const CONFIG_FILE = /(?:^|[\\/])\.env(?:\.[\w-]+)?$|\.(?:env|ini|cfg|conf|properties|ya?ml|toml)$/i;

/** Files where `password=value` without quotes is a literal, not a reference to a variable. */
export function isConfigFile(path: string): boolean {
  return CONFIG_FILE.test(path);
}

const HASH_WORDS = /\b(?:commit|sha\d*|integrity|hash|checksum|digest|rev|revision|etag|resolved|parent|tree|object)\b|sha\d*[-_]|hash[-_]|commit[-_]/i;
const SRI_PREFIX = /^(?:sha1|sha256|sha384|sha512|md5)[-_:]/i;

/** A git SHA or content hash: the value is an SRI string, or a hash word sits shortly before it on its line. */
export function looksLikeHash(text: string, start: number, value: string): boolean {
  if (SRI_PREFIX.test(value)) return true;
  // The 48 characters before, cut at a newline (searched in the slice: a minified line can be megabytes).
  const window = text.slice(Math.max(0, start - 48), start);
  return HASH_WORDS.test(window.slice(window.lastIndexOf('\n') + 1));
}
