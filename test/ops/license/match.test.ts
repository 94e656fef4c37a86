import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LicenseOptionsError, matchLicenseText, normalizeLicenseText, resolveMatchOptions } from '../../../ops/license/index.js';
import { perturbed, referenceTexts, rewrap } from './fixtures.js';

const texts = referenceTexts();
const text = (id: string) => texts.get(id)!;
const found = (t: string) => matchLicenseText(t).map((m) => m.id);

/** Ids whose text did not come back with the id in the best match's group. */
function misses(transform: (text: string, i: number) => string): string[] {
  const out: string[] = [];
  let i = 0;
  for (const [id, t] of texts) {
    const best = matchLicenseText(transform(t, i++))[0];
    if (!best || !best.ids.includes(id) || best.score < 0.8) out.push(`${id} → ${best ? `${best.id} (${best.score.toFixed(3)})` : 'nothing'}`);
  }
  return out;
}

describe('license match - every SPDX license text is recognised as itself', () => {
  it('covers the whole list (hundreds of texts, not a sample)', () => {
    assert.ok(texts.size > 600, `only ${texts.size} texts`);
  });

  it('each text as published', () => {
    assert.deepEqual(misses((t) => t), []);
  });

  it('each text with its own copyright line, different spacing, CRLF and re-wrapped to another width', () => {
    const sample = perturbed(text('MIT'), 3);
    assert.notEqual(sample, text('MIT'));
    assert.match(sample, /Jane Q\. Hacker/);
    assert.match(sample, /\r\n/);
    assert.deepEqual(misses((t, i) => perturbed(t, i)), []);
  });
});

describe('license match - groups, scores and near neighbours', () => {
  it('texts identical after normalization come back as one group, best id first', () => {
    const [m] = matchLicenseText(text('GPL-2.0-or-later'));
    assert.equal(m!.id, 'GPL-2.0-only');
    assert.ok(m!.ids.includes('GPL-2.0-or-later') && m!.ids.includes('GPL-2.0'));
    assert.deepEqual(matchLicenseText(text('MIT'))[0]!.ids, ['MIT']);
  });

  it('a published text scores 1 and explains all of itself', () => {
    const [m] = matchLicenseText(text('Apache-2.0'));
    assert.deepEqual([m!.id, m!.score, m!.share], ['Apache-2.0', 1, 1]);
  });

  it('tells apart licenses that contain one another: BSD-2, BSD-3 and BSD-4 clause, MIT and MIT-0', () => {
    for (const id of ['BSD-2-Clause', 'BSD-3-Clause', 'BSD-4-Clause', 'MIT', 'MIT-0', 'X11', 'ISC', '0BSD']) {
      assert.deepEqual(found(perturbed(text(id), 5)), [id]);
    }
  });

  it('Apache-2.0 without its optional "How to apply" appendix is still Apache-2.0', () => {
    const terms = text('Apache-2.0').split(/END OF TERMS AND CONDITIONS/)[0]!;
    assert.deepEqual(found(perturbed(terms, 2)), ['Apache-2.0']);
  });

  it('COPYING.LESSER alone (the LGPL-3.0 part of the SPDX text, which bundles GPL-3.0) is LGPL-3.0', () => {
    const lgpl = text('LGPL-3.0-only');
    const lesser = lgpl.slice(0, lgpl.indexOf('GNU GENERAL PUBLIC LICENSE'));
    assert.ok(lesser.length > 5000 && lesser.length < lgpl.length / 3);
    assert.deepEqual(found(lesser), ['LGPL-3.0-only']);
    assert.deepEqual(found(text('GPL-3.0-only')), ['GPL-3.0-only']);
  });
});

describe('license match - texts with more than one license, or more than a license', () => {
  it('MIT followed by a third-party notice still finds MIT, explaining only part of the text', () => {
    const notice = [
      '',
      'THIRD-PARTY SOFTWARE NOTICES',
      'This product bundles left-pad 1.3.0, which is available under the WTFPL. The source is at',
      'https://github.com/left-pad/left-pad and was modified to support unicode padding characters.',
      'It also includes icons from the Feather project, redrawn at 16px for the toolbar.',
    ].join('\n');
    const [m, ...rest] = matchLicenseText(perturbed(text('MIT'), 1) + notice);
    assert.equal(m!.id, 'MIT');
    assert.ok(m!.share < 0.9, `share ${m!.share}`);
    assert.deepEqual(rest, []);
  });

  it('concatenated license files find each license, main one first', () => {
    const both = `${perturbed(text('Apache-2.0'), 1)}\n\n---- vendor/json ----\n\n${perturbed(text('MIT'), 2)}`;
    assert.deepEqual(found(both), ['Apache-2.0', 'MIT']);
    const three = [text('BSD-3-Clause'), text('ISC'), text('Zlib')].join('\n\n=====\n\n');
    assert.deepEqual(found(three).sort(), ['BSD-3-Clause', 'ISC', 'Zlib']);
  });

  it('maxMatches caps how many licenses one text yields', () => {
    const three = [text('BSD-3-Clause'), text('ISC'), text('Zlib')].join('\n\n');
    assert.equal(matchLicenseText(three, { maxMatches: 1 }).length, 1);
  });
});

