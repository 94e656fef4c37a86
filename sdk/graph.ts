/**
 * Reads a flow file's graph without running it: the default-exported class, its `@step` methods
 * with their one `this.next(...)` call each, and its `@param` fields; then checks that it can run.
 *
 *   const graph = extractGraph(await readFile(path, 'utf8'), path);
 *   graph.steps.start.transition   // { type: 'foreach', to: 'sq', field: 'items' }
 *
 * Static analysis with the TypeScript parser only (no type checker, no I/O). Every problem is an
 * InvalidFlowError naming the file, the step and the line. Only the first is thrown; checks run in
 * this order, each over the steps in file order (topological order for the split/join checks):
 * declarations, start and end, each step's next() call, cycles, reachability, splits and joins,
 * foreach/switch fields.
 */
import { createRequire } from 'node:module';
import type * as ts from 'typescript';
import type { FlowGraph, GraphStep, Transition } from '../protocol/graph.js';
import { InvalidFlowError } from './errors.js';

/** Names a step cannot take: FlowSpec's own members. */
const RESERVED = new Set(['next', 'input', 'index', 'current', 'mergeArtifacts', 'putBlob', 'getBlob']);
/** Step names end up in store keys and NATS subjects. */
const STEP_NAME = /^[A-Za-z_]\w*$/;
const FIELD_NAME = /^[A-Za-z_$][\w$]*$/;

/** A `@step` method as declared, before its next() call is understood. */
interface StepDecl {
  name: string;
  line: number;
  isJoin: boolean;
  nextCalls: ts.CallExpression[];
  assigns: string[];
  doc?: string;
}

interface FlowDecl {
  flow: string;
  line: number;
  steps: StepDecl[];
  params: string[];
  /** Methods without `@step`, to explain a next() that names one. */
  helpers: Set<string>;
}

// The TypeScript compiler is 9 MB of JavaScript: loaded on the first graph extraction, not by every
// process that imports this module for the graph helpers (coordinators and workers never parse flows).
let tsv: typeof ts;
const requireTs = createRequire(import.meta.url);

type LineOf = (node: ts.Node) => number;
type Fail = (reason: string, step?: string, line?: number) => InvalidFlowError;

