/**
 * The scalar predicates of anchors.ts as kernel functions: each mirrors the function of the same
 * name there, and the kernel stores a run or a hit only if it passes.
 */
import { ENTROPY_MAX_RUN, ENTROPY_SLACK, MIN_RUN, NAME_FLAGS, RUN } from './bytes.js';
import { F64, I32, V128, type FunctionSpec } from './wasm.js';
import {
  ALNUM, B64, COUNTS, HEX, LOCAL, NAME, NAMES_AT, SPACE, TEXT, THRESHOLDS, URL_STOP, WORD,
  add, and, any, at, byte, call, chr, eq, geS, get, gtS, has, inc, int, isDigit, isLower, isNameNotAlnum, isUpper, isUpperOrDigit,
  leS, loopWhile, ltS, ne, not, or, ret, set, splat, sub, when, word, cLog2c, type Code,
} from './kernel-code.js';

/** `aws` … `key`: from `awssecretkey` to `aws_secret_access_key`. */
const AWS_NAME_LENGTHS = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];

export const tokenPrefix: FunctionSpec = {
  name: 'tokenPrefix', params: { p: I32 }, results: [I32], locals: { c: I32 },
  body: [
    ...set('c', byte(get('p'))),
    ...when(eq(get('c'), chr('g')), ret(any(
      and(and(eq(byte(at('p', 1)), chr('h')), eq(byte(at('p', 3)), chr('_'))), any(...[...'pousr'].map((l) => eq(byte(at('p', 2)), chr(l))))),
      word('p', 0, 'github_p'),
      word('p', 0, 'glpat-'),
    ))),
    ...when(eq(get('c'), chr('x')), ret(and(word('p', 0, 'xox'), and(eq(byte(at('p', 4)), chr('-')), any(...[...'baprs'].map((l) => eq(byte(at('p', 3)), chr(l)))))))),
    ...when(or(eq(get('c'), chr('s')), eq(get('c'), chr('r'))), ret(word('p', 1, 'k_live_'))),
    ...when(eq(get('c'), chr('n')), ret(word('p', 0, 'npm_'))),
    ...when(eq(get('c'), chr('A')), ret(word('p', 0, 'AIza'))),
    ...int(0),
  ],
};

