import type { LanguageInfo } from './data.js';

/** A content rule: when `language` is among the candidates and `pattern` matches, pick it. */
export interface HeuristicRule {
  readonly language: string;
  readonly pattern: RegExp;
  /** The ambiguity the rule resolves, for documentation and test names. */
  readonly for: string;
}

const OBJC = /^\s*(?:@(?:interface|implementation|protocol|end|property|class|import)\b|#import\s)/m;

/**
 * The ambiguities handled, in the order rules are tried (first match wins). Modelled on Linguist's
 * `heuristics.yml`, trimmed to the cases that dominate real repositories:
 *
 * - `.h`  C / C++ / Objective-C: Objective-C directives, then C++ constructs (templates, namespaces,
 *         classes with access specifiers or bodies, extension-less standard headers, `std::`); else C.
 * - `.m`  Objective-C / MATLAB / Mercury / Wolfram Language / …: Objective-C directives, Mercury's
 *         `:- module`, Wolfram `(* *)` comments and `f[x_] :=`, MATLAB `function … =`, `%` comments.
 * - `.pl` `.pm` `.t`  Perl / Raku / Prolog: `use strict|warnings|v5` → Perl, `use v6` or `unit`/`class`
 *         declarations → Raku, `:-` clauses → Prolog, `my $x` / `sub name {` → Perl.
 * - `.ts` `.tsx`  TypeScript / TSX / XML (Qt Linguist): `<?xml` or `<TS` → XML.
 * - `.rs` Rust / RenderScript / XML: `#pragma rs|version` → RenderScript, `<?xml` → XML.
 * - `.md` Markdown / GCC Machine Description: `(define_…` → GCC Machine Description.
 * - `.cs` C# / Smalltalk: `!Foo methodsFor: 'x'!` chunks → Smalltalk.
 * - `.sql` SQL dialects: `$$` bodies or `language plpgsql` → PLpgSQL, `GO` batches / `[dbo].` → TSQL,
 *         `create package` / `varchar2` → PLSQL.
 *
 * Anything else falls back to the most popular candidate (see `rankCandidates`).
 */
export const HEURISTICS: readonly HeuristicRule[] = [
  { for: '.h/.m', language: 'Objective-C', pattern: OBJC },
  {
    for: '.h',
    language: 'C++',
    pattern:
      /^\s*(?:template\s*<|namespace\s+[\w:]*\s*\{|class\s+\w+\s*(?:final\s*)?(?::\s*(?:public|private|protected)\b|\{)|#\s*include\s*<[a-z_]+>|using\s+namespace\s)|\bstd::\w/m,
  },
  { for: '.m', language: 'Mercury', pattern: /^\s*:-\s*module\s+\w+\s*\./m },
  { for: '.m', language: 'Wolfram Language', pattern: /^\s*\(\*[\s\S]*?\*\)|^\s*\w+\[[^\]\n]*_\]\s*:=/m },
  { for: '.m', language: 'MATLAB', pattern: /^\s*(?:function\s+(?:\[[^\]\n]*\]|\w+)\s*=|function\s+\w+\s*\(|%)/m },
  { for: '.pl', language: 'Perl', pattern: /^\s*use\s+(?:strict|warnings|v?5)\b/m },
  { for: '.pl', language: 'Raku', pattern: /^\s*(?:use\s+v6\b|unit\s+(?:class|module|grammar)\b|(?:my\s+)?class\s+[\w:]+\s*(?:is\b|does\b|\{))/m },
  { for: '.pl', language: 'Prolog', pattern: /^[^#%\n]*:-/m },
  { for: '.pl', language: 'Perl', pattern: /^\s*(?:my\s+[$@%]|sub\s+\w+\s*\{|package\s+[\w:]+\s*;)/m },
  { for: '.ts/.tsx', language: 'XML', pattern: /^\s*(?:<\?xml|<!DOCTYPE\s+TS|<TS\b)/ },
  { for: '.rs', language: 'RenderScript', pattern: /^\s*#pragma\s+(?:rs|version)\b/m },
  { for: '.rs', language: 'XML', pattern: /^\s*<\?xml/ },
  { for: '.md', language: 'GCC Machine Description', pattern: /^\s*\(define_\w+/m },
  { for: '.cs', language: 'Smalltalk', pattern: /^!\s*[\w\s]+\s+methodsFor:\s*'/m },
  { for: '.sql', language: 'PLpgSQL', pattern: /\blanguage\s+'?plpgsql\b|\$\$/i },
  { for: '.sql', language: 'TSQL', pattern: /^\s*GO\s*$|\[dbo\]\./im },
  { for: '.sql', language: 'PLSQL', pattern: /\bcreate\s+(?:or\s+replace\s+)?package\b|\bvarchar2\b/i },
];

/**
 * Strategy 5: the first rule whose language is a candidate and whose pattern matches the text.
 * Rules never introduce a language the earlier strategies ruled out.
 */
export function byHeuristics(text: string, candidates: readonly LanguageInfo[]): LanguageInfo | undefined {
  if (!text) return undefined;
  for (const rule of HEURISTICS) {
    const lang = candidates.find((c) => c.name === rule.language);
    if (lang && rule.pattern.test(text)) return lang;
  }
  return undefined;
}
