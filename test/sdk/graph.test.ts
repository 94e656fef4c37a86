import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { FlowGraph } from '../../protocol/graph.js';
import { InvalidFlowError } from '../../sdk/errors.js';
import { extractGraph, targetsOf, topologicalOrder } from '../../sdk/graph.js';

const FILE = 'flows/test.ts';

/** A flow file around the given class body. */
function flow(body: string): string {
  return `import { FlowSpec, step, param, retry, Inputs } from 'stackmesh';

export default class Test extends FlowSpec {
${body}
}
`;
}

/** 1-based line of the first line of `source` containing `snippet`. */
function lineOf(source: string, snippet: string): number {
  const index = source.split('\n').findIndex((l) => l.includes(snippet));
  assert.ok(index >= 0, `test bug: '${snippet}' is not in the source`);
  return index + 1;
}

/** Extracting throws one InvalidFlowError at `step`, on the line holding `at`, with a matching reason. */
function assertFlowError(source: string, want: { step?: string; at?: string; reason: RegExp }): void {
  let error: unknown;
  try {
    extractGraph(source, FILE);
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof InvalidFlowError, `expected an InvalidFlowError, got ${String(error)}`);
  const line = want.at === undefined ? undefined : lineOf(source, want.at);
  assert.equal(error.file, FILE);
  assert.equal(error.step, want.step);
  assert.equal(error.line, line);
  const prefix = `${line ? `${FILE}:${line}` : FILE}:${want.step ? ` step '${want.step}':` : ''} `;
  assert.ok(error.message.startsWith(prefix), `'${error.message}' should start with '${prefix}'`);
  assert.match(error.reason, want.reason);
  assert.equal(error.nonRetryable, true);
}

/** Who hands over to whom, and which splits each step sits in. */
function wiring(g: FlowGraph): Record<string, unknown> {
  return Object.fromEntries(g.order.map((n) => {
    const s = g.steps[n]!;
    return [n, {
      to: targetsOf(s.transition), parents: s.parents, depth: s.foreachDepth,
      ...(s.closes ? { closes: s.closes } : {}), ...(s.joinedBy ? { joinedBy: s.joinedBy } : {}),
    }];
  }));
}

// --- Extraction ------------------------------------------------------------------------------

test('graph - the fanout example reads as a foreach closed by its join, with lines, docs, assigns and params', () => {
  const source = readFileSync('test/fixtures/graph/fanout.ts', 'utf8');
  const graph = extractGraph(source, 'flows/fanout.ts');
  assert.deepEqual(graph, {
    flow: 'Fanout',
    file: 'flows/fanout.ts',
    order: ['start', 'sq', 'join', 'end'],
    params: ['n'],
    steps: {
      start: {
        name: 'start', line: lineOf(source, 'start()'), isJoin: false,
        transition: { type: 'foreach', to: 'sq', field: 'items' },
        parents: [], joinedBy: 'join', foreachDepth: 0, assigns: ['items'], doc: 'Make the partitions.',
      },
      sq: {
        name: 'sq', line: lineOf(source, 'async sq()'), isJoin: false,
        transition: { type: 'linear', to: 'join' },
        parents: ['start'], foreachDepth: 1, assigns: ['square'],
        doc: 'Square one item.\nRetried, since squaring is hard.',
      },
      join: {
        name: 'join', line: lineOf(source, 'join(inputs'), isJoin: true,
        transition: { type: 'linear', to: 'end' },
        parents: ['sq'], closes: 'start', foreachDepth: 0, assigns: ['total'],
      },
      end: {
        name: 'end', line: lineOf(source, 'end()'), isJoin: false,
        transition: { type: 'end' }, parents: ['join'], foreachDepth: 0, assigns: [],
      },
    },
  });
});

