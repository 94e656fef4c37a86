import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  detectLanguage,
  extensionsOf,
  interpreterOf,
  modeOf,
  rankCandidates,
  findLanguage,
} from '../../../ops/language/index.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('language filename - exact Linguist filenames', () => {
  it('recognises Makefile, Dockerfile and dotfiles by name alone', () => {
    assert.deepEqual(detectLanguage('Makefile'), { language: 'Makefile', type: 'programming', strategy: 'filename' });
    assert.equal(detectLanguage('deploy/Dockerfile').language, 'Dockerfile');
    assert.equal(detectLanguage('home/.bashrc').strategy, 'filename');
    assert.equal(detectLanguage('Pipfile.lock').language, 'JSON');
  });

  it('resolves package.json through its extension, since Linguist lists no such filename', () => {
    const d = detectLanguage('package.json', '{"name":"x"}');
    assert.equal(d.language, 'JSON');
    assert.equal(d.type, 'data');
  });

  it('beats a shebang: a Makefile with a #! line is still a Makefile', () => {
    assert.equal(detectLanguage('Makefile', '#!/usr/bin/make -f\n').strategy, 'filename');
  });
});

describe('language shebang - interpreters', () => {
  it('reads the interpreter through env, its flags and assignments', () => {
    assert.equal(interpreterOf('#!/usr/bin/env python3\n'), 'python3');
    assert.equal(interpreterOf('#!/usr/bin/env -S python3 -u\n'), 'python3');
    assert.equal(interpreterOf('#!/usr/bin/env -u HOME LANG=C ruby\n'), 'ruby');
    assert.equal(interpreterOf('#! /bin/bash -e\n'), 'bash');
    assert.equal(interpreterOf('#!/usr/bin/env\n'), undefined);
    assert.equal(interpreterOf('print(1)\n#!/bin/sh'), undefined);
  });

  it('follows a /bin/sh script that re-execs another interpreter', () => {
    assert.equal(interpreterOf('#!/bin/sh\nexec ruby "$0" "$@"\n'), 'ruby');
  });

  it('detects extension-less scripts, dropping interpreter versions', () => {
    assert.deepEqual(detectLanguage('bin/tool', bytes('#!/usr/bin/env python3\nprint(1)\n')), {
      language: 'Python',
      type: 'programming',
      strategy: 'shebang',
    });
    assert.equal(detectLanguage('bin/tool', '#!/usr/bin/python3.11\n').language, 'Python');
    assert.equal(detectLanguage('bin/tool', '#!/usr/bin/env -S ruby2.7 -w\n').language, 'Ruby');
    assert.equal(detectLanguage('bin/tool', '#!/bin/bash\n').language, 'Shell');
  });

  it('beats a misleading extension, as Linguist runs shebang before extension', () => {
    const d = detectLanguage('script.rb', '#!/usr/bin/env python\n');
    assert.equal(d.language, 'Python');
    assert.equal(d.strategy, 'shebang');
  });

  it('lets the extension settle an interpreter shared by several languages', () => {
    assert.deepEqual(detectLanguage('tool', '#!/usr/bin/env node\n').candidates, ['JavaScript', 'TypeScript']);
    assert.equal(detectLanguage('tool', '#!/usr/bin/env node\n').language, 'JavaScript');
    const ts = detectLanguage('tool.ts', '#!/usr/bin/env node\nconst a: number = 1;\n');
    assert.equal(ts.language, 'TypeScript');
    assert.equal(ts.strategy, 'extension');
  });
});

describe('language extension - longest match, then case-insensitive', () => {
  it('lists extensions longest first', () => {
    assert.deepEqual(extensionsOf('src/types.d.ts'), ['.d.ts', '.ts']);
    assert.deepEqual(extensionsOf('.bashrc'), ['.bashrc']);
    assert.deepEqual(extensionsOf('README'), []);
  });

  it('prefers a compound extension over its tail', () => {
    assert.equal(detectLanguage('config.h.in').language, 'C');
    assert.equal(detectLanguage('build.gradle.kts').language, 'Gradle Kotlin DSL');
    assert.equal(detectLanguage('main.kts').language, 'Kotlin');
  });

  it('matches exact case first and falls back to lower case', () => {
    assert.equal(detectLanguage('Syntax.JSON-tmLanguage').language, 'JSON');
    assert.deepEqual(detectLanguage('MAIN.PY'), { language: 'Python', type: 'programming', strategy: 'extension' });
  });

  it('detects unambiguous extensions without reading content', () => {
    assert.equal(detectLanguage('src/lib.go').language, 'Go');
    assert.equal(detectLanguage('styles/site.css').type, 'markup');
  });
});

