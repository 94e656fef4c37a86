import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findAnchors, lineOf, scriptAnchors } from '../../../ops/secrets/anchors.js';
import { BYTE_CLASS, BYTE_FLAGS, narrowed } from '../../../ops/secrets/bytes.js';
import { ALNUM, B64, CHARS, HEX, LOCAL, NAME, SCHEME, SPACE, WORD } from '../../../ops/secrets/chars.js';
import { ANCHORED_RULES } from '../../../ops/secrets/formats.js';
import { KERNEL, kernelAnchors, NO_ANCHORS } from '../../../ops/secrets/kernel.js';
import { DEFAULT_THRESHOLDS, FORMAT_RULES } from '../../../ops/secrets/index.js';

// The ES lib leaves WebAssembly undeclared.
declare const WebAssembly: { validate(bytes: Uint8Array): boolean };

const char = (code: number) => String.fromCharCode(code);

describe('secrets anchors - the class tables say what the rules’ regexes say', () => {
  it('byte classes, with 0x00 and 0xFF (narrowed code units above 0xFF) as blanks', () => {
    const classes: Array<[flag: number, regex: RegExp]> = [
      [BYTE_FLAGS.B64, /[A-Za-z0-9+/_-]/],
      [BYTE_FLAGS.HEX, /[0-9A-Fa-f]/],
      [BYTE_FLAGS.NAME, /[\w$.-]/],
      [BYTE_FLAGS.SPACE, /[\s\u0000\u00ff]/],
      [BYTE_FLAGS.ALNUM, /[A-Za-z0-9]/],
      [BYTE_FLAGS.LOCAL, /[A-Za-z0-9._%+-]/],
      [BYTE_FLAGS.URL_STOP, /[\s/?#@"'`<>]/],
      [BYTE_FLAGS.WORD, /\w/],
    ];
    for (let b = 0; b < 256; b++) {
      for (const [flag, regex] of classes) assert.equal((BYTE_CLASS[b]! & flag) !== 0, regex.test(char(b)), `${regex} at 0x${b.toString(16)}`);
    }
  });

  it('code-unit classes over all of UTF-16', () => {
    const classes: Array<[flag: number, regex: RegExp]> = [[B64, /[A-Za-z0-9+/_-]/], [HEX, /[0-9A-Fa-f]/], [WORD, /\w/], [ALNUM, /[A-Za-z0-9]/], [LOCAL, /[A-Za-z0-9._%+-]/], [SCHEME, /[A-Za-z0-9+.-]/], [NAME, /[\w$.-]/], [SPACE, /\s/]];
    for (let c = 0; c < 0x10000; c++) {
      for (const [flag, regex] of classes) if (((CHARS[c]! & flag) !== 0) !== regex.test(char(c))) assert.fail(`${regex} at U+${c.toString(16)}`);
    }
  });

  it('no code unit above 0xFF is in a class but blanks, and each narrows to a blank', () => {
    for (let c = 0x100; c < 0x10000; c++) {
      const b = narrowed(c);
      if ((CHARS[c]! & ~SPACE) !== 0 || (BYTE_CLASS[b]! & BYTE_FLAGS.SPACE) === 0) assert.fail(`U+${c.toString(16)} → 0x${b.toString(16)}`);
    }
  });
});

describe('secrets anchors - every rule has an anchor', () => {
  it('each format rule is run at anchors', () => {
    assert.deepEqual([...ANCHORED_RULES].sort(), FORMAT_RULES.map((r) => r.id).sort());
  });
});

describe('secrets anchors - the WebAssembly kernel', () => {
  it('is a valid module', () => assert.ok(WebAssembly.validate(KERNEL)));

  it('hands back the shared empty anchors for a text without any', () => {
    assert.equal(kernelAnchors('nothing to see here\n'.repeat(100), DEFAULT_THRESHOLDS), NO_ANCHORS);
    assert.equal(findAnchors('', DEFAULT_THRESHOLDS), NO_ANCHORS);
  });

  it('counts newlines per 16-byte block, so lines come out right at block edges', () => {
    for (let pad = 0; pad < 34; pad++) {
      const text = 'x'.repeat(pad) + '\n\n' + 'y'.repeat(15) + '\n' + 'a=b\n'.repeat(9) + 'mail ada.lovelace@analytical.co.uk\n';
      const anchors = kernelAnchors(text, DEFAULT_THRESHOLDS)!;
      assert.notEqual(anchors, NO_ANCHORS);
      const newlines = Int32Array.from(anchors.newlines);
      for (let offset = 0; offset < text.length; offset++) {
        const expected = text.slice(0, offset).split('\n').length;
        if (lineOf(text, newlines, offset) !== expected) assert.fail(`pad ${pad}, offset ${offset}`);
      }
      assert.deepEqual(newlines, scriptAnchors(text, DEFAULT_THRESHOLDS).newlines);
    }
  });
});
