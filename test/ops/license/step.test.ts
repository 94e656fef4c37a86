import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PipelineStats, runPipeline, type Doc } from '../../../ops/pipeline.js';
import { licenseStep, LicenseOptionsError, propagateLicenses, resolveLicenseStepOptions } from '../../../ops/license/index.js';

const doc = (id: string, content = 'int x;\n'): Doc => ({ id, path: id.split('/').slice(1).join('/'), content, meta: { language: 'C' } });

describe('license step - sets detected_licenses and license_type and applies the policy', () => {
  const repo = propagateLicenses(
    [{ path: 'src/a.c' }, { path: 'vendor/gpl/b.c' }, { path: 'c.c' }],
    [{ path: 'LICENSE', ids: ['MIT'] }, { path: 'vendor/gpl/COPYING', ids: ['GPL-2.0-only'] }],
  );
  const byId = new Map(repo.map((r) => [`acme/${r.path}`, r]));

  it('keeps permissive and no_license, drops non_permissive, and the drop is counted in the run stats', () => {
    const stats = new PipelineStats();
    const step = licenseStep({ licenses: byId });
    const kept = runPipeline([step], doc('acme/src/a.c'), stats);
    const dropped = runPipeline([step], doc('acme/vendor/gpl/b.c'), stats);
    const unknown = runPipeline([step], doc('other/x.c'), stats);
    assert.deepEqual(kept?.meta, { language: 'C', detected_licenses: ['MIT'], license_type: 'permissive' });
    assert.equal(dropped, undefined);
    assert.deepEqual(unknown?.meta, { language: 'C', detected_licenses: [], license_type: 'no_license' });
    const json = stats.toJSON();
    assert.deepEqual(json.dropped, { 'license:non_permissive': 1 });
    assert.deepEqual([json.in, json.out], [3, 2]);
  });

  it("the document's own SPDX header counts with the repository's licenses", () => {
    const step = licenseStep({ licenses: byId });
    const gplHeader = step.run(doc('acme/src/a.c', '// SPDX-License-Identifier: GPL-3.0-only\nint x;\n'));
    assert.deepEqual(gplHeader, { keep: false, reason: 'non_permissive' });
    const orHeader = step.run(doc('other/y.c', '// SPDX-License-Identifier: Apache-2.0 OR GPL-3.0-only\n'));
    assert.ok(orHeader.keep && orHeader.doc);
    assert.deepEqual(orHeader.doc.meta.detected_licenses, ['Apache-2.0', 'GPL-3.0-only']);
    assert.equal(orHeader.doc.meta.license_type, 'permissive');
  });

  it('an invalid header is recorded on the document and does not decide anything', () => {
    const out = licenseStep().run(doc('r/z.c', '// SPDX-License-Identifier: GPLv2\n'));
    assert.ok(out.keep && out.doc);
    assert.deepEqual([out.doc.meta.license_type, out.doc.meta.invalid_license_headers], ['no_license', ['GPLv2']]);
  });

  it('headers can be ignored, and the lookup can be a function returning plain ids', () => {
    const step = licenseStep({ licenses: (d) => (d.id.startsWith('acme/') ? ['BSD-3-Clause'] : undefined), headers: false });
    const out = step.run(doc('acme/q.c', '// SPDX-License-Identifier: GPL-3.0-only\n'));
    assert.ok(out.keep && out.doc);
    assert.deepEqual(out.doc.meta.detected_licenses, ['BSD-3-Clause']);
  });

  it('the kept types are configurable: permissive only drops no_license with that reason', () => {
    const stats = new PipelineStats();
    const strict = licenseStep({ licenses: byId, keep: ['permissive'] });
    runPipeline([strict], doc('nowhere/a.c'), stats);
    runPipeline([strict], doc('acme/src/a.c'), stats);
    assert.deepEqual(stats.toJSON().dropped, { 'license:no_license': 1 });
  });

  it('the input document is not modified', () => {
    const input = doc('acme/src/a.c');
    licenseStep({ licenses: byId }).run(input);
    assert.deepEqual(input.meta, { language: 'C' });
  });
});

describe('license step - options', () => {
  const fails = (options: Parameters<typeof resolveLicenseStepOptions>[0], field: string) =>
    assert.throws(() => resolveLicenseStepOptions(options), (e: unknown) => e instanceof LicenseOptionsError && e.field === field && e.nonRetryable);

  it('defaults: keep permissive and no_license, read headers in the first 30 lines', () => {
    const r = resolveLicenseStepOptions();
    assert.deepEqual([[...r.keep], r.headers, r.maxHeaderLines], [['permissive', 'no_license'], true, 30]);
  });

  it('each rule names its field', () => {
    fails({ keep: [] }, 'keep');
    fails({ keep: ['permissive', 'copyleft' as never] }, 'keep[1]');
    fails({ maxHeaderLines: 0 }, 'maxHeaderLines');
    fails({ maxHeaderLines: 2.5 }, 'maxHeaderLines');
    fails({ headers: 'yes' as never }, 'headers');
    fails({ licenses: { 'a/b': ['MIT'] } as never }, 'licenses');
    assert.throws(() => licenseStep({ keep: [] }), /keep must name at least one license type/);
  });
});