export const keepRun: FunctionSpec = {
  name: 'keepRun', params: { s: I32, e: I32, minLength: I32 }, results: [I32],
  locals: { flags: I32, len: I32, m: I32, after: I32, open: I32, k: I32, c: I32, i: I32, valid: I32, digits: I32, hexes: I32, others: I32, count: I32, sum: F64, h: F64, t: F64, v: V128 },
  body: [
    ...set('len', sub(get('e'), get('s'))),
    ...when(and(geS(get('len'), int(MIN_RUN)), call('tokenPrefix', get('s'))), set('flags', int(RUN.TOKEN))),
    ...when(ltS(get('len'), get('minLength')), ret(get('flags'))),
    // Quoted (the same quote after up to two `=`), or assigned (`=`/`:` and blanks before).
    ...loopWhile(and(ltS(get('m'), int(3)), eq(byte(add(get('e'), get('m'))), chr('='))), inc('m')),
    ...when(geS(get('m'), int(3)), ret(get('flags'))),
    ...set('after', byte(add(get('e'), get('m')))),
    ...set('open', byte(sub(get('s'), int(1)))),
    ...when(not(and(any(eq(get('open'), chr('"')), eq(get('open'), chr("'")), eq(get('open'), chr('`'))), eq(get('after'), get('open')))), [
      ...when(or(has(get('after'), B64), eq(get('after'), chr('.'))), ret(get('flags'))),
      ...set('k', sub(get('s'), int(1))),
      ...loopWhile(and(geS(get('k'), int(0)), or(eq(byte(get('k')), chr(' ')), eq(byte(get('k')), chr('\t')))), set('k', sub(get('k'), int(1)))),
      ...when(ltS(get('k'), int(0)), ret(get('flags'))),
      ...set('c', byte(get('k'))),
      ...when(not(or(eq(get('c'), chr('=')), eq(get('c'), chr(':')))), ret(get('flags'))),
    ]),
    // The alphabet, sixteen bytes at a time: hex, or base64 with a digit.
    ...set('i', get('s')),
    ...loopWhile(ltS(get('i'), get('e')), [
      ...add(get('i'), int(TEXT)), ['v128.load', 0], ['local.set', 'v'],
      ...set('valid', [...int(0xffff), ...sub([...int(1), ...sub(get('e'), get('i')), ['i32.shl']], int(1)), ...geS(sub(get('e'), get('i')), int(16)), ['select']]),
      ['local.get', 'v'], splat(48), ['i8x16.sub'], splat(10), ['i8x16.lt_u'], ['i8x16.bitmask'], ['local.set', 'c'],
      ['local.get', 'v'], splat(0x20), ['v128.or'], splat(0x61), ['i8x16.sub'], splat(6), ['i8x16.lt_u'], ['i8x16.bitmask'], ['local.set', 'k'],
      ...set('digits', or(get('digits'), and(get('c'), get('valid')))),
      ...set('others', or(get('others'), and([...or(get('c'), get('k')), ['i32.const', -1], ['i32.xor']], get('valid')))),
      ...set('i', add(get('i'), int(16))),
    ]),
    ...when(and(ne(get('others'), int(0)), eq(get('digits'), int(0))), ret(get('flags'))),
    ...when(eq(get('others'), int(0)), set('flags', or(get('flags'), int(RUN.HEX)))),
    ...when(gtS(get('len'), int(ENTROPY_MAX_RUN)), ret(or(get('flags'), int(RUN.CANDIDATE | RUN.UNSURE)))),
    // Entropy: Σ c log2 c over the counts, in order of first appearance, clearing them on the way.
    ...set('i', get('s')),
    ...loopWhile(ltS(get('i'), get('e')), [
      ...set('c', [...byte(get('i')), ['i32.const', 2], ['i32.shl']]),
      ...get('c'), ...get('c'), ['i32.load', COUNTS], ['i32.const', 1], ['i32.add'], ['i32.store', COUNTS],
      ...inc('i'),
    ]),
    ...set('i', get('s')),
    ...loopWhile(ltS(get('i'), get('e')), [
      ...set('c', [...byte(get('i')), ['i32.const', 2], ['i32.shl']]),
      ...set('count', [...get('c'), ['i32.load', COUNTS]]),
      ...when(ne(get('count'), int(0)), [
        ...get('sum'), ...cLog2c(get('count')), ['f64.add'], ['local.set', 'sum'],
        ...get('c'), ...int(0), ['i32.store', COUNTS],
      ]),
      ...inc('i'),
    ]),
    ...cLog2c(get('len')), ...get('sum'), ['f64.sub'], ...get('len'), ['f64.convert_i32_s'], ['f64.div'], ['local.set', 'h'],
    ...ne(and(get('flags'), int(RUN.HEX)), int(0)), ...int(3), ['i32.shl'], ['f64.load', THRESHOLDS], ['local.set', 't'],
    ...when([...get('h'), ...get('t'), ['f64.const', ENTROPY_SLACK], ['f64.add'], ['f64.ge']], ret(or(get('flags'), int(RUN.CANDIDATE)))),
    ...when([...get('h'), ...get('t'), ['f64.const', ENTROPY_SLACK], ['f64.sub'], ['f64.ge']], ret(or(get('flags'), int(RUN.CANDIDATE | RUN.UNSURE)))),
    ...and(get('flags'), int(RUN.TOKEN)),
  ],
};

