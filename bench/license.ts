/**
 * Throughput of `matchLicenseText` on one thread, in license files per CPU-second: CPU time, so a
 * busy machine slows it less than wall time would, and the best of five rounds, so GC pauses and
 * neighbours' bursts do not decide the figure. Not a test (timing belongs out of tests); it lives
 * here until bench/ has a place for it. Run after building:
 *
 *   node dist/bench/license.js
 *
 * Corpora: every SPDX text with its copyright line changed and re-wrapped (large on average, 7 kB;
 * GPL-3.0 is 35 kB), and a mix shaped like repositories' license files (half MIT, a fifth Apache-2.0,
 * then BSD, GPL, ISC and a tail), and the real license files of this checkout's node_modules.
 * A trivial character loop is timed too: on a shared machine it shows how slow a CPU-second is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { licenseFileKind, matchLicenseText, referenceIndex } from '../ops/license/index.js';
import { perturbed, referenceTexts } from '../test/ops/license/fixtures.js';

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function measure(name: string, texts: readonly string[], rounds = 5): void {
  const perRound: number[] = [];
  let matched = 0;
  for (let r = 0; r < rounds; r++) {
    matched = 0;
    const t0 = cpuMs();
    for (const text of texts) if (matchLicenseText(text).length > 0) matched++;
    perRound.push((texts.length / (cpuMs() - t0)) * 1000);
  }
  perRound.sort((a, b) => a - b);
  const kb = texts.reduce((s, t) => s + t.length, 0) / texts.length / 1024;
  const best = perRound[perRound.length - 1]!;
  const median = perRound[Math.floor(perRound.length / 2)]!;
  console.log(
    `${name.padEnd(28)} ${texts.length} files, avg ${kb.toFixed(1)} kB: best ${Math.round(best)} files/s (${(1e6 / best).toFixed(0)} µs/file), median ${Math.round(median)} files/s; ${matched} matched`,
  );
}

const t0 = cpuMs();
referenceIndex();
console.log(`index built in ${(cpuMs() - t0).toFixed(0)} ms CPU`);

const all = referenceTexts();
const spdx = [...all.values()].map((text, i) => perturbed(text, i));
const shares: Array<[id: string, weight: number]> = [
  ['MIT', 50], ['Apache-2.0', 20], ['BSD-3-Clause', 6], ['GPL-3.0-only', 6], ['BSD-2-Clause', 3], ['ISC', 3],
  ['GPL-2.0-only', 3], ['MPL-2.0', 2], ['Unlicense', 2], ['LGPL-2.1-only', 1], ['AGPL-3.0-only', 1], ['CC0-1.0', 1],
  ['Zlib', 1], ['BSL-1.0', 0.5], ['EPL-2.0', 0.5],
];
const mix = shares.flatMap(([id, weight]) => Array.from({ length: weight * 4 }, (_, k) => perturbed(all.get(id)!, k)));

/** LICENSE/COPYING/NOTICE files two levels into node_modules (packages and scoped packages). */
function installedLicenseFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, depth: number) => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isDirectory() && depth < 2 && e.name !== '.bin') visit(path, depth + 1);
      else if (e.isFile() && licenseFileKind(e.name) === 'license') out.push(readFileSync(path, 'utf8'));
    }
  };
  visit(root, 0);
  return out;
}

function calibrate(texts: readonly string[]): void {
  let x = 0;
  let chars = 0;
  const t0 = cpuMs();
  for (let r = 0; r < 5; r++) {
    for (const t of texts) {
      for (let i = 0; i < t.length; i++) x = Math.imul(x ^ t.charCodeAt(i), 0x01000193);
      chars += t.length;
    }
  }
  console.log(`calibration: a bare charCodeAt/imul loop costs ${(((cpuMs() - t0) * 1e6) / chars).toFixed(2)} ns/char here (${x & 1})`);
}

calibrate(spdx);
measure('warm-up', spdx, 1);
measure('every SPDX text, perturbed', spdx);
measure('repository-like mix', mix);
const installed = installedLicenseFiles(new URL('../../../../node_modules', import.meta.url).pathname);
if (installed.length > 0) measure('node_modules license files', installed);