test('graph - a linear flow hands each step to the next', () => {
  const g = extractGraph(flow(`
  @step start() { this.next(this.middle); }
  @step middle() { this.next(this.end); }
  @step end() {}`), FILE);
  assert.equal(g.flow, 'Test');
  assert.deepEqual(g.steps.start!.transition, { type: 'linear', to: 'middle' });
  assert.deepEqual(wiring(g), {
    start: { to: ['middle'], parents: [], depth: 0 },
    middle: { to: ['end'], parents: ['start'], depth: 0 },
    end: { to: [], parents: ['middle'], depth: 0 },
  });
});

test('graph - a static branch is closed by the join that takes its inputs', () => {
  const g = extractGraph(flow(`
  @step start() { this.next(this.a, this.b); }
  @step a() { this.x = 1; this.next(this.join); }
  @step b() { this.x = 2; this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(g.steps.start!.transition, { type: 'split', to: ['a', 'b'] });
  assert.equal(g.steps.join!.isJoin, true);
  assert.deepEqual(wiring(g), {
    start: { to: ['a', 'b'], parents: [], depth: 0, joinedBy: 'join' },
    a: { to: ['join'], parents: ['start'], depth: 0 },
    b: { to: ['join'], parents: ['start'], depth: 0 },
    join: { to: ['end'], parents: ['a', 'b'], depth: 0, closes: 'start' },
    end: { to: [], parents: ['join'], depth: 0 },
  });
});

test('graph - a branch may go straight to its join', () => {
  const g = extractGraph(flow(`
  @step start() { this.next(this.work, this.join); }
  @step work() { this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(g.steps.join!.parents, ['start', 'work']);
  assert.equal(g.steps.join!.closes, 'start');
});

test('graph - a nested foreach counts its depth and closes each level with its own join', () => {
  const g = extractGraph(flow(`
  @param() rows!: number[];
  @step start() { this.next(this.row, { foreach: 'rows' }); }
  @step row() { this.cells = [1, 2]; this.next(this.cell, { foreach: 'cells' }); }
  @step cell() { this.next(this.joinCells); }
  @step joinCells(inputs: Inputs) { this.next(this.joinRows); }
  @step joinRows(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(wiring(g), {
    start: { to: ['row'], parents: [], depth: 0, joinedBy: 'joinRows' },
    row: { to: ['cell'], parents: ['start'], depth: 1, joinedBy: 'joinCells' },
    cell: { to: ['joinCells'], parents: ['row'], depth: 2 },
    joinCells: { to: ['joinRows'], parents: ['cell'], depth: 1, closes: 'row' },
    joinRows: { to: ['end'], parents: ['joinCells'], depth: 0, closes: 'start' },
    end: { to: [], parents: ['joinRows'], depth: 0 },
  });
});

test('graph - switch cases converge on a common step that takes no inputs', () => {
  const g = extractGraph(flow(`
  @step start() { this.size = 'big'; this.next({ big: this.big, small: this.small }, { condition: 'size' }); }
  @step big() { this.next(this.after); }
  @step small() { this.next(this.after); }
  @step after() { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(g.steps.start!.transition, { type: 'switch', cases: { big: 'big', small: 'small' }, field: 'size' });
  assert.deepEqual(wiring(g), {
    start: { to: ['big', 'small'], parents: [], depth: 0 },
    big: { to: ['after'], parents: ['start'], depth: 0 },
    small: { to: ['after'], parents: ['start'], depth: 0 },
    after: { to: ['end'], parents: ['big', 'small'], depth: 0 },
    end: { to: [], parents: ['after'], depth: 0 },
  });
});

test('graph - a switch case may go straight to the step where the cases converge', () => {
  const g = extractGraph(flow(`
  @param({ default: 'full' }) mode!: string;
  @step start() { this.next({ full: this.work, quick: this.end, 'dry-run': this.end }, { condition: 'mode' }); }
  @step work() { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(g.steps.start!.transition,
    { type: 'switch', cases: { full: 'work', quick: 'end', 'dry-run': 'end' }, field: 'mode' });
  assert.deepEqual(g.steps.end!.parents, ['start', 'work']);
});

test('graph - cases of a switch may meet in stages', () => {
  const g = extractGraph(flow(`
  @step start() { this.k = 'a'; this.next({ a: this.a, b: this.b, c: this.c }, { condition: 'k' }); }
  @step a() { this.next(this.ab); }
  @step b() { this.next(this.ab); }
  @step ab() { this.next(this.end); }
  @step c() { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(g.steps.end!.parents, ['ab', 'c']);
});

test('graph - a switch inside a foreach converges before the foreach join', () => {
  const g = extractGraph(flow(`
  @step start() { this.items = [1, 2]; this.next(this.classify, { foreach: 'items' }); }
  @step classify() { this.kind = this.input > 1 ? 'odd' : 'even'; this.next({ odd: this.odd, even: this.even }, { condition: 'kind' }); }
  @step odd() { this.next(this.merge); }
  @step even() { this.next(this.merge); }
  @step merge() { this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(wiring(g), {
    start: { to: ['classify'], parents: [], depth: 0, joinedBy: 'join' },
    classify: { to: ['odd', 'even'], parents: ['start'], depth: 1 },
    odd: { to: ['merge'], parents: ['classify'], depth: 1 },
    even: { to: ['merge'], parents: ['classify'], depth: 1 },
    merge: { to: ['join'], parents: ['odd', 'even'], depth: 1 },
    join: { to: ['end'], parents: ['merge'], depth: 0, closes: 'start' },
    end: { to: [], parents: ['join'], depth: 0 },
  });
});

test('graph - a static branch inside a foreach is joined before the foreach join', () => {
  const g = extractGraph(flow(`
  @step start() { this.items = [1, 2]; this.next(this.body, { foreach: 'items' }); }
  @step body() { this.next(this.left, this.right); }
  @step left() { this.next(this.joinBranch); }
  @step right() { this.next(this.joinBranch); }
  @step joinBranch(inputs: Inputs) { this.next(this.joinItems); }
  @step joinItems(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(wiring(g), {
    start: { to: ['body'], parents: [], depth: 0, joinedBy: 'joinItems' },
    body: { to: ['left', 'right'], parents: ['start'], depth: 1, joinedBy: 'joinBranch' },
    left: { to: ['joinBranch'], parents: ['body'], depth: 1 },
    right: { to: ['joinBranch'], parents: ['body'], depth: 1 },
    joinBranch: { to: ['joinItems'], parents: ['left', 'right'], depth: 1, closes: 'body' },
    joinItems: { to: ['end'], parents: ['joinBranch'], depth: 0, closes: 'start' },
    end: { to: [], parents: ['joinItems'], depth: 0 },
  });
});

test('graph - a foreach inside a switch case is joined before the cases converge', () => {
  const g = extractGraph(flow(`
  @param() mode!: string;
  @step start() { this.next({ many: this.fan, one: this.single }, { condition: 'mode' }); }
  @step fan() { this.xs = [1]; this.next(this.each, { foreach: 'xs' }); }
  @step each() { this.next(this.gather); }
  @step gather(inputs: Inputs) { this.next(this.end); }
  @step single() { this.next(this.end); }
  @step end() {}`), FILE);
  assert.equal(g.steps.each!.foreachDepth, 1);
  assert.equal(g.steps.gather!.closes, 'fan');
  assert.deepEqual(g.steps.end!.parents, ['gather', 'single']);
});

test('graph - steps are read from every export form, async or not, with step or step()', () => {
  const body = `
  @step() async start() { this.next(this.end); }
  @retry({ times: 1 }) @sm.step end() {}`;
  const forms = [
    `export default class Named extends FlowSpec {${body}\n}`,
    `class Named extends FlowSpec {${body}\n}\nexport default Named;`,
    `class Named extends FlowSpec {${body}\n}\nexport { Named as default };`,
    `const Named = class extends FlowSpec {${body}\n};\nexport default Named;`,
  ];
  for (const source of forms) {
    const g = extractGraph(source, FILE);
    assert.equal(g.flow, 'Named', source);
    assert.deepEqual(g.order, ['start', 'end'], source);
  }
});

test('graph - methods without @step are helpers, not steps', () => {
  const g = extractGraph(flow(`
  helper() { this.next(this.nowhere); }
  @step start() { this.helper(); this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(g.order, ['start', 'end']);
});

test('graph - assigns lists every field a step sets, however it is written', () => {
  const g = extractGraph(flow(`
  @step start() {
    this.a = 1;
    this.b += 2;
    this.c ??= 3;
    this.d++;
    --this.e;
    [this.f, { g: this.g }] = [1, { g: 2 }];
    this['h'] = 4;
    if (this.a) { for (const x of [1]) { this.i = x; } }
    [1].forEach((x) => { this.j = x; });
    this.items.push(5);
    const local = this.k;
    this.next(this.end);
  }
  @step end() {}`), FILE);
  assert.deepEqual(g.steps.start!.assigns, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
});

test('graph - a next() call inside an if block or a callback counts', () => {
  const g = extractGraph(flow(`
  @step async start() {
    if (Math.random() > 2) {
      await Promise.resolve().then(() => this.next(this.end));
    }
  }
  @step end() {}`), FILE);
  assert.deepEqual(g.steps.start!.transition, { type: 'linear', to: 'end' });
});

test('graph - doc is the JSDoc comment of the step, not a line comment', () => {
  const source = flow(`
  /** Begins. */
  @step start() { this.next(this.end); }
  // Not documentation.
  @step end() {}`);
  const g = extractGraph(source, FILE);
  assert.equal(g.steps.start!.doc, 'Begins.');
  assert.equal('doc' in g.steps.end!, false);
});

test('graph - params are the @param fields in file order', () => {
  const g = extractGraph(flow(`
  @param({ default: 1 }) alpha!: number;
  plain!: string;
  @param() beta!: string;
  @step start() { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(g.params, ['alpha', 'beta']);
});

test('graph - a foreach field assigned by an earlier step on every path is accepted', () => {
  const g = extractGraph(flow(`
  @step start() { this.items = []; this.mode = 'a'; this.next({ a: this.a, b: this.b }, { condition: 'mode' }); }
  @step a() { this.next(this.fan); }
  @step b() { this.next(this.fan); }
  @step fan() { this.next(this.each, { foreach: 'items' }); }
  @step each() { this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), FILE);
  assert.equal(g.steps.fan!.joinedBy, 'join');
});

test('graph - topological order puts every step after its parents, ties in file order', () => {
  const g = extractGraph(flow(`
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}
  @step b() { this.next(this.join); }
  @step start() { this.next(this.a, this.b); }
  @step a() { this.next(this.join); }`), FILE);
  assert.deepEqual(g.order, ['join', 'end', 'b', 'start', 'a']);
  assert.deepEqual(topologicalOrder(g), ['start', 'b', 'a', 'join', 'end']);
});

// --- Errors: the class and its declarations ----------------------------------------------------

test('graph - a file without a default-exported class says so', () => {
  assertFlowError(`export const x = 1;\n`, { reason: /no default-exported class/ });
});

test('graph - a flow class that is exported but not as default is named at its line', () => {
  const source = `import { FlowSpec } from 'stackmesh';\nexport class Mine extends FlowSpec {}\n`;
  assertFlowError(source, { at: 'class Mine', reason: /no default-exported class; did you mean `export default class Mine`/ });
});

test('graph - a default export that is not a class is named at its line', () => {
  assertFlowError(`export default function flow() {}\n`, { at: 'export default', reason: /default export is not a class/ });
  assertFlowError(`const f = 1;\nexport default f;\n`, { at: 'export default', reason: /default export 'f' is not a class/ });
});

test('graph - an anonymous default class is refused since its name is the flow name', () => {
  assertFlowError(`export default class extends FlowSpec {}\n`, { at: 'export default', reason: /has no name/ });
});

test('graph - a syntax error is reported at its line', () => {
  const source = flow(`
  @step start() { this.next(this.end) }
  @step end() { if ( }`);
  assertFlowError(source, { at: 'if (', reason: /^syntax error: Expression expected/ });
});

test('graph - a flow without a start step is reported at the class', () => {
  assertFlowError(flow(`
  @step begin() { this.next(this.end); }
  @step end() {}`), { at: 'class Test', reason: /flow 'Test' has no start step/ });
});

test('graph - a flow without an end step is reported at the class', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.start); }`), { at: 'class Test', reason: /flow 'Test' has no end step/ });
});

test('graph - @step on a field, a static method or a FlowSpec member name is refused', () => {
  assertFlowError(flow(`
  @step start = () => {};
  @step end() {}`), { step: 'start', at: '@step start =', reason: /@step goes on a method/ });
  assertFlowError(flow(`
  @step static start() {}
  @step end() {}`), { step: 'start', at: 'static start', reason: /instance method, not static/ });
  assertFlowError(flow(`
  @step start() { this.next(this.end); }
  @step input() { this.next(this.end); }
  @step end() {}`), { step: 'input', at: 'input()', reason: /'input' is a FlowSpec member/ });
  assertFlowError(flow(`
  @step start() { this.next(this.end); }
  @step $odd() { this.next(this.end); }
  @step end() {}`), { step: '$odd', at: '$odd()', reason: /letters, digits and _/ });
});

test('graph - a step defined twice names both lines', () => {
  const source = flow(`
  @step start() { this.next(this.end); }
  @step start() { this.next(this.end); } // twin
  @step end() {}`);
  const first = lineOf(source, 'start()');
  assertFlowError(source, { step: 'start', at: '// twin', reason: new RegExp(`defined twice \\(lines ${first} and ${first + 1}\\)`) });
});

test('graph - @param on a method is refused', () => {
  assertFlowError(flow(`
  @param() size() { return 1; }
  @step start() { this.next(this.end); }
  @step end() {}`), { step: 'size', at: 'size()', reason: /@param goes on a public instance field/ });
});

// --- Errors: next() calls ------------------------------------------------------------------------

test('graph - a step that never calls next() is named at its line', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.middle); }
  @step middle() { this.x = 1; }
  @step end() {}`), { step: 'middle', at: 'middle()', reason: /never calls this.next/ });
});

test('graph - end calling next() is reported at the call', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.end); }
  @step end() {
    this.next(this.start);
  }`), { step: 'end', at: 'this.next(this.start)', reason: /calls next\(\), but end is the last step/ });
});

test('graph - a step calling next() twice names both lines', () => {
  const source = flow(`
  @step start() {
    if (this.big) {
      this.next(this.a);
    } else {
      this.next(this.b);
    }
  }
  @step a() { this.next(this.end); }
  @step b() { this.next(this.end); }
  @step end() {}`);
  const [first, second] = [lineOf(source, 'this.next(this.a)'), lineOf(source, 'this.next(this.b)')];
  assertFlowError(source, {
    step: 'start', at: 'this.next(this.b)',
    reason: new RegExp(`^calls next\\(\\) twice \\(lines ${first} and ${second}\\); .*switch`),
  });
});

test('graph - next() naming an unknown step names it and lists the steps', () => {
  const source = flow(`
  @step start() { this.next(this.sq); }
  @step sq() {
    this.next(this.jion);
  }
  @step end() {}`);
  assertFlowError(source, {
    step: 'sq', at: 'this.jion',
    reason: /^next\(\) names 'jion', which is not a step \(steps: start, sq, end\)$/,
  });
});

test('graph - next() naming a method without @step says the decorator is missing', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.helper); }
  helper() {}
  @step end() {}`), { step: 'start', at: 'this.helper', reason: /'helper', which is a method without @step/ });
});

test('graph - malformed next() calls are named at the call', () => {
  const cases: Array<[string, RegExp]> = [
    [`this.next()`, /names no step/],
    [`this.next('end')`, /must be a step written this.<step>, not `'end'`/],
    [`this.next(this.end())`, /calls this.end\(\); pass the step itself/],
    [`this.next(this.a, this.a)`, /names 'a' twice/],
    [`this.next(this.a, { foreach: field })`, /foreach must be a string literal/],
    [`this.next(this.a, { foreach: 'this.items' })`, /foreach 'this.items' is not a field name/],
    [`this.next(this.a, this.end, { foreach: 'xs' })`, /a foreach runs exactly one step per item, but next\(\) names 2/],
    [`this.next(this.a, { each: 'xs' })`, /unknown next\(\) option `each: 'xs'`/],
    [`this.next(this.a, { condition: 'k' })`, /\{ condition \} needs the cases as an object/],
    [`this.next({}, { condition: 'k' })`, /switch has no cases/],
    [`this.next({ a: this.a })`, /a switch takes its cases and the condition/],
    [`this.next({ a: this.a }, {})`, /a switch needs \{ condition: 'field' \}/],
    [`this.next({ a: this.a }, { condition: 'k', foreach: 'k' })`, /a switch cannot also foreach/],
    [`this.next({ a: 'a' }, { condition: 'k' })`, /switch case 'a' must be a step written this.<step>/],
    [`this.next({ ...cases }, { condition: 'k' })`, /switch case `...cases` must be written name: this.<step>/],
    [`this.next({ a: this.a }, opts)`, /options must be an object literal/],
  ];
  for (const [call, reason] of cases) {
    assertFlowError(flow(`
  @step start() { const field = 'xs', cases = {}, opts = {}; this.xs = []; this.k = 'a';
    ${call};
  }
  @step a() { this.next(this.end); }
  @step end() {}`), { step: 'start', at: call, reason });
  }
});

// --- Errors: the shape of the graph ----------------------------------------------------------------

test('graph - an unreachable step is named at its line', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.end); }
  @step b() { this.next(this.end); }
  @step end() {}`), { step: 'b', at: 'b()', reason: /^unreachable from start \(no step's next\(\) names it\)$/ });
});

test('graph - a step named only by unreachable steps is itself unreachable', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.end); }
  @step b() { this.next(this.c); }
  @step c() { this.next(this.end); }
  @step end() {}`), { step: 'b', at: 'b()', reason: /unreachable from start/ });
});

test('graph - a cycle names the steps in it, at the next() call that closes it', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.a); }
  @step a() { this.next(this.b); }
  @step b() { this.next(this.a); }
  @step end() {}`), { step: 'b', at: 'b()', reason: /^steps 'a' -> 'b' -> 'a' form a cycle$/ });
});

test('graph - a step naming itself is a cycle', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.start, this.end); }
  @step end() {}`), { step: 'start', at: 'start()', reason: /names 'start' itself, which forms a cycle/ });
});

test('graph - a join after a linear step has nothing to join', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), { step: 'join', at: 'join(inputs', reason: /^takes inputs but no split precedes it/ });
});

test('graph - a split whose branches do not meet in one join names the missing branch', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.a, this.b, this.c); }
  @step a() { this.next(this.join); }
  @step b() { this.next(this.join); }
  @step c() { this.next(this.end); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), { step: 'join', at: 'join(inputs', reason: /joins 'a' and 'b' but not 'c' of split 'start'/ });
});

test('graph - a join whose inputs come from different splits names both', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.a, this.b); }
  @step a() { this.next(this.x, this.y); }
  @step x() { this.next(this.join); }
  @step y() { this.next(this.join2); }
  @step b() { this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.join2); }
  @step join2(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), {
    step: 'join', at: 'join(inputs',
    reason: /takes inputs from different splits: 'x' \(branch 'x' of split 'a'\) and 'b' \(branch 'b' of split 'start'\)/,
  });
});

test('graph - a step where split branches meet without taking inputs must become a join', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.a, this.b); }
  @step a() { this.next(this.meet); }
  @step b() { this.next(this.meet); }
  @step meet() { this.next(this.end); }
  @step end() {}`), { step: 'meet', at: 'meet()', reason: /but takes no inputs; declare it as meet\(inputs\)/ });
});