/** Start of the camel-case or separated word of ASCII letters and digits that ends at `end` (exclusive), not before `start`. */
export const wordStart: FunctionSpec = {
  name: 'wordStart', params: { start: I32, end: I32 }, results: [I32], locals: { at: I32, before: I32 },
  body: [
    ...set('at', sub(get('end'), int(1))),
    ...loopWhile(gtS(get('at'), get('start')), [
      ...set('before', byte(sub(get('at'), int(1)))),
      ...when(not(has(get('before'), ALNUM)), ret(get('at'))),
      // rules.ts: a capital after a lower-case letter or a digit starts a word
      ...when(and(isUpper(byte(get('at'))), or(isLower(get('before')), isDigit(get('before')))), ret(get('at'))),
      ...set('at', sub(get('at'), int(1))),
    ]),
    ...get('at'),
  ],
};

/** The words rules.ts `kindOfName` knows, by length: a name's last word, or the word before `key`. */
const byLength = (words: string[]): Map<number, string[]> => {
  const map = new Map<number, string[]>();
  for (const w of words) map.set(w.length, [...(map.get(w.length) ?? []), w]);
  return map;
};
const LAST_WORDS = byLength(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'secret', 'token', 'apikey', 'secretkey', 'accesskey', 'privatekey', 'authkey']);
const KEY_PREFIXES = byLength(['api', 'secret', 'access', 'private', 'auth', 'signing']);
/** Whether the word at `start` of length `length` is one of `words` (in any case). */
const oneOf = (start: string, length: string, words: Map<number, string[]>): Code =>
  [...words].flatMap(([n, ws]) => when(eq(get(length), int(n)), ret(any(...ws.map((w) => word(start, 0, w, true))))));

/** rules.ts `kindOfNameAt(text, start, end) !== undefined`, where `last` is the name's last letter or digit. */
export const secretName: FunctionSpec = {
  name: 'secretName', params: { start: I32, last: I32 }, results: [I32], locals: { ws: I32, len: I32, pe: I32, ps: I32, plen: I32 },
  body: [
    ...when(ltS(get('last'), get('start')), ret(int(0))),
    ...set('ws', call('wordStart', get('start'), add(get('last'), int(1)))),
    ...set('len', sub(add(get('last'), int(1)), get('ws'))),
    ...when(and(eq(get('len'), int(3)), word('ws', 0, 'key', true)), [
      // `… key`: the word before names the kind of key
      ...set('pe', get('ws')),
      ...loopWhile(and(gtS(get('pe'), get('start')), not(has(byte(sub(get('pe'), int(1))), ALNUM))), set('pe', sub(get('pe'), int(1)))),
      ...when(leS(get('pe'), get('start')), ret(int(0))),
      ...set('ps', call('wordStart', get('start'), get('pe'))),
      ...set('plen', sub(get('pe'), get('ps'))),
      ...oneOf('ps', 'plen', KEY_PREFIXES),
      ...ret(int(0)),
    ]),
    ...oneOf('ws', 'len', LAST_WORDS),
    ...int(0),
  ],
};

/** The last letter of a name whose kind rules.ts tells ends one of its words: a quick test first. */
export const secretWordEnd: FunctionSpec = {
  name: 'secretWordEnd', params: { w: I32 }, results: [I32], locals: { c: I32 },
  body: [
    ...set('c', or(byte(get('w')), int(0x20))),
    ...when(eq(get('c'), chr('s')), ret(word('w', -3, 'pass', true))),
    ...when(eq(get('c'), chr('d')), ret(any(word('w', -2, 'pwd', true), word('w', -5, 'passwd', true), word('w', -7, 'password', true)))),
    ...when(eq(get('c'), chr('e')), ret(word('w', -9, 'passphrase', true))),
    ...when(eq(get('c'), chr('t')), ret(word('w', -5, 'secret', true))),
    ...when(eq(get('c'), chr('n')), ret(word('w', -4, 'token', true))),
    ...when(eq(get('c'), chr('y')), ret(word('w', -2, 'key', true))),
    ...int(0),
  ],
};

