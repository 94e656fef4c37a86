/**
 * anchors.ts as a WebAssembly kernel, so that JavaScript only ever sees the few anchors that survive.
 *
 * One SIMD pass reads sixteen characters per step:
 * - the base64 class of each byte by nibble lookup (two `i8x16.swizzle`s, the "shufti" technique),
 *   and from its bitmask the run that crosses into the block and the one reaching its end (a run of
 *   15 or more cannot lie strictly inside 16 bytes, so no other can be long);
 * - the characters a hit can be at, by byte compares of the block against itself shifted.
 * Each long run and each such character then goes through the scalar predicates of anchors.ts
 * (`keepRun`, `keepHit`), written here a second time, and is stored only if it passes.
 *
 * Text comes in as UTF-16 (`Buffer#ucs2Write`) and is narrowed to bytes with unsigned saturation:
 * code units above 0xFF become 0x00 (from 0x8000) or 0xFF. The predicates treat both as a blank
 * where a blank could matter, so a narrowed text keeps at least every anchor of the real one.
 */
import { BYTE_CLASS, BYTE_FLAGS, C_LOG2_C, ENTROPY_MAX_RUN, ENTROPY_SLACK, MIN_RUN, NAME_FLAGS, RUN } from './bytes.js';
import type { Anchors } from './anchors.js';
import type { Thresholds } from './types.js';
import { assemble, F64, I32, V128, type FunctionSpec, type Instruction } from './wasm.js';

/**
 * Memory layout: the byte class table, the entropy thresholds (hex, base64) and list pointers, the
 * vector constants, per-byte counts, the `c log2 c` table, a zero guard, then the narrowed text and
 * its zero padding.
 */
const TABLE = 0;
const THRESHOLDS = 256;
/** Where the names list is written next, and where the runs and hits lists end (addresses). */
const NAMES_AT = 272;
const RUNS_AT = 276;
const HITS_AT = 280;
/** The v128 constants, loaded from memory rather than built in each iteration (see `pooled`). */
const CONSTANTS = 1024;
const COUNTS = 2048;
const C_LOG2_C_AT = 3072;
const TEXT = C_LOG2_C_AT + 8 * (ENTROPY_MAX_RUN + 1) + 1024;
const PADDING = 64;

type Code = Instruction[];

// --- a small expression language over the instruction list -------------------------------------

const get = (local: string): Code => [['local.get', local]];
const set = (local: string, value: Code): Code => [...value, ['local.set', local]];
const int = (n: number): Code => [['i32.const', n]];
const chr = (c: string): Code => int(c.charCodeAt(0));
const op = (name: string) => (a: Code, b: Code): Code => [...a, ...b, [name]];
const add = op('i32.add');
const sub = op('i32.sub');
const and = op('i32.and');
const or = op('i32.or');
const eq = op('i32.eq');
const ne = op('i32.ne');
const ltS = op('i32.lt_s');
const leS = op('i32.le_s');
const geS = op('i32.ge_s');
const gtS = op('i32.gt_s');
const not = (a: Code): Code => [...a, ['i32.eqz']];
const inc = (local: string): Code => set(local, add(get(local), int(1)));
const at = (local: string, offset: number): Code => (offset === 0 ? get(local) : add(get(local), int(offset)));
/** The narrowed text's byte at a logical position (the guard and the padding read as 0). */
const byte = (position: Code): Code => [...position, ['i32.const', TEXT], ['i32.add'], ['i32.load8_u', 0]];
const has = (b: Code, mask: number): Code => ne([...b, ['i32.load8_u', TABLE], ['i32.const', mask], ['i32.and']], int(0));
const when = (cond: Code, then: Code, otherwise?: Code): Code => [...cond, ['if'], ...then, ...(otherwise ? [['else'] as Instruction, ...otherwise] : []), ['end']];
const ret = (value: Code): Code => [...value, ['return']];
const loopWhile = (cond: Code, body: Code): Code => [['block'], ['loop'], ...cond, ['i32.eqz'], ['br_if', 1], ...body, ['br', 0], ['end'], ['end']];
const any = (...terms: Code[]): Code => terms.reduce((a, b) => or(a, b));
const all = (...terms: Code[]): Code => terms.reduce((a, b) => and(a, b));
const call = (fn: string, ...args: Code[]): Code => [...args.flat(), ['call', fn]];
/** `word` at `local + offset`, exactly (`fold`: ASCII letters in either case; `word` is lower-case). */
const word = (local: string, offset: number, text: string, fold = false): Code =>
  all(...[...text].map((c, i) => eq(fold ? or(byte(at(local, offset + i)), int(0x20)) : byte(at(local, offset + i)), chr(c))));