describe('language modeline - Vim and Emacs', () => {
  it('reads the mode name from the common spellings', () => {
    assert.equal(modeOf(['# vim: set ft=ruby:']), 'ruby');
    assert.equal(modeOf(['/* vi: filetype=python */']), 'python');
    assert.equal(modeOf(['# -*- mode: Ruby; coding: utf-8 -*-']), 'ruby');
    assert.equal(modeOf([';; -*- emacs-lisp -*-']), 'emacs-lisp');
    assert.equal(modeOf(['index: ft=ruby']), undefined);
  });

  it('names a language for a file nothing else identifies, by name or alias', () => {
    assert.equal(detectLanguage('script', '# vim: set ft=ruby:\nputs 1\n').strategy, 'modeline');
    assert.equal(detectLanguage('script', '# -*- mode: ruby -*-\n').language, 'Ruby');
    assert.equal(detectLanguage('script', '// vim: ft=cpp\n').language, 'C++');
  });

  it('is read from the last lines too', () => {
    const text = 'puts 1\n'.repeat(50) + '# vim: ft=ruby\n';
    assert.equal(detectLanguage('script', text).language, 'Ruby');
  });

  it('settles an ambiguous extension but cannot override one that is not', () => {
    assert.equal(detectLanguage('x.h', '#include <stdio.h>\n// vim: ft=cpp\n').strategy, 'modeline');
    assert.equal(detectLanguage('main.go', '// vim: ft=ruby\n').language, 'Go');
  });
});

describe('language heuristics - ambiguous extensions', () => {
  const h = (path: string, text: string) => detectLanguage(path, text);

  it('.h is Objective-C, C++ or, by default, C', () => {
    assert.equal(h('x.h', '@interface Foo : NSObject\n@end\n').language, 'Objective-C');
    assert.equal(h('x.h', '#include <vector>\nint f();\n').language, 'C++');
    assert.equal(h('x.h', 'template <typename T> T id(T t);\n').language, 'C++');
    assert.equal(h('x.h', 'class Foo : public Bar {};\n').language, 'C++');
    const c = h('x.h', '#include <stdio.h>\nint main(void);\n');
    assert.equal(c.language, 'C');
    assert.equal(c.strategy, 'extension');
    assert.deepEqual(c.candidates, ['C', 'C++', 'Objective-C']);
  });

  it('.m is Objective-C, MATLAB, Mercury or Wolfram Language', () => {
    assert.equal(h('x.m', '#import <Foundation/Foundation.h>\n').language, 'Objective-C');
    assert.equal(h('x.m', 'function y = f(x)\n  y = x;\nend\n').language, 'MATLAB');
    assert.equal(h('x.m', '% compute\nx = 1;\n').language, 'MATLAB');
    assert.equal(h('x.m', ':- module hello.\n').language, 'Mercury');
    assert.equal(h('x.m', 'f[x_] := x^2\n').language, 'Wolfram Language');
  });

  it('.pl is Perl, Raku or Prolog', () => {
    assert.equal(h('x.pl', 'use strict;\nuse warnings;\n').language, 'Perl');
    assert.equal(h('x.pl', 'my $x = 1;\n').language, 'Perl');
    assert.equal(h('x.pl', 'use v6;\nsay "hi";\n').language, 'Raku');
    assert.equal(h('x.pl', 'parent(a, b).\nanc(X, Y) :- parent(X, Y).\n').language, 'Prolog');
  });

  it('.ts is TypeScript unless it is a Qt Linguist XML file', () => {
    const xml = h('app_de.ts', '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n<TS version="2.1">\n');
    assert.equal(xml.language, 'XML');
    assert.equal(xml.strategy, 'heuristic');
    assert.equal(h('x.ts', 'export const a = 1;\n').language, 'TypeScript');
  });

  it('.rs, .md, .cs and .sql resolve their rarer readings only on clear evidence', () => {
    assert.equal(h('x.rs', '#pragma version(1)\n#pragma rs java_package_name(x)\n').language, 'RenderScript');
    assert.equal(h('x.rs', 'fn main() {}\n').language, 'Rust');
    assert.equal(h('x.md', '(define_insn "nop" [(const_int 0)] "" "nop")\n').language, 'GCC Machine Description');
    assert.equal(h('x.md', '# Title\n').language, 'Markdown');
    assert.equal(h('x.cs', "!Object methodsFor: 'x'!\n").language, 'Smalltalk');
    assert.equal(h('x.cs', 'class A {}\n').language, 'C#');
    assert.equal(h('x.sql', 'CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE plpgsql;\n').language, 'PLpgSQL');
    assert.equal(h('x.sql', 'SELECT 1\nGO\n').language, 'TSQL');
    assert.equal(h('x.sql', 'SELECT 1;\n').language, 'SQL');
  });

  it('falls back to the most popular candidate, popular list then programming languages', () => {
    assert.equal(h('x.pl', '').language, 'Perl');
    assert.deepEqual(rankCandidates([findLanguage('XML')!, findLanguage('TypeScript')!]).map((l) => l.name), ['TypeScript', 'XML']);
    assert.deepEqual(rankCandidates([findLanguage('INI')!, findLanguage('IDL')!]).map((l) => l.name), ['IDL', 'INI']);
  });
});

describe('language unknown files', () => {
  it('returns no language for unknown names and content', () => {
    assert.deepEqual(detectLanguage('notes.zzzunknown'), { language: undefined, strategy: 'none' });
    assert.deepEqual(detectLanguage('LICENSE-blob', 'hello\n'), { language: undefined, strategy: 'none' });
    assert.deepEqual(detectLanguage('bin/tool', '#!/usr/bin/env no-such-interp\n'), { language: undefined, strategy: 'none' });
    assert.equal(detectLanguage('script', '# vim: ft=nosuchlang\n').strategy, 'none');
  });
});