/**
 * An assignment's name before the operator at `p`: stores `[start, end, flags]` at the names pointer
 * (NAME.KIND: ASSIGNMENT's name starts at `start` and rules.ts tells its kind; NAME.AWS: `end` ends
 * an `aws…key` name) and advances it. Mirrors anchors.ts `operatorName`.
 */
export const operatorName: FunctionSpec = {
  name: 'operatorName', params: { p: I32 }, results: [], locals: { k: I32, last: I32, c: I32, j: I32, start: I32, flags: I32, np: I32 },
  body: [
    ...set('k', sub(get('p'), int(1))),
    ...loopWhile(and(geS(get('k'), int(0)), has(byte(get('k')), SPACE)), set('k', sub(get('k'), int(1)))),
    ...when(ltS(get('k'), int(0)), [['return']]),
    ...set('c', byte(get('k'))),
    ...when(or(eq(get('c'), chr('"')), eq(get('c'), chr("'"))), set('k', sub(get('k'), int(1)))),
    ...when(ltS(get('k'), int(0)), [['return']]),
    ...when(not(has(byte(get('k')), NAME)), [['return']]),
    ...set('last', get('k')),
    ...loopWhile(and(geS(get('k'), int(0)), isNameNotAlnum(byte(get('k')))), set('k', sub(get('k'), int(1)))),
    ...when(ltS(get('k'), int(0)), [['return']]),
    ...when(not(has(byte(get('k')), ALNUM)), [['return']]),
    ...when(not(call('secretWordEnd', get('k'))), [['return']]),
    // The AWS secret rule: `aws` … `key` right before the operator, 12 to 21 characters long.
    ...when(and(eq(get('k'), get('last')), word('k', -2, 'key', true)), when(any(...AWS_NAME_LENGTHS.map((n) => word('last', 1 - n, 'aws', true))), set('flags', int(NAME_FLAGS.AWS)))),
    // ASSIGNMENT's name starts at the leftmost `[A-Za-z_$]` of its run that follows the run's start, `.` or `-`.
    ...set('j', get('last')),
    ...loopWhile(and(gtS(get('j'), int(0)), has(byte(sub(get('j'), int(1))), NAME)), set('j', sub(get('j'), int(1)))),
    ...set('start', get('j')),
    ...loopWhile(leS(get('start'), get('last')), [
      ...set('c', byte(get('start'))),
      ...when(and(or(and(has(get('c'), ALNUM), not(isDigit(get('c')))), or(eq(get('c'), chr('_')), eq(get('c'), chr('$')))),
        any(eq(get('start'), get('j')), eq(byte(sub(get('start'), int(1))), chr('.')), eq(byte(sub(get('start'), int(1))), chr('-')))), [
        ...when(call('secretName', get('start'), get('k')), set('flags', or(get('flags'), int(NAME_FLAGS.KIND)))),
        ['br', 2],
      ]),
      ...inc('start'),
    ]),
    ...when(eq(get('flags'), int(0)), [['return']]),
    ...set('np', [...int(NAMES_AT), ['i32.load', 0]]),
    ...get('np'), ...get('start'), ...int(-1), ...and(get('flags'), int(NAME_FLAGS.KIND)), ['select'], ['i32.store', 0],
    ...get('np'), ...add(get('last'), int(1)), ['i32.store', 4],
    ...get('np'), ...get('flags'), ['i32.store', 8],
    ...int(NAMES_AT), ...add(get('np'), int(12)), ['i32.store', 0],
  ],
};

