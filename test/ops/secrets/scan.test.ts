import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KERNEL_MAX_LENGTH } from '../../../ops/secrets/kernel.js';
import { redact, scan } from '../../../ops/secrets/index.js';
import { at, hex, noise } from './fixtures.js';
import { referenceScan } from './reference.js';

const github = (seed: number) => 'gh' + 'p_' + noise(36, seed);
const found = (text: string) => scan(text).map((f) => [f.rule, f.line, at(text, f)]);

describe('secrets scan - texts the anchors could get wrong', () => {
  it('finds nothing, and makes no line table, in texts without a single trigger character', () => {
    assert.deepEqual(scan(''), []);
    assert.deepEqual(scan('\n'), []);
    const words = 'the quick brown fox jumps over the lazy dog\n'.repeat(20_000);
    assert.deepEqual(scan(words), []);
  });

  it('finds a token in the middle of a line of 200 000 characters, at its offset, on line 1', () => {
    const secret = github(60);
    const pad = 'call(a, b); '.repeat(8_000);
    const text = pad + `token: ${secret} ` + pad;
    assert.equal(text.indexOf('\n'), -1);
    assert.deepEqual(found(text), [['github-token', 1, secret]]);
    assert.equal(scan(text)[0]!.start, pad.length + 'token: '.length);
  });

  it('counts lines the same with CRLF endings, and leaves the carriage return out of values', () => {
    const key = noise(48, 61);
    const lines = ['a = 1', `const k = "${key}";`, '', `password = "hunter2-but-longer"`, `server 34.120.5.17`, 'end'];
    const lf = lines.join('\n');
    const crlf = lines.join('\r\n');
    const expected = [['entropy-base64', 2, key], ['password-assignment', 4, 'hunter2-but-longer'], ['ipv4', 5, '34.120.5.17']];
    assert.deepEqual(found(lf), expected);
    assert.deepEqual(found(crlf), expected);
    assert.deepEqual(scan(crlf), referenceScan(crlf));
    // A bare value (config files only) ends at the line break, CR included.
    const bare = 'password=correcthorsebattery\r\nnext=1\r\n';
    assert.deepEqual(scan(bare, { path: 'app.env' }).map((f) => [f.rule, f.line, at(bare, f)]), [['password-assignment', 1, 'correcthorsebattery']]);
    assert.deepEqual(scan(bare, { path: 'app.env' }), referenceScan(bare, { path: 'app.env' }));
  });

  it('judges base64 runs longer than the entropy estimate takes (4096) exactly', () => {
    for (const length of [4095, 4096, 4097, 20_000]) {
      const run = noise(length, 62);
      const text = `const blob = "${run}";\n`;
      assert.deepEqual(scan(text), referenceScan(text), `length ${length}`);
    }
    // One long run of a single character: low entropy whatever its length.
    assert.deepEqual(scan(`x = "${'A'.repeat(10_000)}"`), []);
  });

  it('finds tokens inside long base64 runs after a separator, as the whole-text regexes did', () => {
    const secret = github(64);
    const plain = `path = ${'a'.repeat(60)}/${secret}\n`;
    assert.deepEqual(found(plain), [['github-token', 1, secret]]);
    // In a random run the token is part of a longer entropy finding, which wins the overlap.
    const random = `blob = ${noise(100, 63)}/${secret}+${'AK' + 'IA'}${'ABCDEFGHIJKLMNOP'}${noise(30, 65)}\n`;
    assert.deepEqual(scan(random), referenceScan(random));
    assert.deepEqual(found(random).map(([rule]) => rule), ['entropy-base64']);
  });

  it('finds a token at the very end of a text longer than the kernel takes', () => {
    const secret = github(66);
    const filler = 'ok();\n'.repeat(Math.ceil(KERNEL_MAX_LENGTH / 6));
    const text = filler + secret;
    assert.ok(text.length > KERNEL_MAX_LENGTH);
    assert.deepEqual(found(text), [['github-token', filler.length / 6 + 1, secret]]);
  });

  it('keeps offsets in texts with characters above 0xFF around and between findings', () => {
    const secret = github(67);
    const text = `// 密钥 🔑 ${secret}\nπ = "${hex(40, 68)}" — 連絡先 ada.lovelace@analytical.co.uk ${'\u0100'.repeat(20)}\n`;
    assert.deepEqual(scan(text), referenceScan(text));
    assert.deepEqual(found(text).map(([rule, line]) => [rule, line]), [['github-token', 1], ['entropy-hex', 2], ['email', 2]]);
    // Narrowed to bytes, U+0100 and U+FF00 read as 0xFF and U+8000 as 0x00: blanks to the kernel, not to the regexes.
    for (const wide of ['\u0100', '\uff00', '\u8000', '\u00a0']) {
      const glued = `x${wide}${secret}${wide}y password${wide}= "${noise(20, 69)}"`;
      assert.deepEqual(scan(glued), referenceScan(glued), JSON.stringify(wide));
    }
  });

  it('redacts what it finds in a CRLF text and keeps the line breaks', () => {
    const text = `token: ${github(70)}\r\nmail ada.lovelace@analytical.co.uk\r\n`;
    assert.equal(redact(text, scan(text)).text, 'token: <KEY>\r\nmail <EMAIL>\r\n');
  });
});
