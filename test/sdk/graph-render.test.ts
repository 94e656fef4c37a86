import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { extractGraph } from '../../sdk/graph.js';
import { renderDot, renderText } from '../../sdk/graph-render.js';

const fanout = () => extractGraph(readFileSync('test/fixtures/graph/fanout.ts', 'utf8'), 'flows/fanout.ts');

const branchy = () => extractGraph(`
import { FlowSpec, step, Inputs } from 'stackmesh';
export default class Branchy extends FlowSpec {
  @step join(inputs: Inputs) { this.next(this.end); }
  /** Pick a "size". */
  @step start() { this.size = 'big'; this.next({ big: this.big, small: this.small }, { condition: 'size' }); }
  @step big() { this.next(this.left, this.right); }
  @step left() { this.next(this.join); }
  @step right() { this.next(this.join); }
  @step small() { this.next(this.end); }
  @step end() {}
}
`, 'flows/branchy.ts');

test('graph-render - text shows one aligned line per step with its transition, joins marked, docs after', () => {
  assert.equal(renderText(fanout()), [
    'Fanout  flows/fanout.ts',
    'params: n',
    '',
    'start               --foreach(items)-->  sq  // Make the partitions.',
    'sq                  -->  join                // Square one item.',
    'join (joins start)  -->  end',
    'end',
    '',
  ].join('\n'));
});

test('graph-render - text lists steps in topological order, not file order', () => {
  const names = renderText(branchy()).split('\n').slice(2).filter(Boolean).map((l) => l.split(' ')[0]);
  assert.deepEqual(names, ['start', 'big', 'left', 'right', 'join', 'small', 'end']);
});

test('graph-render - text shows a switch with its field and cases and a split with its branches', () => {
  const text = renderText(branchy());
  assert.match(text, /^start +--switch\(size\)-->  big: big, small: small {2}\/\/ Pick a "size"\.$/m);
  assert.match(text, /^big +--split-->  left, right$/m);
  assert.match(text, /^join \(joins big\) +-->  end$/m);
  assert.doesNotMatch(text, /^params:/m);
});

test('graph-render - dot draws joins as a distinct shape and labels foreach edges with the field', () => {
  const dot = renderDot(fanout());
  assert.match(dot, /^digraph "Fanout" \{\n/);
  assert.match(dot, /\n\}\n$/);
  assert.match(dot, /^ {2}"join" \[shape="invhouse"\];$/m);
  assert.match(dot, /^ {2}"sq" \[tooltip="Square one item\.\\nRetried, since squaring is hard\."\];$/m);
  assert.match(dot, /^ {2}"start" -> "sq" \[label="foreach items", style="bold"\];$/m);
  assert.match(dot, /^ {2}"sq" -> "join";$/m);
  assert.match(dot, /^ {2}"start" \[shape="oval", tooltip="Make the partitions\."\];$/m);
});

test('graph-render - dot labels switch edges with their case names and escapes quotes in docs', () => {
  const dot = renderDot(branchy());
  assert.match(dot, /^ {2}"start" -> "big" \[label="size = big", style="dashed"\];$/m);
  assert.match(dot, /^ {2}"start" -> "small" \[label="size = small", style="dashed"\];$/m);
  assert.match(dot, /^ {2}"big" -> "left";$/m);
  assert.match(dot, /^ {2}"big" -> "right";$/m);
  assert.match(dot, /tooltip="Pick a \\"size\\"\."/);
  assert.equal(dot.match(/->/g)?.length, 8);
});