export const ipv6Candidate: FunctionSpec = {
  name: 'ipv6Candidate', params: { p: I32 }, results: [I32], locals: { k: I32, q: I32, c: I32, group: I32, colons: I32, digit: I32, double: I32 },
  body: [
    // The first colon of its run of hex digits and colons, with no word character or `.` before.
    ...set('k', sub(get('p'), int(1))),
    ...loopWhile(and(geS(get('k'), int(0)), has(byte(get('k')), HEX)), set('k', sub(get('k'), int(1)))),
    ...when(geS(get('k'), int(0)), [
      ...set('c', byte(get('k'))),
      ...when(any(eq(get('c'), chr(':')), eq(get('c'), chr('.')), has(get('c'), WORD)), ret(int(0))),
    ]),
    // Groups of at most four hex digits, two to seven colons, then no word character.
    ...set('q', add(get('k'), int(1))),
    ...loopWhile(int(1), [
      ...set('c', byte(get('q'))),
      ...when(eq(get('c'), chr(':')), [
        ...inc('colons'),
        ...set('group', int(0)),
        ...when(eq(byte(at('q', 1)), chr(':')), set('double', int(1))),
      ], when(has(get('c'), HEX), [
        ...inc('group'),
        ...when(gtS(get('group'), int(4)), ret(int(0))),
        ...when(isDigit(get('c')), set('digit', int(1))),
      ], [['br', 3]])),
      ...inc('q'),
    ]),
    ...when(or(ltS(get('colons'), int(2)), gtS(get('colons'), int(7))), ret(int(0))),
    // rules of pii.ts parseIpv6: eight groups unless compressed
    ...when(and(not(get('double')), ne(get('colons'), int(7))), ret(int(0))),
    ...when(has(byte(get('q')), WORD), ret(int(0))),
    // Compressed forms without a digit are code (`abc::def`), not addresses.
    ...not(and(get('double'), not(get('digit')))),
  ],
};

export const urlCandidate: FunctionSpec = {
  name: 'urlCandidate', params: { p: I32, n: I32 }, results: [I32], locals: { q: I32, colon: I32, c: I32 },
  body: [
    ...when(or(ne(byte(at('p', 1)), chr('/')), ne(byte(at('p', 2)), chr('/'))), ret(int(0))),
    ...when(and(geS(get('p'), int(5)), and(word('p', -5, 'https'), word('p', 3, 'hooks.slack.com/'))), ret(int(1))),
    // `user:password@` before the first character a URL's authority stops at.
    ...set('q', add(get('p'), int(3))),
    ...set('colon', int(-1)),
    ...loopWhile(ltS(get('q'), get('n')), [
      ...set('c', byte(get('q'))),
      ...when(eq(get('c'), chr('@')), ret(and(ltS(add(get('p'), int(3)), get('colon')), ltS(add(get('colon'), int(1)), get('q'))))),
      ...when(has(get('c'), URL_STOP), ret(int(0))),
      ...when(and(eq(get('c'), chr(':')), ltS(get('colon'), int(0))), set('colon', get('q'))),
      ...inc('q'),
    ]),
    ...int(0),
  ],
};

export const emailCandidate: FunctionSpec = {
  name: 'emailCandidate', params: { p: I32 }, results: [I32], locals: { q: I32, c: I32, dot: I32, letters: I32 },
  body: [
    ...when(not(and(has(byte(at('p', -1)), LOCAL), has(byte(at('p', 1)), ALNUM))), ret(int(0))),
    // The domain needs a dot and, after it, two letters in a row (the top-level domain).
    ...set('q', add(get('p'), int(1))),
    ...loopWhile(int(1), [
      ...set('c', byte(get('q'))),
      ...when(eq(get('c'), chr('.')), [...set('dot', int(1)), ...set('letters', int(0))],
        when(and(has(get('c'), ALNUM), not(isDigit(get('c')))), [
          ...when(get('dot'), inc('letters')),
          ...when(geS(get('letters'), int(2)), ret(int(1))),
        ], when(or(isDigit(get('c')), eq(get('c'), chr('-'))), set('letters', int(0)), ret(int(0))))),
      ...inc('q'),
    ]),
    ...int(0),
  ],
};

