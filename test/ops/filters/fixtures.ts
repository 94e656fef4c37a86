/**
 * Texts for the quality filters: ordinary code that must pass, and the kinds of file each filter
 * exists to drop. Blobs come from a seeded generator, so the source holds no real payload.
 */

export const NORMAL_TS = `import { readFile } from 'node:fs/promises';

/** Totals per category from a CSV export; skips the header and blank lines. */
export async function totals(path: string): Promise<Map<string, number>> {
  const text = await readFile(path, 'utf8');
  const sums = new Map<string, number>();
  for (const [i, line] of text.split('\\n').entries()) {
    if (i === 0 || line.trim() === '') continue;
    const [category, amount] = line.split(',');
    const value = Number.parseFloat(amount ?? '');
    if (!category || Number.isNaN(value)) throw new Error(\`line \${i + 1}: expected "category,amount"\`);
    sums.set(category, (sums.get(category) ?? 0) + value);
  }
  return sums;
}
`;

export const NORMAL_PY = `def merge_intervals(intervals):
    """Merge overlapping [start, end] intervals; the input need not be sorted."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


if __name__ == "__main__":
    print(merge_intervals([[1, 3], [2, 6], [8, 10], [15, 18]]))
`;

export const NORMAL_C = `#include <stdio.h>

static const unsigned char crc_seed[4] = {0x1d, 0x0f, 0xa3, 0x7e};

int main(int argc, char **argv)
{
    unsigned sum = 0;
    for (int i = 1; i < argc; i++) {
        for (const char *p = argv[i]; *p; p++) {
            sum = (sum << 5) ^ (sum >> 27) ^ (unsigned char)*p ^ crc_seed[i % 4];
        }
    }
    printf("%08x\\n", sum);
    return 0;
}
`;

/** A seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomBytes(n: number, seed: number): Buffer {
  const random = rng(seed);
  return Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
}

/** Minified JavaScript: one line, thousands of characters. */
export function minified(seed = 1): string {
  const random = rng(seed);
  const parts: string[] = [];
  for (let i = 0; i < 120; i++) {
    const a = String.fromCharCode(97 + Math.floor(random() * 26));
    parts.push(`function ${a}${i}(t,e){return t.${a}(e)||e&&${Math.floor(random() * 99)}}`);
  }
  return `!function(){"use strict";${parts.join(';')}}();\n`;
}

/** Code with one embedded 4 KB base64 blob, wrapped at 76 like MIME (every line short). */
export function base64Blob(seed = 2): string {
  const b64 = randomBytes(3000, seed).toString('base64');
  const wrapped = b64.match(/.{1,76}/g)!.join('\n');
  return `// icon data, generated\nexport const ICON = \`\n${wrapped}\n\`;\n\n${NORMAL_TS}`;
}

/** `hexdump -C` output of random bytes. */
export function hexDump(lines = 40, seed = 3): string {
  const bytes = randomBytes(lines * 16, seed);
  const out: string[] = [];
  for (let l = 0; l < lines; l++) {
    const row = [...bytes.subarray(l * 16, l * 16 + 16)];
    const hex = row.map((b) => b.toString(16).padStart(2, '0'));
    const ascii = row.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    out.push(`${(l * 16).toString(16).padStart(8, '0')}  ${hex.slice(0, 8).join(' ')}  ${hex.slice(8).join(' ')}  |${ascii}|`);
  }
  return out.join('\n') + '\n';
}

/** A C array of firmware bytes: `0x7f, 0x45, ...`, 12 a line. */
export function cByteArray(count = 2000, seed = 4): string {
  const bytes = [...randomBytes(count, seed)].map((b) => `0x${b.toString(16).padStart(2, '0')}`);
  const rows: string[] = [];
  for (let i = 0; i < bytes.length; i += 12) rows.push(`    ${bytes.slice(i, i + 12).join(', ')},`);
  return `/* firmware image */\nconst unsigned char firmware[${count}] = {\n${rows.join('\n')}\n};\n`;
}

/** Localised strings escaped as \\uXXXX, 12 characters a line. */
export function unicodeEscapes(lines = 60, seed = 5): string {
  const random = rng(seed);
  const out = ['const messages = ['];
  for (let l = 0; l < lines; l++) {
    let s = '';
    for (let k = 0; k < 12; k++) s += `\\u${(0x4e00 + Math.floor(random() * 0x5000)).toString(16)}`;
    out.push(`  "${s}",`);
  }
  out.push('];');
  return out.join('\n') + '\n';
}
