/**
 * A small source tree with something for every stage to find: two repositories with licenses
 * (permissive and not), an exact copy, edited near-copies, a minified bundle, a binary file, a file
 * with a credential, and a JSONL variant with repository names for opt-outs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const licenses = createRequire(import.meta.url)('spdx-license-list/full') as Record<string, { licenseText: string }>;

/** A few hundred lines of plausible JavaScript, different for each seed. */
export function module(seed: number, lines = 60): string {
  const out = [`// module ${seed}: helpers for the ${['parser', 'router', 'cache', 'queue', 'logger'][seed % 5]}`];
  for (let i = 0; i < lines; i++) {
    const k = (seed * 31 + i * 7) % 97;
    out.push(`function step${seed}_${i}(input, options) {`, `  const value${k} = input.items.filter((x) => x.weight > ${k}).map((x) => x.name + '${seed}-${i}');`, `  return options.sort ? value${k}.sort() : value${k}; // case ${i * seed}`, '}');
  }
  return out.join('\n') + '\n';
}

/** `text` with every 10th line changed: about 90% of its shingles survive. */
export function edited(text: string): string {
  return text.split('\n').map((l, i) => (i % 10 === 5 ? `${l} // edited` : l)).join('\n');
}

export const TOKEN = 'gh' + 'p_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';

export function writeTree(root: string): void {
  const put = (path: string, body: string | Uint8Array) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), body);
  };
  put('alpha/LICENSE', licenses.MIT!.licenseText.replace('<year>', '2024').replace('<copyright holders>', 'Alpha Authors'));
  put('alpha/src/core.js', module(1));
  put('alpha/src/core-copy.js', module(1));                 // exact duplicate
  put('alpha/src/core-edited.js', edited(module(1)));       // near duplicate
  put('alpha/src/other.js', module(2));
  put('alpha/src/config.js', `module.exports = {\n  token: "${TOKEN}",\n  retries: 3,\n};\n`);
  put('alpha/dist/bundle.min.js', `!function(){${'var a=1;'.repeat(400)}}();`);
  put('alpha/logo.png', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 0, 1, 2, 3]));
  put('beta/COPYING', licenses['GPL-3.0-only']!.licenseText);
  put('beta/main.py', 'def main():\n    print("beta")\n\n\nif __name__ == "__main__":\n    main()\n');
  put('gamma/lib/util.js', edited(edited(module(3))));
  put('gamma/lib/util2.js', module(3));
  put('gamma/README.md', '# gamma\n\nUtilities.\n');
}
