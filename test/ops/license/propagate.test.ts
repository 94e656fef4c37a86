import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectRepoLicenses, propagateLicenses, type FileLicenses } from '../../../ops/license/index.js';
import { referenceTexts } from './fixtures.js';

const byPath = (results: FileLicenses[]) => new Map(results.map((r) => [r.path, r]));

describe('license propagation - a license file covers its directory and below, nearest wins', () => {
  const licenseFiles = [
    { path: 'LICENSE', ids: ['MIT'] },
    { path: 'vendor/zlib/LICENSE', ids: ['Zlib'] },
    { path: 'vendor/gpl-tool/COPYING', ids: ['GPL-2.0-only'] },
  ];
  const files = [
    { path: 'README.md' },
    { path: 'src/deep/nested/a.ts' },
    { path: 'vendor/zlib/inflate.c' },
    { path: 'vendor/zlib/contrib/x.c' },
    { path: 'vendor/gpl-tool/main.c' },
    { path: 'vendor/gpl-toolkit/other.c' },
  ];
  const out = byPath(propagateLicenses(files, licenseFiles));

  it('the root license applies to every file not under a nested one', () => {
    assert.deepEqual(out.get('README.md'), { path: 'README.md', detected_licenses: ['MIT'], license_type: 'permissive', base_path: '' });
    assert.deepEqual(out.get('src/deep/nested/a.ts')!.detected_licenses, ['MIT']);
  });

  it('a nested LICENSE overrides the root for files under its directory, at any depth', () => {
    assert.deepEqual(out.get('vendor/zlib/inflate.c')!.detected_licenses, ['Zlib']);
    assert.equal(out.get('vendor/zlib/contrib/x.c')!.base_path, 'vendor/zlib');
    assert.deepEqual(out.get('vendor/gpl-tool/main.c')!.detected_licenses, ['GPL-2.0-only']);
    assert.equal(out.get('vendor/gpl-tool/main.c')!.license_type, 'non_permissive');
  });

  it('a directory name that merely starts like a licensed one is not under it', () => {
    assert.deepEqual(out.get('vendor/gpl-toolkit/other.c')!.detected_licenses, ['MIT']);
  });

  it('results keep the input order and paths as given', () => {
    assert.deepEqual([...out.keys()], files.map((f) => f.path));
  });
});

describe('license propagation - headers, several files per directory, and no license', () => {
  it("a file's own SPDX header is added to what it inherits, sorted and unique", () => {
    const [r] = propagateLicenses([{ path: 'src/a.c', headerIds: ['Zlib', 'MIT'] }], [{ path: 'LICENSE', ids: ['MIT'] }]);
    assert.deepEqual([r!.detected_licenses, r!.license_type], [['MIT', 'Zlib'], 'permissive']);
    const [g] = propagateLicenses([{ path: 'src/b.c', headerIds: ['GPL-3.0-only'] }], [{ path: 'LICENSE', ids: ['MIT'] }]);
    assert.deepEqual([g!.detected_licenses, g!.license_type], [['GPL-3.0-only', 'MIT'], 'non_permissive']);
  });

  it('a header expression keeps its OR for the type while its ids are listed', () => {
    const [r] = propagateLicenses([{ path: 'a.rs', headerIds: ['MIT OR Apache-2.0 OR GPL-2.0-only'] }], []);
    assert.deepEqual([r!.detected_licenses, r!.license_type, r!.base_path], [['Apache-2.0', 'GPL-2.0-only', 'MIT'], 'permissive', undefined]);
  });

  it('license files in the same directory add up (LICENSE-MIT plus LICENSE-APACHE)', () => {
    const [r] = propagateLicenses([{ path: 'src/lib.rs' }], [{ path: 'LICENSE-MIT', ids: ['MIT'] }, { path: 'LICENSE-APACHE', ids: ['Apache-2.0'] }]);
    assert.deepEqual(r!.detected_licenses, ['Apache-2.0', 'MIT']);
  });

  it('an unrecognised license file does not shadow its ancestor', () => {
    const [r] = propagateLicenses([{ path: 'lib/x.js' }], [{ path: 'LICENSE', ids: ['ISC'] }, { path: 'lib/LICENSE', ids: [] }]);
    assert.deepEqual([r!.detected_licenses, r!.base_path], [['ISC'], '']);
  });

  it('no license file and no header is no_license', () => {
    assert.deepEqual(propagateLicenses([{ path: 'main.go' }], []), [{ path: 'main.go', detected_licenses: [], license_type: 'no_license' }]);
  });

  it('paths are compared in one spelling: ./, leading /, backslashes', () => {
    const [r] = propagateLicenses([{ path: '.\\pkg\\a.py' }], [{ path: '/pkg/LICENSE', ids: ['BSD-2-Clause'] }]);
    assert.deepEqual([r!.path, r!.detected_licenses, r!.base_path], ['.\\pkg\\a.py', ['BSD-2-Clause'], 'pkg']);
  });
});

describe('license propagation - a repository end to end', () => {
  it('matches the license files, reads the headers and propagates', () => {
    const texts = referenceTexts();
    const out = byPath(
      detectRepoLicenses([
        { path: 'LICENSE', content: `Copyright (c) 2024 Acme\n\n${texts.get('Apache-2.0')}` },
        { path: 'src/app.ts', content: 'export const app = 1;\n' },
        { path: 'third_party/lz/COPYING', content: texts.get('GPL-3.0-only')! },
        { path: 'third_party/lz/lz.c', content: '/* SPDX-License-Identifier: GPL-3.0-or-later */\nint lz;\n' },
        { path: 'tools/gen.py', content: '# SPDX-License-Identifier: MIT\nprint(1)\n' },
      ]),
    );
    assert.deepEqual(out.get('src/app.ts')!.detected_licenses, ['Apache-2.0']);
    assert.deepEqual(out.get('tools/gen.py')!.detected_licenses, ['Apache-2.0', 'MIT']);
    assert.deepEqual(out.get('third_party/lz/lz.c')!.detected_licenses, ['GPL-3.0-only', 'GPL-3.0-or-later']);
    assert.equal(out.get('third_party/lz/lz.c')!.license_type, 'non_permissive');
    assert.equal(out.get('src/app.ts')!.license_type, 'permissive');
  });
});