export function extractGraph(source: string, file: string): FlowGraph {
  tsv ??= requireTs('typescript') as typeof ts;
  const sf = tsv.createSourceFile(file, source, tsv.ScriptTarget.Latest, true, scriptKind(file));
  const lineOf: LineOf = (node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const fail: Fail = (reason, step, line) => new InvalidFlowError(reason, { file, step, line });

  // The parser recovers from syntax errors; reading a half-parsed class would give confusing errors.
  const syntax = (sf as unknown as { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics?.[0];
  if (syntax) {
    const line = sf.getLineAndCharacterOfPosition(syntax.start ?? 0).line + 1;
    throw fail(`syntax error: ${tsv.flattenDiagnosticMessageText(syntax.messageText, ' ')}`, undefined, line);
  }

  const decl = readFlow(sf, lineOf, fail);
  const names = decl.steps.map((s) => s.name);
  for (const required of ['start', 'end']) {
    if (!names.includes(required)) {
      const example = required === 'start' ? '@step start() { ... this.next(this.end); }' : '@step end() {}';
      throw fail(`flow '${decl.flow}' has no ${required} step; add \`${example}\``, undefined, decl.line);
    }
  }

  const steps: Record<string, GraphStep> = {};
  const nextLine = new Map<string, number>();
  for (const s of decl.steps) {
    const transition = readTransition(s, lineOf, fail);
    const at = s.nextCalls.length ? lineOf(s.nextCalls[0]!) : s.line;
    nextLine.set(s.name, at);
    for (const target of targetsOf(transition)) {
      if (names.includes(target)) continue;
      const why = decl.helpers.has(target) ? `a method without @step` : 'not a step';
      throw fail(`next() names '${target}', which is ${why} (steps: ${names.join(', ')})`, s.name, at);
    }
    steps[s.name] = {
      name: s.name, line: s.line, isJoin: s.isJoin, transition, parents: [], foreachDepth: 0, assigns: s.assigns,
      ...(s.doc !== undefined ? { doc: s.doc } : {}),
    };
  }
  for (const parent of names) {
    for (const child of targetsOf(steps[parent]!.transition)) steps[child]!.parents.push(parent);
  }

  const graph: FlowGraph = { flow: decl.flow, file, order: names, steps, params: decl.params };
  checkCycles(graph, nextLine, fail);
  checkReachable(graph, fail);
  const topo = topologicalOrder(graph);
  checkSplits(graph, topo, fail);
  checkFields(graph, topo, nextLine, fail);
  return graph;
}

/** The steps a transition hands over to, each once, in the order the call names them. */
export function targetsOf(t: Transition): string[] {
  switch (t.type) {
    case 'linear': case 'foreach': return [t.to];
    case 'split': return [...new Set(t.to)];
    case 'switch': return [...new Set(Object.values(t.cases))];
    case 'end': return [];
  }
}

/** Steps ordered so that every step comes after its parents; ties go to file order. */
export function topologicalOrder(graph: FlowGraph): string[] {
  const pending = new Map(graph.order.map((n) => [n, 0]));
  for (const n of graph.order) {
    for (const t of targetsOf(graph.steps[n]!.transition)) pending.set(t, (pending.get(t) ?? 0) + 1);
  }
  const out: string[] = [];
  const ready = graph.order.filter((n) => pending.get(n) === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => graph.order.indexOf(a) - graph.order.indexOf(b));
    const n = ready.shift()!;
    out.push(n);
    for (const t of targetsOf(graph.steps[n]!.transition)) {
      const left = pending.get(t)! - 1;
      pending.set(t, left);
      if (left === 0) ready.push(t);
    }
  }
  // Only a graph with a cycle leaves steps behind; keep them visible rather than drop them.
  return [...out, ...graph.order.filter((n) => !out.includes(n))];
}

// ---------------------------------------------------------------------------------------------
// Reading the class

function scriptKind(file: string): ts.ScriptKind {
  if (/\.tsx$/i.test(file)) return tsv.ScriptKind.TSX;
  if (/\.[cm]?jsx$/i.test(file)) return tsv.ScriptKind.JSX;
  if (/\.[cm]?js$/i.test(file)) return tsv.ScriptKind.JS;
  return tsv.ScriptKind.TS;
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return tsv.canHaveModifiers(node) && (tsv.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function skipParens(e: ts.Expression): ts.Expression {
  while (tsv.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

/** `step`, `step()`, `sm.step` or `sm.step()`. */
function decoratorIs(d: ts.Decorator, name: string): boolean {
  let e = d.expression;
  if (tsv.isCallExpression(e)) e = e.expression;
  return (tsv.isIdentifier(e) && e.text === name) || (tsv.isPropertyAccessExpression(e) && e.name.text === name);
}

function plainName(name: ts.PropertyName | undefined): string | undefined {
  if (!name) return undefined;
  if (tsv.isIdentifier(name) || tsv.isStringLiteral(name) || tsv.isNumericLiteral(name)) return name.text;
  if (tsv.isNoSubstitutionTemplateLiteral(name)) return name.text;
  return undefined; // #private or [computed]
}

interface FoundClass { node: ts.ClassLikeDeclaration; name?: string; at: ts.Node }

function findDefaultClass(sf: ts.SourceFile, lineOf: LineOf, fail: Fail): FoundClass {
  let exported: { expr: ts.Expression; at: ts.Node } | undefined;
  for (const st of sf.statements) {
    if (tsv.isClassDeclaration(st) && hasModifier(st, tsv.SyntaxKind.DefaultKeyword)) {
      return { node: st, name: st.name?.text, at: st.name ?? st };
    }
    if (hasModifier(st, tsv.SyntaxKind.DefaultKeyword)) {
      throw fail('the default export is not a class; write `export default class MyFlow extends FlowSpec`',
        undefined, lineOf(st));
    }
    if (tsv.isExportAssignment(st) && !st.isExportEquals) exported = { expr: st.expression, at: st };
    if (tsv.isExportDeclaration(st) && !st.moduleSpecifier && st.exportClause && tsv.isNamedExports(st.exportClause)) {
      for (const el of st.exportClause.elements) {
        const local = el.propertyName ?? el.name;
        if (el.name.text === 'default' && tsv.isIdentifier(local)) exported = { expr: local, at: el };
      }
    }
  }
  if (exported) {
    const expr = skipParens(exported.expr);
    if (tsv.isClassExpression(expr)) return { node: expr, name: expr.name?.text, at: expr };
    if (tsv.isIdentifier(expr)) {
      const found = findTopLevelClass(sf, expr.text);
      if (found) return found;
      throw fail(`the default export '${expr.text}' is not a class declared in this file`, undefined, lineOf(exported.at));
    }
    throw fail('the default export is not a class; write `export default class MyFlow extends FlowSpec`',
      undefined, lineOf(exported.at));
  }
  const other = sf.statements.find((st): st is ts.ClassDeclaration => tsv.isClassDeclaration(st) && !!st.heritageClauses);
  if (other?.name) {
    throw fail(`no default-exported class; did you mean \`export default class ${other.name.text}\`?`,
      undefined, lineOf(other.name));
  }
  throw fail('no default-exported class; a flow file must `export default class MyFlow extends FlowSpec`');
}

function findTopLevelClass(sf: ts.SourceFile, name: string): FoundClass | undefined {
  for (const st of sf.statements) {
    if (tsv.isClassDeclaration(st) && st.name?.text === name) return { node: st, name, at: st.name };
    if (!tsv.isVariableStatement(st)) continue;
    for (const d of st.declarationList.declarations) {
      if (tsv.isIdentifier(d.name) && d.name.text === name && d.initializer && tsv.isClassExpression(skipParens(d.initializer))) {
        return { node: skipParens(d.initializer) as ts.ClassExpression, name, at: d.name };
      }
    }
  }
  return undefined;
}

function readFlow(sf: ts.SourceFile, lineOf: LineOf, fail: Fail): FlowDecl {
  const cls = findDefaultClass(sf, lineOf, fail);
  if (!cls.name) {
    throw fail('the default-exported class has no name, and its name is the flow name: `export default class MyFlow ...`',
      undefined, lineOf(cls.at));
  }
  if (!STEP_NAME.test(cls.name)) {
    throw fail(`flow name '${cls.name}' may only use letters, digits and _ (it names keys in the store)`, undefined, lineOf(cls.at));
  }
  const steps: StepDecl[] = [];
  const params: string[] = [];
  const helpers = new Set<string>();
  for (const m of cls.node.members) {
    const decorators = tsv.canHaveDecorators(m) ? tsv.getDecorators(m) ?? [] : [];
    const isStep = decorators.some((d) => decoratorIs(d, 'step'));
    const isParam = decorators.some((d) => decoratorIs(d, 'param'));
    const name = plainName(m.name);
    const line = lineOf(m.name ?? m);
    if (tsv.isMethodDeclaration(m) && name !== undefined && !isStep) helpers.add(name);
    if (isParam) {
      if (!tsv.isPropertyDeclaration(m) || name === undefined || hasModifier(m, tsv.SyntaxKind.StaticKeyword)) {
        throw fail('@param goes on a public instance field, e.g. `@param({ default: 1 }) n!: number`', name, line);
      }
      params.push(name);
    }
    if (!isStep) continue;
    if (!tsv.isMethodDeclaration(m)) throw fail('@step goes on a method: `@step name() { ... }`', name, line);
    if (name === undefined) throw fail('@step goes on a method with a plain name, not #private or [computed]', undefined, line);
    if (hasModifier(m, tsv.SyntaxKind.StaticKeyword)) throw fail('a step must be an instance method, not static', name, line);
    if (RESERVED.has(name)) throw fail(`'${name}' is a FlowSpec member and cannot be a step name`, name, line);
    if (!STEP_NAME.test(name)) throw fail('a step name may only use letters, digits and _ (it names keys in the store)', name, line);
    const twin = steps.find((s) => s.name === name);
    if (twin) throw fail(`defined twice (lines ${twin.line} and ${line})`, name, line);
    const { nextCalls, assigns } = scanBody(m.body);
    const doc = docOf(m);
    steps.push({ name, line, isJoin: m.parameters.length > 0, nextCalls, assigns, ...(doc ? { doc } : {}) });
  }
  return { flow: cls.name, line: lineOf(cls.at), steps, params, helpers };
}

function docOf(node: ts.Node): string | undefined {
  const doc = tsv.getJSDocCommentsAndTags(node).filter(tsv.isJSDoc).at(-1);
  const text = doc ? tsv.getTextOfJSDocComment(doc.comment)?.trim() : undefined;
  return text || undefined;
}

/** The field `this.x` / `this['x']` names, if the node is one. */
function thisField(e: ts.Node): string | undefined {
  if (tsv.isParenthesizedExpression(e)) return thisField(e.expression);
  if (tsv.isPropertyAccessExpression(e) && e.expression.kind === tsv.SyntaxKind.ThisKeyword && tsv.isIdentifier(e.name)) {
    return e.name.text;
  }
  if (tsv.isElementAccessExpression(e) && e.expression.kind === tsv.SyntaxKind.ThisKeyword
    && tsv.isStringLiteralLike(e.argumentExpression)) return e.argumentExpression.text;
  return undefined;
}

/** Every `this.next(...)` call and every `this.x` assigned anywhere in a method body. */
function scanBody(body: ts.Node | undefined): { nextCalls: ts.CallExpression[]; assigns: string[] } {
  const nextCalls: ts.CallExpression[] = [];
  const assigns = new Set<string>();
  const assigned = (target: ts.Node): void => {
    const field = thisField(target);
    if (field !== undefined) assigns.add(field);
    else if (tsv.isParenthesizedExpression(target) || tsv.isSpreadElement(target) || tsv.isSpreadAssignment(target)) {
      assigned(target.expression);
    } else if (tsv.isArrayLiteralExpression(target)) target.elements.forEach(assigned);
    else if (tsv.isObjectLiteralExpression(target)) target.properties.forEach(assigned);
    else if (tsv.isPropertyAssignment(target)) assigned(target.initializer);
    else if (tsv.isBinaryExpression(target) && target.operatorToken.kind === tsv.SyntaxKind.EqualsToken) {
      assigned(target.left); // a default in a destructuring pattern: [this.a = 1] = xs
    }
  };
  const visit = (n: ts.Node): void => {
    if (tsv.isCallExpression(n) && thisField(n.expression) === 'next' && tsv.isPropertyAccessExpression(n.expression)) {
      nextCalls.push(n);
    } else if (tsv.isBinaryExpression(n) && n.operatorToken.kind >= tsv.SyntaxKind.FirstAssignment
      && n.operatorToken.kind <= tsv.SyntaxKind.LastAssignment) {
      assigned(n.left);
    } else if ((tsv.isPrefixUnaryExpression(n) || tsv.isPostfixUnaryExpression(n))
      && (n.operator === tsv.SyntaxKind.PlusPlusToken || n.operator === tsv.SyntaxKind.MinusMinusToken)) {
      assigned(n.operand);
    } else if ((tsv.isForOfStatement(n) || tsv.isForInStatement(n)) && !tsv.isVariableDeclarationList(n.initializer)) {
      assigned(n.initializer);
    }
    tsv.forEachChild(n, visit);
  };
  if (body) visit(body);
  return { nextCalls, assigns: [...assigns] };
}

// ---------------------------------------------------------------------------------------------
// Reading next() calls

function readTransition(s: StepDecl, lineOf: LineOf, fail: Fail): Transition {
  const calls = s.nextCalls;
  if (s.name === 'end') {
    if (calls.length > 0) throw fail('calls next(), but end is the last step', s.name, lineOf(calls[0]!));
    return { type: 'end' };
  }
  if (calls.length === 0) {
    throw fail('never calls this.next(...); every step but end must say which step runs next', s.name, s.line);
  }
  if (calls.length > 1) {
    const lines = calls.map(lineOf);
    const times = calls.length === 2 ? 'twice' : `${calls.length} times`;
    const where = new Set(lines).size === 1 ? `on line ${lines[0]}` : `lines ${listAnd(lines.map(String))}`;
    throw fail(`calls next() ${times} (${where}); to choose at run time, call it once `
      + `with a switch: this.next({ a: this.a, b: this.b }, { condition: 'field' })`, s.name, lines[1]);
  }
  const call = calls[0]!;
  return parseNext(call, (reason) => fail(reason, s.name, lineOf(call)));
}

function parseNext(call: ts.CallExpression, bad: (reason: string) => InvalidFlowError): Transition {
  const args = [...call.arguments];
  if (args.length === 0) throw bad('next() names no step; pass one, e.g. this.next(this.end)');
  const stepOf = (e: ts.Expression, what: string): string => {
    const name = thisField(e);
    if (name !== undefined && tsv.isPropertyAccessExpression(skipParens(e))) return name;
    if (tsv.isCallExpression(e) && thisField(e.expression) !== undefined) {
      throw bad(`${what} calls ${e.expression.getText()}(); pass the step itself: ${e.expression.getText()}`);
    }
    throw bad(`${what} must be a step written this.<step>, not \`${clip(e.getText())}\``);
  };

  const first = skipParens(args[0]!);
  if (tsv.isObjectLiteralExpression(first)) {
    if (args.length !== 2) {
      throw bad("a switch takes its cases and the condition: this.next({ a: this.a, b: this.b }, { condition: 'field' })");
    }
    const cases: Record<string, string> = {};
    for (const p of first.properties) {
      const key = tsv.isPropertyAssignment(p) ? plainName(p.name) : undefined;
      if (!tsv.isPropertyAssignment(p) || key === undefined) {
        throw bad(`switch case \`${clip(p.getText())}\` must be written name: this.<step>`);
      }
      if (key in cases) throw bad(`switch names case '${key}' twice`);
      cases[key] = stepOf(p.initializer, `switch case '${key}'`);
    }
    if (Object.keys(cases).length === 0) throw bad('switch has no cases; name at least one: { a: this.a }');
    const options = readOptions(args[1]!, bad);
    if (options.foreach !== undefined) throw bad('a switch cannot also foreach; give the foreach its own step');
    if (options.condition === undefined) {
      throw bad("a switch needs { condition: 'field' }, the field whose value picks the case");
    }
    return { type: 'switch', cases, field: options.condition };
  }

  const last = skipParens(args.at(-1)!);
  const options = args.length > 1 && tsv.isObjectLiteralExpression(last) ? readOptions(last, bad) : undefined;
  const targets = args.slice(0, options ? -1 : undefined).map((a, i) => stepOf(a, `next() argument ${i + 1}`));
  if (targets.length === 0) throw bad('next() names no step');
  const twice = targets.find((t, i) => targets.indexOf(t) !== i);
  if (twice !== undefined) throw bad(`next() names '${twice}' twice`);
  if (options?.condition !== undefined) {
    throw bad("{ condition } needs the cases as an object: this.next({ a: this.a, b: this.b }, { condition: 'field' })");
  }
  if (options?.foreach !== undefined) {
    if (targets.length !== 1) throw bad(`a foreach runs exactly one step per item, but next() names ${targets.length}`);
    return { type: 'foreach', to: targets[0]!, field: options.foreach };
  }
  return targets.length === 1 ? { type: 'linear', to: targets[0]! } : { type: 'split', to: targets };
}

function readOptions(node: ts.Expression, bad: (reason: string) => InvalidFlowError): { foreach?: string; condition?: string } {
  const obj = skipParens(node);
  if (!tsv.isObjectLiteralExpression(obj)) {
    throw bad(`next() options must be an object literal like { condition: 'field' }, not \`${clip(node.getText())}\``);
  }
  const out: { foreach?: string; condition?: string } = {};
  for (const p of obj.properties) {
    const key = tsv.isPropertyAssignment(p) ? plainName(p.name) : undefined;
    if (!tsv.isPropertyAssignment(p) || key === undefined) {
      throw bad(`next() option \`${clip(p.getText())}\` must be written foreach: 'field' or condition: 'field'`);
    }
    if (key !== 'foreach' && key !== 'condition') {
      throw bad(`unknown next() option \`${clip(p.getText())}\` (options: foreach, condition)`);
    }
    const value = skipParens(p.initializer);
    if (!tsv.isStringLiteralLike(value)) {
      throw bad(`${key} must be a string literal naming a field, e.g. { ${key}: 'items' }, not \`${clip(value.getText())}\``);
    }
    if (!FIELD_NAME.test(value.text)) throw bad(`${key} '${value.text}' is not a field name`);
    out[key] = value.text;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Graph checks

function checkCycles(graph: FlowGraph, nextLine: Map<string, number>, fail: Fail): void {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string): void => {
    state.set(n, 'open');
    path.push(n);
    for (const t of targetsOf(graph.steps[n]!.transition)) {
      if (state.get(t) === 'open') {
        const cycle = [...path.slice(path.indexOf(t)), t];
        const reason = cycle.length === 2 ? `next() names '${n}' itself, which forms a cycle`
          : `steps ${cycle.map((c) => `'${c}'`).join(' -> ')} form a cycle`;
        throw fail(reason, n, nextLine.get(n));
      }
      if (!state.has(t)) visit(t);
    }
    path.pop();
    state.set(n, 'done');
  };
  visit('start');
}

function checkReachable(graph: FlowGraph, fail: Fail): void {
  const seen = new Set(['start']);
  const queue = ['start'];
  while (queue.length > 0) {
    for (const t of targetsOf(graph.steps[queue.shift()!]!.transition)) {
      if (!seen.has(t)) { seen.add(t); queue.push(t); }
    }
  }
  const lost = graph.order.find((n) => !seen.has(n));
  if (lost === undefined) return;
  const parents = graph.steps[lost]!.parents;
  const why = parents.length ? `only ${listAnd(parents.map((p) => `'${p}'`))}, itself unreachable, names it`
    : "no step's next() names it";
  throw fail(`unreachable from start (${why})`, lost, graph.steps[lost]!.line);
}

/** An open split around a step: which branch of which split, foreach or switch it runs on. */
type Frame =
  | { kind: 'split'; at: string; branch: string }
  | { kind: 'foreach'; at: string; branch: string }
  | { kind: 'switch'; at: string; cases: string[] };

function describe(f: Frame | undefined): string {
  if (!f) return 'outside any split';
  if (f.kind === 'split') return `branch '${f.branch}' of split '${f.at}'`;
  if (f.kind === 'foreach') return `inside foreach '${f.at}'`;
  return `case${f.cases.length > 1 ? 's' : ''} ${listAnd(f.cases.map((c) => `'${c}'`))} of switch '${f.at}'`;
}

function sameFrames(a: Frame[], b: Frame[]): boolean {
  return a.length === b.length && a.every((f, i) => {
    const g = b[i]!;
    if (f.kind !== g.kind || f.at !== g.at) return false;
    return f.kind === 'switch' ? String(f.cases) === String((g as typeof f).cases) : f.branch === (g as typeof f).branch;
  });
}

/**
 * Follows, in topological order, the stack of splits each step runs inside. A static split or a
 * foreach opens a frame that only a join closes; a switch opens one that closes where all its
 * cases meet again, in a step without inputs. Sets `closes`, `joinedBy` and `foreachDepth`.
 */
function checkSplits(graph: FlowGraph, topo: string[], fail: Fail): void {
  const { steps } = graph;
  const ctx = new Map<string, Frame[]>();
  const closeSwitch = (frames: Frame[]): Frame[] => {
    const top = frames.at(-1);
    if (top?.kind !== 'switch') return frames;
    const t = steps[top.at]!.transition as Extract<Transition, { type: 'switch' }>;
    return top.cases.length === Object.keys(t.cases).length ? frames.slice(0, -1) : frames;
  };
  const edge = (parent: string, child: string): Frame[] => {
    const base = ctx.get(parent)!;
    const t = steps[parent]!.transition;
    if (t.type === 'split') return [...base, { kind: 'split', at: parent, branch: child }];
    if (t.type === 'foreach') return [...base, { kind: 'foreach', at: parent, branch: child }];
    if (t.type !== 'switch') return base;
    const cases = Object.keys(t.cases).filter((k) => t.cases[k] === child);
    return closeSwitch([...base, { kind: 'switch', at: parent, cases }]);
  };

  for (const n of topo) {
    const s = steps[n]!;
    const here = (reason: string): InvalidFlowError => fail(reason, n, s.line);
    const edges = s.parents.map((p) => edge(p, n));
    const tops = edges.map((e) => e.at(-1));
    const first = tops[0];
    const base = edges[0]?.slice(0, -1) ?? [];
    const oneOpener = first !== undefined && edges.every((e, i) => tops[i]?.kind === first.kind
      && tops[i]?.at === first.at && sameFrames(e.slice(0, -1), base));
    const from = listAnd(s.parents.map((p, i) => `'${p}' (${describe(tops[i])})`));
    let frames: Frame[];
    if (s.isJoin) {
      if (tops.every((t) => t === undefined)) throw here('takes inputs but no split precedes it; drop the parameter, or split before it');
      if (!oneOpener) throw here(`takes inputs from different splits: ${from}`);
      if (first.kind === 'switch') {
        throw here(`takes inputs, but ${from} ${edges.length > 1 ? 'are' : 'is'} on a switch, which needs no join; `
          + 'drop the parameter, or split before it');
      }
      if (first.kind === 'foreach' && s.parents.includes(first.at)) {
        throw here(`is both the body of foreach '${first.at}' and its join; put the per-item work in a step between them`);
      }
      if (first.kind === 'split') {
        const branches = (steps[first.at]!.transition as Extract<Transition, { type: 'split' }>).to;
        const joined = tops.map((t) => (t as { branch: string }).branch);
        const missing = branches.filter((b) => !joined.includes(b));
        if (missing.length > 0) {
          throw here(`joins ${listAnd(joined.map((b) => `'${b}'`))} but not ${listAnd(missing.map((b) => `'${b}'`))} `
            + `of split '${first.at}'; every branch of a split must meet in one join`);
        }
      }
      s.closes = first.at;
      steps[first.at]!.joinedBy = n;
      frames = base;
    } else if (edges.length <= 1) {
      frames = edges[0] ?? [];
    } else if (oneOpener && first.kind === 'switch') {
      const met = new Set(tops.flatMap((t) => (t as { cases: string[] }).cases));
      const t = steps[first.at]!.transition as Extract<Transition, { type: 'switch' }>;
      const cases = Object.keys(t.cases).filter((k) => met.has(k));
      frames = closeSwitch([...base, { kind: 'switch', at: first.at, cases }]);
    } else if (oneOpener) {
      throw here(`joins ${from} but takes no inputs; declare it as ${n}(inputs) to make it a join`);
    } else {
      const unjoined = tops.find((t) => t?.kind === 'foreach');
      const hint = unjoined ? ` (foreach '${unjoined.at}' needs its join first)` : '';
      throw here(`has parents ${from}; only a join (a step taking inputs) closing one split, `
        + `or the step where one switch's cases meet, can have several parents${hint}`);
    }
    ctx.set(n, frames);
    s.foreachDepth = frames.filter((f) => f.kind === 'foreach').length;
  }
  const open = ctx.get('end')!.at(-1);
  if (open) throw fail(`reached ${describe(open)}, which no join closes; add a step taking inputs before end`, 'end', steps.end!.line);
}

/**
 * A foreach or switch field must exist when the step hands over: assigned by that step, by a step
 * on every path from start to it, or a @param.
 */
function checkFields(graph: FlowGraph, topo: string[], nextLine: Map<string, number>, fail: Fail): void {
  const sure = new Map<string, Set<string>>(); // assigned on every path, including the step
  const maybe = new Map<string, Set<string>>(); // assigned on some path
  for (const n of topo) {
    const s = graph.steps[n]!;
    const before = s.parents.map((p) => sure.get(p)!);
    const some = s.parents.map((p) => maybe.get(p)!);
    const all = before.length ? [...before[0]!].filter((f) => before.every((b) => b.has(f))) : graph.params;
    sure.set(n, new Set([...all, ...s.assigns]));
    maybe.set(n, new Set([...graph.params, ...some.flatMap((m) => [...m]), ...s.assigns]));
  }
  for (const n of graph.order) {
    const s = graph.steps[n]!;
    const t = s.transition;
    if (t.type !== 'foreach' && t.type !== 'switch') continue;
    if (sure.get(n)!.has(t.field)) continue;
    const what = t.type === 'foreach' ? `foreach over '${t.field}'` : `switch on '${t.field}'`;
    if (maybe.get(n)!.has(t.field)) {
      const gap = s.parents.find((p) => !sure.get(p)!.has(t.field))!;
      throw fail(`${what}, which is assigned on some paths before it but not on the one through '${gap}'`,
        n, nextLine.get(n));
    }
    throw fail(`${what}, which no step before it assigns; assign this.${t.field} in '${n}' or earlier, `
      + 'or declare it with @param', n, nextLine.get(n));
  }
}

export function listAnd(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > 40 ? `${flat.slice(0, 37)}...` : flat;
}