describe('license match - unrelated text matches nothing', () => {
  it('source code', () => {
    const source = readFileSync(new URL('../../../../ops/pipeline.ts', import.meta.url), 'utf8');
    assert.ok(source.includes('export function runPipeline'));
    assert.deepEqual(matchLicenseText(source), []);
    assert.deepEqual(matchLicenseText('const x = 1;\nfunction main() { return x + 1; }\n'), []);
  });

  it('a README without a license, even one that talks about licenses', () => {
    const readme = [
      '# stackmesh',
      '',
      'A streaming worker mesh. It reads repositories, detects each file\'s license and language,',
      'and writes Parquet shards. Files under a permissive license are kept; see docs/licenses.md for',
      'how the software decides, and feel free to open an issue if a license is misdetected.',
      '',
      '## Install',
      '',
      '    npm install stackmesh',
    ].join('\n');
    assert.deepEqual(matchLicenseText(readme), []);
  });

  it('empty and whitespace-only text', () => {
    assert.deepEqual(matchLicenseText(''), []);
    assert.deepEqual(matchLicenseText(' \n\t\n'), []);
  });

  it('a fragment of a license is below the threshold, the whole is above it', () => {
    const apache = text('Apache-2.0');
    assert.deepEqual(matchLicenseText(apache.slice(0, apache.length / 4)), []);
    assert.equal(matchLicenseText(apache.slice(0, apache.length / 4), { threshold: 0.2 })[0]?.id, 'Apache-2.0');
  });
});

describe('license match - normalization', () => {
  const mit = text('MIT');

  it('case, whitespace, wrapping, quotes, bullets and list numbering do not matter', () => {
    const variant = rewrap(mit.toUpperCase().replace(/"/g, '“').replace(/^The above/m, '* The above'), 41);
    assert.equal(normalizeLicenseText(variant), normalizeLicenseText(mit));
    assert.equal(normalizeLicenseText('1. Redistributions must (a) keep\n  ii. this'), normalizeLicenseText('Redistributions must keep this'));
  });

  it('British spellings, hyphenation across lines and & are equivalent', () => {
    assert.equal(normalizeLicenseText('This Licence is a sub-\nlicence & more'), normalizeLicenseText('this license is a sublicense and more'));
  });

  it('copyright statements, placeholders and "All rights reserved" go; "copyright notice" stays', () => {
    const a = 'Copyright (c) 2009-2024 Jane Doe <jane@example.org>\nAll rights reserved.\n\nThe above copyright notice shall be kept.';
    const b = '  © 2001 ACME Corp.\n\nThe above\ncopyright notice shall be kept.';
    assert.equal(normalizeLicenseText(a), 'the above copyright notice shall be kept');
    assert.equal(normalizeLicenseText(b), normalizeLicenseText(a));
    assert.equal(normalizeLicenseText('Copyright [yyyy] [name of copyright owner]\n\nLicensed under X'), 'licensed under x');
    // A paragraph re-wrapped onto the copyright line keeps its text: the statement ends at its full stop.
    assert.equal(normalizeLicenseText('Copyright 2020 Acme. Permission is granted'), 'permission is granted');
  });
});

describe('license match - options', () => {
  it('threshold must be in (0, 1] and maxMatches a positive integer, named in the error', () => {
    assert.throws(() => resolveMatchOptions({ threshold: 0 }), (e: unknown) => e instanceof LicenseOptionsError && e.field === 'threshold' && e.nonRetryable);
    assert.throws(() => resolveMatchOptions({ threshold: 1.5 }), /threshold must be a number in \(0, 1\]/);
    assert.throws(() => resolveMatchOptions({ threshold: Number.NaN }), /threshold/);
    assert.throws(() => resolveMatchOptions({ maxMatches: 0 }), /maxMatches must be a positive integer/);
    assert.throws(() => resolveMatchOptions({ maxMatches: 1.5 }), /maxMatches/);
    assert.deepEqual(resolveMatchOptions({ threshold: 1 }), { threshold: 1, maxMatches: 4 });
    assert.throws(() => matchLicenseText('MIT', { threshold: -1 }), LicenseOptionsError);
  });
});
