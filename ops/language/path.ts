import { languageIndex, type LanguageInfo } from './data.js';
import { basename } from './types.js';

/** Strategy 1: exact basename match against Linguist's `filenames` (`Makefile`, `Dockerfile`, `Pipfile.lock`). */
export function byFilename(path: string): LanguageInfo[] {
  return languageIndex().byFilename.get(basename(path)) ?? [];
}

/**
 * Every extension of a basename, longest first, as Linguist computes them:
 * `foo.d.ts` → `.d.ts`, `.ts`; a dotfile `.bashrc` → `.bashrc`.
 */
export function extensionsOf(path: string): string[] {
  const [, ...segments] = basename(path).split('.');
  return segments.map((_, i) => '.' + segments.slice(i).join('.')).filter((e) => e.length > 1);
}

/**
 * Strategy 3: the longest extension with any language wins. Exact case is tried for every extension
 * first (`.JSON-tmLanguage` is spelled that way in the data), then a case-insensitive pass (`MAIN.PY`).
 */
export function byExtension(path: string): LanguageInfo[] {
  const { byExtension: exact, byExtensionLower: lower } = languageIndex();
  const exts = extensionsOf(path);
  for (const e of exts) {
    const found = exact.get(e);
    if (found) return found;
  }
  for (const e of exts) {
    const found = lower.get(e.toLowerCase());
    if (found) return found;
  }
  return [];
}