export const ipv4Candidate: FunctionSpec = {
  name: 'ipv4Candidate', params: { p: I32 }, results: [I32], locals: { k: I32, q: I32, c: I32, group: I32, digits: I32 },
  body: [
    ...when(not(and(and(isDigit(byte(get('p'))), eq(byte(at('p', 1)), chr('.'))), isDigit(byte(at('p', 2))))), ret(int(0))),
    // The first group of digits of its run of word characters and dots.
    ...set('k', get('p')),
    ...loopWhile(and(gtS(get('k'), int(0)), isDigit(byte(sub(get('k'), int(1))))), set('k', sub(get('k'), int(1)))),
    ...when(gtS(get('k'), int(0)), [
      ...set('c', byte(sub(get('k'), int(1)))),
      ...when(or(has(get('c'), WORD), eq(get('c'), chr('.'))), ret(int(0))),
    ]),
    // Four groups of one to three digits, dotted, then no word character and no dot before a digit.
    ...set('q', get('k')),
    ...loopWhile(ltS(get('group'), int(4)), [
      ...set('digits', int(0)),
      ...loopWhile(isDigit(byte(get('q'))), [...inc('q'), ...inc('digits')]),
      ...when(or(ltS(get('digits'), int(1)), gtS(get('digits'), int(3))), ret(int(0))),
      ...inc('group'),
      ...when(ltS(get('group'), int(4)), [
        ...when(ne(byte(get('q')), chr('.')), ret(int(0))),
        ...inc('q'),
      ]),
    ]),
    ...set('c', byte(get('q'))),
    ...not(or(has(get('c'), WORD), and(eq(get('c'), chr('.')), isDigit(byte(at('q', 1)))))),
  ],
};

/** `AKIA`, `ASIA`, `ABIA` or `ACCA` at `p`, in exactly twenty capitals and digits. */
export const awsKeyId: FunctionSpec = {
  name: 'awsKeyId', params: { p: I32 }, results: [I32], locals: { b: I32, c: I32 },
  body: [
    ...set('b', byte(at('p', 1))),
    ...set('c', byte(at('p', 2))),
    ...when(not(and(and(eq(byte(get('p')), chr('A')), eq(byte(at('p', 3)), chr('A'))), or(and(eq(get('c'), chr('I')), any(eq(get('b'), chr('K')), eq(get('b'), chr('S')), eq(get('b'), chr('B')))), and(eq(get('b'), chr('C')), eq(get('c'), chr('C')))))), ret(int(0))),
    ...when(isUpperOrDigit(byte(at('p', -1))), ret(int(0))),
    ...set('b', add(get('p'), int(4))),
    ...loopWhile(and(ltS(get('b'), add(get('p'), int(20))), isUpperOrDigit(byte(get('b')))), inc('b')),
    ...and(eq(get('b'), add(get('p'), int(20))), not(isUpperOrDigit(byte(get('b'))))),
  ],
};

export const keepHit: FunctionSpec = {
  name: 'keepHit', params: { p: I32, n: I32 }, results: [I32], locals: { c: I32, b: I32 },
  body: [
    ...set('c', byte(get('p'))),
    // An operator's name goes to the names list; a colon is a hit only for IPv6 and URLs.
    ...when(or(eq(get('c'), chr(':')), eq(get('c'), chr('='))), call('operatorName', get('p'))),
    ...when(eq(get('c'), chr(':')), ret(or(call('ipv6Candidate', get('p')), call('urlCandidate', get('p'), get('n'))))),
    ...when(eq(get('c'), chr('=')), ret(int(0))),
    ...when(eq(get('c'), chr('@')), ret(call('emailCandidate', get('p')))),
    ...when(eq(get('c'), chr('y')), ret(and(eq(byte(at('p', -1)), chr('e')), eq(byte(at('p', 1)), chr('J'))))),
    ...when(eq(get('c'), chr('B')), ret(and(word('p', 0, 'BEGIN'), word('p', -5, '-----')))),
    ...when(isDigit(get('c')), ret(call('ipv4Candidate', get('p')))),
    ...int(0),
  ],
};
