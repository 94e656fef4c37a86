import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixture, ROOT, tempDir } from '../harness/flows.js';
import { TestMesh } from '../harness/mesh.js';

const CLI = join(ROOT, 'dist/cli/index.js');
const dir = tempDir('mesh-submit-invalid-');
let mesh: TestMesh;
before(async () => { mesh = await TestMesh.start(); });
after(async () => {
  await mesh.stop();
  dir.remove();
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: dir.path, env: mesh.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('mesh submit - invalid flows', () => {
  it('fails with one line naming the file and creates no run, for a syntax error, no default export, or a throw at import', async () => {
    const syntax = join(dir.path, 'syntax.ts');
    writeFileSync(syntax, "import { FlowSpec, step } from 'stackmesh';\nexport default class X extends FlowSpec {\n  @step start() { this.next(this.end)\n  @step end() {}\n}\n");
    const noDefault = join(dir.path, 'no-default.ts');
    writeFileSync(noDefault, "import { FlowSpec, step } from 'stackmesh';\nclass X extends FlowSpec {\n  @step start() { this.next(this.end); }\n  @step end() {}\n}\n");
    const cases: Array<[string, RegExp]> = [
      [syntax, /syntax\.ts:\d+: syntax error/],
      [noDefault, /no-default\.ts:\d+: no default-exported class/],
      [fixture('import-throws'), /import-throws\.ts:\d+: cannot load the flow: configuration missing at import time/],
    ];
    for (const [file, message] of cases) {
      const r = await cli('submit', file);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
    }
    const runs = await cli('runs', '--json');
    assert.equal(runs.code, 0, runs.stderr);
    assert.equal(runs.stdout.trim(), '', 'no run was created');
  });
});
