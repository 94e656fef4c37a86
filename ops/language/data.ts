import * as linguist from 'linguist-languages';
import type { LanguageType } from './types.js';

/** The subset of a Linguist `languages.yml` entry this folder reads. */
export interface LanguageInfo {
  readonly name: string;
  readonly type: LanguageType;
  readonly extensions: readonly string[];
  readonly filenames: readonly string[];
  readonly interpreters: readonly string[];
  readonly aliases: readonly string[];
}

/**
 * Tie-break order for ambiguous candidates: Linguist's `popular.yml` plus a few languages that are
 * common in code datasets today. Earlier wins; anything not listed ranks after, programming first.
 */
export const POPULAR: readonly string[] = [
  'JavaScript', 'TypeScript', 'Python', 'Java', 'C', 'C++', 'C#', 'Go', 'Rust', 'Ruby', 'PHP', 'Shell',
  'Objective-C', 'Swift', 'Kotlin', 'Scala', 'Perl', 'R', 'MATLAB', 'Lua', 'Haskell', 'Clojure',
  'CoffeeScript', 'ActionScript', 'Vim Script', 'TeX', 'HTML', 'CSS', 'Markdown', 'JSON', 'YAML', 'SQL',
  'Dart', 'Verilog', 'XML',
];

interface Index {
  readonly byName: ReadonlyMap<string, LanguageInfo>;
  readonly byFilename: ReadonlyMap<string, LanguageInfo[]>;
  readonly byExtension: ReadonlyMap<string, LanguageInfo[]>;
  /** Keys are lower-cased extensions, for the case-insensitive fallback. */
  readonly byExtensionLower: ReadonlyMap<string, LanguageInfo[]>;
  readonly byInterpreter: ReadonlyMap<string, LanguageInfo[]>;
  /** Lower-cased names and aliases, as modelines spell them. */
  readonly byAlias: ReadonlyMap<string, LanguageInfo>;
}

let index: Index | undefined;

function push<K>(map: Map<K, LanguageInfo[]>, key: K, lang: LanguageInfo): void {
  const list = map.get(key);
  if (!list) map.set(key, [lang]);
  else if (!list.includes(lang)) list.push(lang);
}

/** Builds the lookup tables on first use; the package data never changes at runtime. */
export function languageIndex(): Index {
  if (index) return index;
  const byName = new Map<string, LanguageInfo>();
  const byFilename = new Map<string, LanguageInfo[]>();
  const byExtension = new Map<string, LanguageInfo[]>();
  const byExtensionLower = new Map<string, LanguageInfo[]>();
  const byInterpreter = new Map<string, LanguageInfo[]>();
  const byAlias = new Map<string, LanguageInfo>();
  for (const raw of Object.values(linguist) as linguist.Language[]) {
    const lang: LanguageInfo = {
      name: raw.name,
      type: raw.type as LanguageType,
      extensions: raw.extensions ?? [],
      filenames: raw.filenames ?? [],
      interpreters: raw.interpreters ?? [],
      aliases: raw.aliases ?? [],
    };
    byName.set(lang.name, lang);
    for (const f of lang.filenames) push(byFilename, f, lang);
    for (const e of lang.extensions) {
      push(byExtension, e, lang);
      push(byExtensionLower, e.toLowerCase(), lang);
    }
    for (const i of lang.interpreters) push(byInterpreter, i, lang);
    for (const a of [lang.name.toLowerCase(), ...lang.aliases]) if (!byAlias.has(a)) byAlias.set(a, lang);
  }
  index = { byName, byFilename, byExtension, byExtensionLower, byInterpreter, byAlias };
  return index;
}

export function findLanguage(name: string): LanguageInfo | undefined {
  return languageIndex().byName.get(name);
}

/** Candidates sorted best-first: popular list order, then programming languages, then by name. */
export function rankCandidates(langs: readonly LanguageInfo[]): LanguageInfo[] {
  const rank = (l: LanguageInfo) => {
    const i = POPULAR.indexOf(l.name);
    return i === -1 ? POPULAR.length + (l.type === 'programming' ? 0 : 1) : i;
  };
  return [...langs].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