test('graph - a step reached from a foreach body and from outside it is refused', () => {
  assertFlowError(flow(`
  @step start() { this.k = 'a'; this.next({ a: this.fan, b: this.shared }, { condition: 'k' }); }
  @step fan() { this.xs = []; this.next(this.shared, { foreach: 'xs' }); }
  @step shared() { this.next(this.end); }
  @step end() {}`), {
    step: 'shared', at: 'shared()',
    reason: /has parents 'start' \(case 'b' of switch 'start'\) and 'fan' \(inside foreach 'fan'\); only a join/,
  });
});

test('graph - switch cases need no join', () => {
  assertFlowError(flow(`
  @step start() { this.k = 'a'; this.next({ a: this.a, b: this.b }, { condition: 'k' }); }
  @step a() { this.next(this.join); }
  @step b() { this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), { step: 'join', at: 'join(inputs', reason: /on a switch, which needs no join/ });
});

test('graph - a foreach whose body is its own join is refused', () => {
  assertFlowError(flow(`
  @step start() { this.xs = []; this.next(this.join, { foreach: 'xs' }); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), { step: 'join', at: 'join(inputs', reason: /both the body of foreach 'start' and its join/ });
});

test('graph - end reached inside a foreach without a join is a missing join', () => {
  assertFlowError(flow(`
  @step start() { this.xs = []; this.next(this.each, { foreach: 'xs' }); }
  @step each() { this.next(this.end); }
  @step end() {}`), { step: 'end', at: 'end()', reason: /^reached inside foreach 'start', which no join closes/ });
});

// --- Errors: foreach and switch fields ---------------------------------------------------------

test('graph - a foreach over an unassigned field names the step and the field', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.sq, { foreach: 'items' }); }
  @step sq() { this.items = []; this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), {
    step: 'start', at: "foreach: 'items'", reason: /^foreach over 'items', which no step before it assigns/,
  });
});