const { B64, HEX, NAME, SPACE, ALNUM, LOCAL, URL_STOP, WORD } = BYTE_FLAGS;
const isNameNotAlnum = (b: Code): Code => eq([...b, ['i32.load8_u', TABLE], ['i32.const', NAME | ALNUM], ['i32.and']], int(NAME));
const isDigit = (b: Code): Code => [...sub(b, chr('0')), ['i32.const', 10], ['i32.lt_u']];
const isUpper = (b: Code): Code => [...sub(b, chr('A')), ['i32.const', 26], ['i32.lt_u']];
const isLower = (b: Code): Code => [...sub(b, chr('a')), ['i32.const', 26], ['i32.lt_u']];
const isUpperOrDigit = (b: Code): Code => or(isUpper(b), isDigit(b));
/** `aws` … `key`: from `awssecretkey` to `aws_secret_access_key`. */
const AWS_NAME_LENGTHS = [12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
const splat = (b: number): Instruction => ['v128.const', new Array<number>(16).fill(b)];
const cLog2c = (count: Code): Code => [...count, ['i32.const', 3], ['i32.shl'], ['f64.load', C_LOG2_C_AT]];

// --- the predicates of anchors.ts (each mirrors the function of the same name there) --------------

const tokenPrefix: FunctionSpec = {
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

const keepRun: FunctionSpec = {
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
const wordStart: FunctionSpec = {
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
const secretName: FunctionSpec = {
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
const secretWordEnd: FunctionSpec = {
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
const operatorName: FunctionSpec = {
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

const ipv6Candidate: FunctionSpec = {
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

const urlCandidate: FunctionSpec = {
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

const emailCandidate: FunctionSpec = {
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

const ipv4Candidate: FunctionSpec = {
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
const awsKeyId: FunctionSpec = {
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

const keepHit: FunctionSpec = {
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

// --- the SIMD pass -------------------------------------------------------------------------------

const nibbleTable = (f: (nibble: number) => number): number[] => Array.from({ length: 16 }, (_, i) => f(i));

/**
 * Class bits of a byte: lo-nibble table AND hi-nibble table. Bit 0 marks `+ - /` (hi 2, lo B D F),
 * bit 1 digits, bit 2 `A-O a-o` minus `@` and backquote, bit 3 `P-Z p-z`, bit 4 `_`.
 */
const CLASS_LO = nibbleTable((l) => (l === 0xb || l === 0xd || l === 0xf ? 1 : 0) | (l <= 9 ? 2 : 0) | (l >= 1 ? 4 : 0) | (l <= 0xa ? 8 : 0) | (l === 0xf ? 16 : 0));
const CLASS_HI = nibbleTable((h) => ({ 2: 1, 3: 2, 4: 4, 5: 8 | 16, 6: 4, 7: 8 })[h] ?? 0);
/**
 * Bits of the byte after a hit: `:` (bit 0), `/` (bit 1), digits (bit 2), `A-F a-f` (bit 3) — what
 * may follow the colon of an IPv6 address or of `://` — and the first letters of the tokens that
 * may follow a separator: `g n` (bit 4), `r s x` (bit 5), `A` (bit 6).
 */
const NEXT_LO = nibbleTable((l) => (l === 0xa ? 1 : 0) | (l === 0xf ? 2 : 0) | (l <= 9 ? 4 : 0) | (l >= 1 && l <= 6 ? 8 : 0) | (l === 7 || l === 0xe ? 16 : 0) | (l === 2 || l === 3 || l === 8 ? 32 : 0) | (l === 1 ? 64 : 0));
const NEXT_HI = nibbleTable((h) => ({ 2: 2, 3: 1 | 4, 4: 8 | 64, 6: 8 | 16, 7: 32 })[h] ?? 0);
const COLON_NEXT = 0x0f;
const FIRST = 0x70;
/**
 * What may stand right before the `=` or `:` of an assignment to a secret word (see
 * operatorName): s d e t n y in either case, `_ $ . -`, a quote, a blank, 0x00 and 0xFF.
 * Any bit is membership.
 */
const PREV_LO = nibbleTable((l) => (l === 0 || (l >= 9 && l <= 0xd) ? 1 : 0) | ([0, 2, 4, 7, 0xd, 0xe].includes(l) ? 2 : 0) | ([4, 5, 0xe].includes(l) ? 4 : 0) | ([3, 4, 9].includes(l) ? 8 : 0) | (l === 0xf ? 16 | 64 : 0) | (l === 0 ? 32 : 0));
const PREV_HI = nibbleTable((h) => ({ 0: 1, 2: 2, 4: 4, 5: 8 | 16, 6: 4, 7: 8, 0xa: 32, 0xf: 64 })[h] ?? 0);

/** Nibble lookup of the v128 in `local`: nonzero lanes are members. */
const shufti = (local: string, lo: number[], hi: number[]): Code => [
  ['v128.const', lo], ['local.get', local], splat(0x0f), ['v128.and'], ['i8x16.swizzle'],
  ['v128.const', hi], ['local.get', local], ['i32.const', 4], ['i8x16.shr_u'], ['i8x16.swizzle'],
  ['v128.and'],
];
const equals = (local: string, char: string): Code => [['local.get', local], splat(char.charCodeAt(0)), ['i8x16.eq']];
const nonzero: Code = [splat(0), ['i8x16.ne']];

const narrow: Code = [
  // for (i = 0; i < n; i += 16) text[i..i+16) = saturate(wide[2i..2i+32))
  ...set('i', int(0)),
  ...loopWhile(ltS(get('i'), get('n')), [
    ...add(get('i'), int(TEXT)),
    ...add(get('wide'), add(get('i'), get('i'))), ['local.tee', 'p'], ['v128.load', 0],
    ['local.get', 'p'], ['v128.load', 16],
    ['i8x16.narrow_i16x8_u'], ['v128.store', 0],
    ...set('i', add(get('i'), int(16))),
  ]),
  // The last block may have narrowed bytes past the text: zero the padding.
  ...[0, 16, 32, 48].flatMap((offset): Code => [...add(get('n'), int(TEXT)), splat(0), ['v128.store', offset]]),
];

const storeRun = (start: Code, end: Code, flags: Code): Code => [
  ...get('rp'), ...start, ['i32.store', 0],
  ...get('rp'), ...end, ['i32.store', 4],
  ...get('rp'), ...flags, ['i32.store', 8],
  ...set('rp', add(get('rp'), int(12))),
];

/**
 * Inside the run [s, e): a vendor token after `+`, `/` or `-`, and AWS key ids, each stored as a
 * run of its own that starts there (RUN.TOKEN, RUN.AWS). Sixteen bytes at a time. Returns `rp`.
 */
const innerAnchors: FunctionSpec = {
  name: 'innerAnchors', params: { s: I32, e: I32, rp: I32 }, results: [I32], locals: { q: I32, m: I32, at: I32, v: V128, v1: V128, v2: V128 },
  body: [
    ...set('q', get('s')),
    ...loopWhile(ltS(get('q'), get('e')), [
      ...add(get('q'), int(TEXT)), ['local.tee', 'at'], ['v128.load', 0], ['local.set', 'v'],
      ['local.get', 'at'], ['v128.load', 1], ['local.set', 'v1'],
      ['local.get', 'at'], ['v128.load', 2], ['local.set', 'v2'],
      ...equals('v', '+'), ...equals('v', '/'), ['v128.or'], ...equals('v', '-'), ['v128.or'],
      ...shufti('v1', NEXT_LO, NEXT_HI), splat(FIRST), ['v128.and'], ...nonzero, ['v128.and'],
      ...equals('v', 'A'), ['local.get', 'at'], ['v128.load', 3], splat(65), ['i8x16.eq'], ['v128.and'], ...equals('v2', 'I'), ...equals('v2', 'C'), ['v128.or'], ['v128.and'],
      ['v128.or'], ['i8x16.bitmask'],
      ...int(0xffff), ...sub([...int(1), ...sub(get('e'), get('q')), ['i32.shl']], int(1)), ...geS(sub(get('e'), get('q')), int(16)), ['select'],
      ['i32.and'], ['local.set', 'm'],
      ...loopWhile(ne(get('m'), int(0)), [
        ...set('at', add(get('q'), [...get('m'), ['i32.ctz']])),
        ...when(eq(byte(get('at')), chr('A')),
          when(call('awsKeyId', get('at')), storeRun(get('at'), add(get('at'), int(20)), int(RUN.AWS))),
          when(and(ltS(add(get('at'), int(1)), get('e')), call('tokenPrefix', add(get('at'), int(1)))), storeRun(add(get('at'), int(1)), get('e'), int(RUN.TOKEN)))),
        ...set('m', and(get('m'), sub(get('m'), int(1)))),
      ]),
      ...set('q', add(get('q'), int(16))),
    ]),
    ...get('rp'),
  ],
};

const keepAndStoreRun = (start: Code, end: Code): Code => [
  ...set('s', start),
  ...set('e', end),
  ...set('h', call('keepRun', get('s'), get('e'), get('minLength'))),
  ...when(get('h'), storeRun(get('s'), get('e'), get('h'))),
  ...set('rp', call('innerAnchors', get('s'), get('e'), get('rp'))),
];

const block: Code = [
  ...set('p', add(get('i'), int(TEXT))),
  ['local.get', 'p'], ['v128.load', 0], ['local.set', 'v0'],
  // Newlines before the block, for line numbers.
  ...add(get('lines'), [...get('i'), ['i32.const', 2], ['i32.shr_u']]), ...get('newlines'), ['i32.store', 0],
  ...set('newlines', add(get('newlines'), [...equals('v0', '\n'), ['i8x16.bitmask'], ['i32.popcnt']])),
  ['local.get', 'p'], ['v128.load', 1], ['local.set', 'v1'],
  ...shufti('v0', CLASS_LO, CLASS_HI), ['local.set', 'cls'],
  // Runs: `carry` class bytes end the previous block. Without branches but the rare one where a
  // long run ends: `m` marks the bytes outside the class (bit 16 set, so a full block reads as 16).
  ['local.get', 'cls'], ...nonzero, ['i8x16.bitmask'], ['i32.const', -1], ['i32.xor'], ['i32.const', 0x1ffff], ['i32.and'], ['local.set', 'm'],
  ...set('head', [...get('m'), ['i32.ctz']]),
  ...when(and(ne(get('head'), int(16)), geS(add(get('carry'), get('head')), get('min'))), [
    ...get('raw'), ...sub(get('i'), get('carry')), ['i32.store', 0],
    ...get('raw'), ...add(get('i'), get('head')), ['i32.store', 4],
    ...set('raw', add(get('raw'), int(8))),
  ]),
  // class bytes at the top of the block: leading zeros of the outside bits, in 16 bits
  ...set('carry', [...add(get('carry'), int(16)), ...get('m'), ['i32.const', 16], ['i32.shl'], ['i32.clz'], ...eq(get('head'), int(16)), ['select']]),
  // Where a hit may be: necessary conditions of keepHit, sixteen at a time. Three blocks in four
  // hold no `:` or `=`, so the operator conditions run only where one is.
  ['local.get', 'p'], ['v128.load', 2], ['local.set', 'v2'],
  ...equals('v0', ':'), ['local.tee', 'colon'], ...equals('v0', '='), ['v128.or'], ['local.tee', 'ops'],
  ['v128.any_true'],
  ['if'],
    ['local.get', 'p'], ['i32.const', 1], ['i32.sub'], ['v128.load', 0], ['local.set', 'prev'],
    ['local.get', 'ops'], ...shufti('prev', PREV_LO, PREV_HI), ...nonzero, ['v128.and'],
    ...shufti('v1', NEXT_LO, NEXT_HI), splat(COLON_NEXT), ['v128.and'], ...nonzero, ['local.get', 'colon'], ['v128.and'], ['v128.or'],
    ['local.set', 'ops'],
  ['end'],
  ['local.get', 'ops'],
  ...equals('v0', '@'), ['v128.or'],
  ...equals('v0', 'y'), ...equals('v1', 'J'), ['v128.and'], ['v128.or'],
  ...equals('v0', 'B'), ...equals('v1', 'E'), ['v128.and'], ['v128.or'],
  // digit, dot, digit: an IPv4 address's first dot
  ['local.get', 'v0'], splat(48), ['i8x16.sub'], splat(10), ['i8x16.lt_u'], ...equals('v1', '.'), ['v128.and'],
  ['local.get', 'v2'], splat(48), ['i8x16.sub'], splat(10), ['i8x16.lt_u'], ['v128.and'], ['v128.or'],
  ['i8x16.bitmask'], ['local.set', 'm'],
  ...loopWhile(ne(get('m'), int(0)), [
    ...get('hp'), ...add(get('i'), [...get('m'), ['i32.ctz']]), ['i32.store', 0],
    ...set('hp', add(get('hp'), int(4))),
    ...set('m', and(get('m'), sub(get('m'), int(1)))),
  ]),
];

const anchors: FunctionSpec = {
  name: 'anchors', exported: true,
  params: { n: I32, min: I32, minLength: I32, wide: I32, runs: I32, hits: I32, lines: I32, rawRuns: I32 },
  results: [],
  locals: { raw: I32, newlines: I32, i: I32, p: I32, s: I32, e: I32, h: I32, carry: I32, head: I32, m: I32, rp: I32, hp: I32, v0: V128, v1: V128, v2: V128, cls: V128, prev: V128, colon: V128, ops: V128 },
  body: [
    ...narrow,
    // The SIMD pass makes no calls (they would spill its registers): it stores the long runs and
    // the candidate hits as they come, and the predicates run over those lists afterwards.
    ...set('raw', get('rawRuns')),
    ...set('hp', get('hits')),
    ...set('i', int(0)),
    ...loopWhile(ltS(get('i'), get('n')), [...block, ...set('i', add(get('i'), int(16)))]),
    // A run reaching the end of a text whose length is a multiple of 16.
    ...when(geS(get('carry'), get('min')), [
      ...get('raw'), ...sub(get('n'), get('carry')), ['i32.store', 0],
      ...get('raw'), ...get('n'), ['i32.store', 4],
      ...set('raw', add(get('raw'), int(8))),
    ]),
    ...set('rp', get('runs')),
    ...set('i', get('rawRuns')),
    ...loopWhile(ltS(get('i'), get('raw')), [
      ...keepAndStoreRun([...get('i'), ['i32.load', 0]], [...get('i'), ['i32.load', 4]]),
      ...set('i', add(get('i'), int(8))),
    ]),
    ...int(RUNS_AT), ...get('rp'), ['i32.store', 0],
    // Hits kept in place.
    ...set('m', get('hp')),
    ...set('hp', get('hits')),
    ...set('i', get('hits')),
    ...loopWhile(ltS(get('i'), get('m')), [
      ...set('s', [...get('i'), ['i32.load', 0]]),
      ...when(call('keepHit', get('s'), get('n')), [
        ...get('hp'), ...get('s'), ['i32.store', 0],
        ...set('hp', add(get('hp'), int(4))),
      ]),
      ...set('i', add(get('i'), int(4))),
    ]),
    ...int(HITS_AT), ...get('hp'), ['i32.store', 0],
  ],
};

/**
 * V8 builds a `v128.const` with three instructions every time the loop reaches it; a load from
 * memory is one, often folded into the instruction that uses it. So every constant becomes a load
 * from a pool that `load` writes into memory.
 */
const POOL = new Map<string, number>();
function pooled(fn: FunctionSpec): FunctionSpec {
  const body = fn.body.flatMap((instruction): Instruction[] => {
    if (instruction[0] !== 'v128.const') return [instruction];
    const bytes = instruction[1] as readonly number[];
    const key = bytes.join(',');
    if (!POOL.has(key)) POOL.set(key, CONSTANTS + 16 * POOL.size);
    return [['i32.const', 0], ['v128.load', POOL.get(key)!]];
  });
  return { ...fn, body };
}

export const KERNEL = assemble(
  [anchors, keepRun, innerAnchors, awsKeyId, keepHit, ipv4Candidate, ipv6Candidate, urlCandidate, emailCandidate, operatorName, secretWordEnd, secretName, wordStart, tokenPrefix].map(pooled),
);
if (CONSTANTS + 16 * POOL.size > COUNTS) throw new Error('kernel constant pool overflows');

/** Longest text the kernel takes; longer ones go to the JavaScript scan (and would need a large memory). */
export const KERNEL_MAX_LENGTH = 4 << 20;

// The ES lib and @types/node leave WebAssembly undeclared; this is the part used here.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
};

interface Instance {
  memory: WasmMemory;
  run: (n: number, min: number, minLength: number, wide: number, runs: number, hits: number, lines: number, rawRuns: number) => void;
}

let instance: Instance | null | undefined;

function load(): Instance | null {
  try {
    const memory = new WebAssembly.Memory({ initial: 16 });
    new Uint8Array(memory.buffer).set(BYTE_CLASS, TABLE);
    new Float64Array(memory.buffer, C_LOG2_C_AT, C_LOG2_C.length).set(C_LOG2_C);
    for (const [key, at] of POOL) new Uint8Array(memory.buffer, at, 16).set(key.split(',').map(Number));
    const exports = new WebAssembly.Instance(new WebAssembly.Module(KERNEL), { env: { memory } }).exports;
    return { memory, run: exports.anchors as unknown as Instance['run'] };
  } catch {
    // No WebAssembly SIMD here: anchors.ts scans in JavaScript.
    return null;
  }
}

/** Anchors of a text with none (`newlines` empty too: nothing will need a line number). */
export const NO_ANCHORS: Anchors = Object.freeze({ runs: new Int32Array(0), hits: new Int32Array(0), names: new Int32Array(0), newlines: new Int32Array(0) });

let buffer: Buffer | undefined;
let words: Int32Array | undefined;
let doubles: Float64Array | undefined;
/** The thresholds last written to the kernel's memory. */
let thresholdsIn: Required<Thresholds> | undefined;

/**
 * anchors.ts `findAnchors` for texts the kernel takes, else undefined. The returned arrays view the
 * kernel's memory: valid until the next call.
 */
export function kernelAnchors(text: string, thresholds: Required<Thresholds>): Anchors | undefined {
  if (instance === undefined) instance = load();
  if (instance === null || text.length > KERNEL_MAX_LENGTH || thresholds.minLength < MIN_RUN) return undefined;
  const n = text.length;
  // Layout after the text: its UTF-16 copy, then the runs, hits, newline counts and names lists.
  const wide = align(TEXT + n + PADDING);
  const runs = align(wide + 2 * n + 32);
  const hits = align(runs + 12 * ((n >> 1) + 16));
  const lines = align(hits + 4 * (n + 16));
  const names = align(lines + 4 * ((n >> 4) + 2));
  const rawRuns = align(names + 12 * ((n >> 1) + 16));
  const size = rawRuns + 8 * ((n >> 4) + 2);
  // Only this function grows the memory (at least doubling it), so the views stay valid until it does.
  if (buffer === undefined || words === undefined || doubles === undefined || size > buffer.length) {
    const { memory } = instance;
    const have = memory.buffer.byteLength;
    if (size > have) memory.grow(Math.ceil(Math.max(size - have, have) / 65536));
    buffer = Buffer.from(memory.buffer);
    words = new Int32Array(memory.buffer);
    doubles = new Float64Array(memory.buffer, THRESHOLDS, 2);
    thresholdsIn = undefined;
  }
  if (thresholds !== thresholdsIn) {
    doubles[0] = thresholds.base64;
    doubles[1] = thresholds.hex;
    thresholdsIn = thresholds;
  }
  // What `buffer.write(text, wide, 'utf16le')` calls, without the argument handling around it.
  (buffer as Buffer & { ucs2Write(text: string, offset: number): number }).ucs2Write(text, wide);
  words[NAMES_AT >> 2] = names;
  instance.run(n, MIN_RUN, thresholds.minLength, wide, runs, hits, lines, rawRuns);
  const namesEnd = words[NAMES_AT >> 2]!;
  const runsEnd = words[RUNS_AT >> 2]!;
  const hitsEnd = words[HITS_AT >> 2]!;
  // Most texts have no anchor at all: no views to make.
  if (namesEnd === names && runsEnd === runs && hitsEnd === hits) return NO_ANCHORS;
  return {
    names: words.subarray(names >> 2, namesEnd >> 2),
    runs: words.subarray(runs >> 2, runsEnd >> 2),
    hits: words.subarray(hits >> 2, hitsEnd >> 2),
    newlines: words.subarray(lines >> 2, (lines >> 2) + ((n + 15) >> 4)),
  };
}

const align = (offset: number): number => (offset + 63) & ~63;
