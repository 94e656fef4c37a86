import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  BLUE_OAK_BRONZE,
  BLUE_OAK_GOLD,
  BLUE_OAK_SILVER,
  licenseType,
  parseSpdxExpression,
  PERMISSIVE_LICENSES,
  PUBLIC_DOMAIN,
} from '../../../ops/license/index.js';
import { referenceTexts } from './fixtures.js';

describe('license type - one id', () => {
  it('Blue Oak-rated licenses and public-domain dedications are permissive', () => {
    for (const id of ['MIT', 'BSD-2-Clause', 'BSD-3-Clause', 'Apache-2.0', 'ISC', 'Zlib', '0BSD', 'BSL-1.0', 'UPL-1.0', 'BSD-2-Clause-Patent']) {
      assert.equal(licenseType(id), 'permissive', id);
    }
    for (const id of ['CC0-1.0', 'Unlicense', 'WTFPL']) assert.equal(licenseType(id), 'permissive', id);
  });

  it('copyleft, non-commercial, unknown and custom licenses are non_permissive', () => {
    for (const id of ['GPL-3.0-only', 'GPL-2.0-or-later', 'LGPL-2.1-only', 'AGPL-3.0-only', 'MPL-2.0', 'EPL-2.0', 'CC-BY-NC-4.0', 'SSPL-1.0', 'LicenseRef-acme-eula']) {
      assert.equal(licenseType(id), 'non_permissive', id);
    }
  });

  it('nothing found is no_license; so are SPDX NONE and NOASSERTION', () => {
    assert.equal(licenseType([]), 'no_license');
    assert.equal(licenseType(''), 'no_license');
    assert.equal(licenseType('NONE'), 'no_license');
    assert.equal(licenseType('NOASSERTION'), 'no_license');
  });

  it('ids match case-insensitively; "X+" is permissive when X is', () => {
    assert.equal(licenseType('mit'), 'permissive');
    assert.equal(licenseType('Apache-2.0+'), 'permissive');
    assert.equal(licenseType('GPL-2.0+'), 'non_permissive');
  });

  it('text that is no license expression is non_permissive, not an error', () => {
    assert.equal(licenseType('see LICENSE file'), 'non_permissive');
  });
});

describe('license type - expressions and lists', () => {
  it('OR is permissive if any branch is', () => {
    assert.equal(licenseType('MIT OR GPL-3.0-only'), 'permissive');
    assert.equal(licenseType('GPL-3.0-only OR (AGPL-3.0-only OR Apache-2.0)'), 'permissive');
    assert.equal(licenseType('GPL-3.0-only OR MPL-2.0'), 'non_permissive');
  });

  it('AND is permissive only if every part is', () => {
    assert.equal(licenseType('MIT AND BSD-3-Clause AND Zlib'), 'permissive');
    assert.equal(licenseType('MIT AND GPL-3.0-only'), 'non_permissive');
    assert.equal(licenseType('(MIT OR GPL-3.0-only) AND (Apache-2.0 OR LGPL-2.1-only)'), 'permissive');
  });

  it('WITH is permissive only if the license and the exception both are', () => {
    assert.equal(licenseType('Apache-2.0 WITH LLVM-exception'), 'permissive');
    assert.equal(licenseType('GPL-2.0-only WITH Classpath-exception-2.0'), 'non_permissive');
    assert.equal(licenseType('MIT WITH Classpath-exception-2.0'), 'non_permissive');
  });

  it('a list is every entry at once (an AND), and entries may be expressions or parsed', () => {
    assert.equal(licenseType(['MIT', 'Apache-2.0']), 'permissive');
    assert.equal(licenseType(['MIT', 'GPL-2.0-only']), 'non_permissive');
    assert.equal(licenseType(['MIT', 'GPL-2.0-only OR BSD-2-Clause']), 'permissive');
    assert.equal(licenseType([parseSpdxExpression('Zlib OR GPL-3.0-only')]), 'permissive');
    assert.equal(licenseType(['', 'NONE']), 'no_license');
  });
});

describe('license type - the allowlist', () => {
  it('every listed id exists in spdx-license-list, so a typo cannot hide', () => {
    const known = new Set(referenceTexts().keys());
    const all = [...BLUE_OAK_GOLD, ...BLUE_OAK_SILVER, ...BLUE_OAK_BRONZE, ...PUBLIC_DOMAIN];
    assert.deepEqual(all.filter((id) => !known.has(id)), []);
    assert.equal(PERMISSIVE_LICENSES.size, new Set(all).size);
  });

  it('the copyleft families are not on it', () => {
    const listed = [...PERMISSIVE_LICENSES];
    assert.deepEqual(listed.filter((id) => /^(A|L)?GPL|^MPL|^EPL|^CDDL|^EUPL|^OSL|^CC-BY-(NC|SA|ND)/.test(id)), []);
  });
});
