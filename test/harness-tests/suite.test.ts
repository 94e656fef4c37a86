import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../harness/flows.js';

describe('test suite - npm test runs every test folder', () => {
  it('lists each folder under test/ except the harness and fixtures', () => {
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.test!;
    const folders = readdirSync(join(ROOT, 'test'), { withFileTypes: true })
      .filter((e) => e.isDirectory() && e.name !== 'harness' && e.name !== 'fixtures')
      .map((e) => e.name);
    for (const f of folders) assert.ok(script.includes(`dist/test/${f}`), `npm test does not run test/${f}`);
  });
});
