import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { licenseFileKind, readmeLicenseSection, scanLicenseFile } from '../../../ops/license/index.js';
import { referenceTexts, rewrap } from './fixtures.js';

const texts = referenceTexts();

describe('license files - which paths are license files', () => {
  it('LICENSE, LICENCE, COPYING, NOTICE, UNLICENSE in any case, with or without a suffix', () => {
    for (const path of ['LICENSE', 'LICENSE.txt', 'license.md', 'LICENCE', 'LICENSE-MIT', 'LICENSE.APACHE-2.0', 'COPYING', 'COPYING.LESSER', 'lib/foo/NOTICE', 'UNLICENSE', 'Licence.rst']) {
      assert.equal(licenseFileKind(path), 'license', path);
    }
  });

  it('REUSE keeps texts in LICENSES/', () => {
    assert.equal(licenseFileKind('LICENSES/Apache-2.0.txt'), 'license');
    assert.equal(licenseFileKind('LICENSES/logo.png'), undefined);
  });

  it('README files are a separate kind; code and data named after licenses are not license files', () => {
    assert.equal(licenseFileKind('README.md'), 'readme');
    assert.equal(licenseFileKind('docs/readme.rst'), 'readme');
    for (const path of ['src/license.ts', 'lib/licenses.py', 'license.json', 'licensing/check.go', 'src/index.ts', 'READMEish.md']) {
      assert.equal(licenseFileKind(path), undefined, path);
    }
  });
});

describe('license files - the License section of a README', () => {
  const mit = rewrap(texts.get('MIT')!, 72);

  it('a Markdown "## License" section, up to the next heading of the same level', () => {
    const readme = `# tool\n\nDoes things.\n\n## License\n\n${mit}\n\n### Third party\n\nSee NOTICE.\n\n## Contributing\n\nPRs welcome.\n`;
    const section = readmeLicenseSection(readme, 'README.md')!;
    assert.ok(section.startsWith('MIT License'));
    assert.ok(section.includes('See NOTICE.'), 'a sub-heading belongs to the section');
    assert.ok(!section.includes('PRs welcome'));
  });

  it('setext headings and decorated titles (📝 **Licence**) count too', () => {
    const readme = `tool\n====\n\nIntro.\n\n📝 **Licence**\n-----------\n\n${mit}\n\nUsage\n-----\n\nRun it.\n`;
    const section = readmeLicenseSection(readme, 'README.md')!;
    assert.ok(section.startsWith('MIT License') && !section.includes('Run it.'));
  });

  it('a "# License" line inside a fenced code block is not a heading', () => {
    const readme = '# tool\n\n```sh\n# License\necho hi\n```\n\nNo license here.\n';
    assert.equal(readmeLicenseSection(readme, 'README.md'), undefined);
  });

  it('a reStructuredText title with its underline (and overline) adornment', () => {
    const readme = `=====\n tool\n=====\n\nIntro.\n\nLicense\n-------\n\n${mit}\n\nChanges\n-------\n\n1.0 first.\n`;
    const section = readmeLicenseSection(readme, 'README.rst')!;
    assert.ok(section.startsWith('MIT License') && !section.includes('1.0 first'));
  });

  it('a README without such a section has none', () => {
    assert.equal(readmeLicenseSection('# tool\n\n## Install\n\nnpm i tool\n', 'README.md'), undefined);
  });

  it('scanning a README matches its License section against the SPDX texts', () => {
    const readme = `# tool\n\n## Install\n\nnpm i tool\n\n## License\n\nCopyright (c) 2024 Jane Doe\n\n${rewrap(texts.get('ISC')!, 60)}\n`;
    const scan = scanLicenseFile('README.md', readme)!;
    assert.deepEqual([scan.kind, scan.ids], ['readme', ['ISC']]);
    assert.deepEqual(scanLicenseFile('README.md', '# tool\n\nJust a tool.\n')!.ids, []);
  });
});

describe('license files - scanning one', () => {
  it('a LICENSE file yields the matched ids', () => {
    const scan = scanLicenseFile('LICENSE', `Copyright 2024 Acme Inc.\n\n${texts.get('BSD-3-Clause')}`)!;
    assert.deepEqual([scan.kind, scan.ids, scan.matches[0]!.id], ['license', ['BSD-3-Clause'], 'BSD-3-Clause']);
  });

  it('a LICENSE file that is only an SPDX tag counts through the tag', () => {
    assert.deepEqual(scanLicenseFile('LICENSE', 'SPDX-License-Identifier: MIT OR Apache-2.0\n')!.ids, ['Apache-2.0', 'MIT']);
  });

  it('other paths are not scanned', () => {
    assert.equal(scanLicenseFile('src/main.c', texts.get('MIT')!), undefined);
  });
});
