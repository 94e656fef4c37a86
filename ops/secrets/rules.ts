/**
 * Rules for credential formats that announce themselves (vendor prefixes, PEM armour, JWT shape) and
 * for `password = "…"` style assignments. Each rule has a stable id that ends up in findings and stats.
 */
import { isPlaceholder } from './filters.js';
import type { Kind } from './types.js';

/** Lower wins when two findings cover the same span: a named format beats an assignment beats entropy. */
export const PRIORITY = { format: 0, assignment: 1, entropy: 2, pii: 1 } as const;

export interface FormatRule {
  id: string;
  kind: Kind;
  /** Global regex; when `group` is set only that capture group is the secret (needs the `d` flag). */
  pattern: RegExp;
  group?: number;
  validate?: (value: string) => boolean;
}

export const FORMAT_RULES: readonly FormatRule[] = [
  { id: 'aws-access-key-id', kind: 'key', pattern: /(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/g },
  {
    id: 'aws-secret-access-key',
    kind: 'key',
    pattern: /(?<![a-z0-9])aws[_.-]?secret(?:[_.-]?access)?[_.-]?key["']?\s*(?::=|=>|=|:)\s*["']?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])/dgi,
    group: 1,
  },
  { id: 'github-token', kind: 'key', pattern: /(?<![A-Za-z0-9_])gh[pousr]_[A-Za-z0-9]{36,255}(?![A-Za-z0-9_])/g },
  { id: 'github-fine-grained-pat', kind: 'key', pattern: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9_]{22,255}/g },
  { id: 'gitlab-token', kind: 'key', pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,}/g },
  { id: 'slack-token', kind: 'key', pattern: /(?<![A-Za-z0-9_-])xox[baprs]-[A-Za-z0-9-]{10,}/g },
  {
    id: 'slack-webhook',
    kind: 'key',
    pattern: /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+/g,
  },
  { id: 'stripe-key', kind: 'key', pattern: /(?<![A-Za-z0-9_])(?:sk|rk)_live_[A-Za-z0-9]{16,}/g },
  { id: 'npm-token', kind: 'key', pattern: /(?<![A-Za-z0-9_])npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/g },
  { id: 'google-api-key', kind: 'key', pattern: /(?<![A-Za-z0-9_-])AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])/g },
  {
    // An unterminated block (truncated file) is still a key: it runs to the end of the text.
    id: 'private-key',
    kind: 'key',
    pattern: /-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----|$(?![\s\S]))/g,
  },
  {
    id: 'jwt',
    kind: 'key',
    pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
    validate: isJwt,
  },
  {
    // Only the password part is redacted: the user and host are useful (and often public) context.
    id: 'url-credentials',
    kind: 'password',
    pattern: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s:/?#@"'`<>]+:([^\s/?#@"'`<>]+)@[A-Za-z0-9.-]+/dg,
    group: 1,
    validate: (v) => !isPlaceholder(v),
  },
];

/** The header must decode to a JSON object naming its algorithm, which random dotted base64 never does. */
export function isJwt(token: string): boolean {
  try {
    const header: unknown = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** The regex of a rule, to run at one position (`lastIndex`) instead of over the whole text. */
export function sticky(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace('g', '') + 'y');
}

// name ["']? operator value, where value is quoted (group 3) or bare (group 4).
export const ASSIGNMENT =
  /(?<![\w$])([A-Za-z_$][\w$.-]*)["']?\s*(?::=|=>|=|:)(?![=:>])[ \t]*(?:(["'`])((?:\\.|(?!\2)[^\\\r\n]){0,512})\2|([^\s"'`,;(){}[\]<>=]+))/dg;

const PASSWORD_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret']);
const KEY_WORDS = new Set(['token', 'apikey', 'secretkey', 'accesskey', 'privatekey', 'authkey']);
const KEY_PAIRS = new Set(['api key', 'secret key', 'access key', 'private key', 'auth key', 'signing key', 'api token', 'access token', 'auth token', 'bearer token']);

/** Which kind an assignment's name announces: `DB_PASSWORD` → password, `apiKey` → key, `bypass` → none. */
export function kindOfName(name: string): Kind | undefined {
  return kindOfNameAt(name, 0, name.length);
}

/**
 * `kindOfName(text.slice(start, end))` without the slice. Words are runs of ASCII letters and
 * digits, also split before a capital that follows a lower-case letter or a digit (`dbPassword`,
 * `api2Key`; `APIKey` stays one word); only the last two matter.
 */
export function kindOfNameAt(text: string, start: number, end: number): Kind | undefined {
  const lastEnd = wordEnd(text, start, end);
  if (lastEnd === start) return undefined;
  const lastStart = wordStart(text, start, lastEnd);
  const last = text.slice(lastStart, lastEnd).toLowerCase();
  if (PASSWORD_WORDS.has(last)) return 'password';
  if (KEY_WORDS.has(last)) return 'key';
  const previousEnd = wordEnd(text, start, lastStart);
  if (previousEnd === start) return undefined;
  const previous = text.slice(wordStart(text, start, previousEnd), previousEnd).toLowerCase();
  return KEY_PAIRS.has(`${previous} ${last}`) ? 'key' : undefined;
}

const isAlnum = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isUpper = (c: number): boolean => c >= 65 && c <= 90;
const isLowerOrDigit = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 48 && c <= 57);

/** End of the last word in [start, end): `end` less the separators before it. */
function wordEnd(text: string, start: number, end: number): number {
  while (end > start && !isAlnum(text.charCodeAt(end - 1))) end--;
  return end;
}

/** Start of the word that ends at `end`. */
function wordStart(text: string, start: number, end: number): number {
  let at = end - 1;
  while (at > start) {
    const before = text.charCodeAt(at - 1);
    if (!isAlnum(before) || (isUpper(text.charCodeAt(at)) && isLowerOrDigit(before))) break;
    at--;
  }
  return at;
}