test('graph - a foreach over a field assigned on only some paths names the path missing it', () => {
  assertFlowError(flow(`
  @step start() { this.k = 'a'; this.next({ a: this.a, b: this.b }, { condition: 'k' }); }
  @step a() { this.items = [1]; this.next(this.fan); }
  @step b() { this.next(this.fan); }
  @step fan() { this.next(this.each, { foreach: 'items' }); }
  @step each() { this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), {
    step: 'fan', at: "foreach: 'items'", reason: /assigned on some paths before it but not on the one through 'b'/,
  });
});

test('graph - a switch on an unassigned field names the step and the field', () => {
  assertFlowError(flow(`
  @step start() { this.next({ a: this.a, b: this.end }, { condition: 'size' }); }
  @step a() { this.size = 1; this.next(this.end); }
  @step end() {}`), { step: 'start', at: "condition: 'size'", reason: /^switch on 'size', which no step before it assigns/ });
});

test('graph - a @param satisfies a foreach over it', () => {
  const g = extractGraph(flow(`
  @param({ default: [1, 2] }) items!: number[];
  @step start() { this.next(this.each, { foreach: 'items' }); }
  @step each() { this.next(this.join); }
  @step join(inputs: Inputs) { this.next(this.end); }
  @step end() {}`), FILE);
  assert.deepEqual(g.steps.start!.transition, { type: 'foreach', to: 'each', field: 'items' });
});

// --- Determinism -------------------------------------------------------------------------------

test('graph - with several problems the first step in file order is reported', () => {
  assertFlowError(flow(`
  @step start() { this.next(this.a); }
  @step a() { this.next(this.nope); }
  @step b() {}
  @step end() {}`), { step: 'a', at: 'this.nope', reason: /names 'nope'/ });
});
