import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findSpdxHeaders, LicenseOptionsError, parseSpdxExpression } from '../../../ops/license/index.js';

const only = (text: string) => {
  const headers = findSpdxHeaders(text);
  assert.equal(headers.length, 1, `expected one header in ${JSON.stringify(headers)}`);
  return headers[0]!;
};

describe('license header - SPDX-License-Identifier in any comment syntax', () => {
  const cases: Array<[syntax: string, text: string, expression: string]> = [
    ['C++ line comment', '// SPDX-License-Identifier: MIT\nint main() {}\n', 'MIT'],
    ['C block comment', '/* SPDX-License-Identifier: Apache-2.0 */\n#include <stdio.h>\n', 'Apache-2.0'],
    ['block comment continuation', '/*\n * Copyright 2024 Acme\n * SPDX-License-Identifier: BSD-3-Clause\n */\n', 'BSD-3-Clause'],
    ['shell after a shebang', '#!/bin/sh\n# SPDX-License-Identifier: GPL-2.0-only\necho hi\n', 'GPL-2.0-only'],
    ['HTML / XML', '<!-- SPDX-License-Identifier: CC0-1.0 -->\n<html></html>\n', 'CC0-1.0'],
    ['SQL / Lua / Haskell line', '-- SPDX-License-Identifier: ISC\nselect 1;\n', 'ISC'],
    ['Haskell block', '{- SPDX-License-Identifier: BSD-2-Clause -}\nmodule Main where\n', 'BSD-2-Clause'],
    ['OCaml / Pascal block', '(* SPDX-License-Identifier: LGPL-2.1-or-later *)\nlet () = ()\n', 'LGPL-2.1-or-later'],
    ['Lisp / assembler', ';; SPDX-License-Identifier: Zlib\n(defun f ())\n', 'Zlib'],
    ['TeX / Erlang / MATLAB', '% SPDX-License-Identifier: MPL-2.0\n', 'MPL-2.0'],
    ['reStructuredText comment', '.. SPDX-License-Identifier: 0BSD\n\nTitle\n=====\n', '0BSD'],
    ['batch file', 'REM SPDX-License-Identifier: Unlicense\r\n@echo off\r\n', 'Unlicense'],
    ['Python docstring', '"""\nSPDX-License-Identifier: BSL-1.0\n"""\nimport os\n', 'BSL-1.0'],
    ['Python one-line docstring', '"""SPDX-License-Identifier: MIT"""\n', 'MIT'],
    ['Jinja comment', '{# SPDX-License-Identifier: Apache-2.0 #}\n', 'Apache-2.0'],
  ];
  for (const [syntax, text, expression] of cases) {
    it(`${syntax}: ${JSON.stringify(text.split('\n').find((l) => l.includes('SPDX')))}`, () => {
      const h = only(text);
      assert.equal(h.valid, true, h.error);
      assert.equal(h.expression, expression);
      assert.equal(h.line, text.split('\n').findIndex((l) => l.includes('SPDX')) + 1);
    });
  }

  it('only the first lines are read (30 by default, configurable)', () => {
    const late = `${'x = 1\n'.repeat(40)}// SPDX-License-Identifier: MIT\n`;
    assert.deepEqual(findSpdxHeaders(late), []);
    assert.equal(findSpdxHeaders(late, { maxLines: 41 })[0]?.expression, 'MIT');
    assert.equal(findSpdxHeaders(`${'\n'.repeat(29)}# SPDX-License-Identifier: MIT`).length, 1);
    assert.throws(() => findSpdxHeaders('', { maxLines: 0 }), (e: unknown) => e instanceof LicenseOptionsError && e.field === 'maxLines');
  });

  it('a file without a tag has no headers, even if it mentions SPDX', () => {
    assert.deepEqual(findSpdxHeaders('// Licensed under the MIT license; see SPDX for ids.\nint x;\n'), []);
  });
});

describe('license header - expressions', () => {
  it('OR, AND and WITH are parsed; ids are the sorted unique terms', () => {
    const h = only('// SPDX-License-Identifier: (MIT AND Zlib) OR GPL-2.0-or-later WITH Classpath-exception-2.0\n');
    assert.equal(h.expression, '(MIT AND Zlib) OR GPL-2.0-or-later WITH Classpath-exception-2.0');
    assert.deepEqual(h.ids, ['GPL-2.0-or-later WITH Classpath-exception-2.0', 'MIT', 'Zlib']);
    assert.deepEqual(h.tree && 'conjunction' in h.tree ? h.tree.conjunction : undefined, 'or');
  });

  it('AND binds tighter than OR, as SPDX says', () => {
    const p = parseSpdxExpression('MIT OR Apache-2.0 AND BSD-3-Clause');
    assert.equal(p.expression, 'MIT OR (Apache-2.0 AND BSD-3-Clause)');
  });

  it('ids match case-insensitively and come back in SPDX case; "+" is kept', () => {
    assert.equal(parseSpdxExpression('mit or apache-2.0').expression, 'MIT OR Apache-2.0');
    assert.equal(parseSpdxExpression('gpl-2.0+').expression, 'GPL-2.0+');
    assert.equal(parseSpdxExpression('licenseref-acme-eula').expression, 'LicenseRef-acme-eula');
  });

  it('an invalid expression is recorded with the reason, not thrown', () => {
    const h = only('# SPDX-License-Identifier: GPLv2 or later\n');
    assert.deepEqual([h.valid, h.raw, h.ids], [false, 'GPLv2 or later', []]);
    assert.match(h.error!, /Unexpected/);
    assert.equal(parseSpdxExpression('MIT AND').error, 'incomplete expression');
    assert.equal(parseSpdxExpression('  ').error, 'empty expression');
    assert.equal(only('// SPDX-License-Identifier:\n').valid, false);
  });

  it('every tag in the first lines is returned, valid or not', () => {
    const headers = findSpdxHeaders('// SPDX-License-Identifier: MIT\n// SPDX-License-Identifier: Apache 2\n');
    assert.deepEqual(headers.map((h) => [h.line, h.valid]), [[1, true], [2, false]]);
  });
});
