/** Quality filter options → resolved options: thresholds, per-language overrides, validation naming the field. */
import { FiltersOptionsError } from './errors.js';

export interface Thresholds {
  /** Drop with more lines than this. Default 100,000. */
  maxLines?: number;
  /** Drop when the average line is longer. Default 100. */
  maxAvgLineLength?: number;
  /** Drop when any line is longer. Default 1,000. */
  maxLineLength?: number;
  /** Drop when fewer than this fraction of characters are letters. Default 0.25. */
  minAlphaFraction?: number;
  /** Count digits with letters for `minAlphaFraction` (for assembly-like languages). Default false. */
  alphaIncludesDigits?: boolean;
  /** Drop when an encoded-data run is longer. Default 1,024. */
  maxEncodedRun?: number;
  /** Drop when encoded-data runs cover at least this fraction of the text. Default 0.5. */
  maxEncodedFraction?: number;
}

export type ResolvedThresholds = Required<Thresholds>;

export interface QualityOptions {
  /** Step name; drops are counted as `<name>:<reason>`. Default `quality`. */
  name?: string;
  /** Applies to every language. */
  thresholds?: Thresholds;
  /**
   * Overrides by `doc.meta.language` (Linguist names, matched case-insensitively), laid over
   * `thresholds`. Default: `STACK_V2_LANGUAGE_THRESHOLDS`; pass `{}` to treat all languages alike.
   */
  languages?: Record<string, Thresholds>;
  /** Add the measures to `doc.meta.quality` on kept documents. Default false. */
  annotate?: boolean;
}

export interface ResolvedQualityOptions {
  name: string;
  thresholds: ResolvedThresholds;
  /** Lowercased language → full thresholds. */
  languages: Map<string, ResolvedThresholds>;
  annotate: boolean;
}

export const DEFAULT_THRESHOLDS: Readonly<ResolvedThresholds> = {
  maxLines: 100_000,
  maxAvgLineLength: 100,
  maxLineLength: 1_000,
  minAlphaFraction: 0.25,
  alphaIncludesDigits: false,
  maxEncodedRun: 1_024,
  maxEncodedFraction: 0.5,
};

const LONG_LINES_ALLOWED: Thresholds = { maxAvgLineLength: Infinity, maxLineLength: 100_000 };

/**
 * The Stack v2's exceptions: markup and data formats are not judged by average line length and may
 * have lines up to 100k characters; Motorola 68K Assembly and WebAssembly count digits as letters.
 */
export const STACK_V2_LANGUAGE_THRESHOLDS: Readonly<Record<string, Thresholds>> = {
  HTML: LONG_LINES_ALLOWED,
  JSON: LONG_LINES_ALLOWED,
  Markdown: LONG_LINES_ALLOWED,
  Roff: LONG_LINES_ALLOWED,
  'Roff Manpage': LONG_LINES_ALLOWED,
  SMT: LONG_LINES_ALLOWED,
  TeX: LONG_LINES_ALLOWED,
  Text: LONG_LINES_ALLOWED,
  XML: LONG_LINES_ALLOWED,
  'Motorola 68K Assembly': { alphaIncludesDigits: true },
  WebAssembly: { alphaIncludesDigits: true },
};

export function resolveQualityOptions(options: QualityOptions = {}): ResolvedQualityOptions {
  const name = options.name ?? 'quality';
  if (typeof name !== 'string' || name.length === 0) throw new FiltersOptionsError('name', 'must be a non-empty string');
  const thresholds = resolveThresholds('thresholds', DEFAULT_THRESHOLDS, options.thresholds);
  const languages = new Map<string, ResolvedThresholds>();
  for (const [language, t] of Object.entries(options.languages ?? STACK_V2_LANGUAGE_THRESHOLDS)) {
    languages.set(language.toLowerCase(), resolveThresholds(`languages.${language}`, thresholds, t));
  }
  return { name, thresholds, languages, annotate: options.annotate ?? false };
}

/** The thresholds for a document's language (the defaults when it has none or no override). */
export function thresholdsFor(resolved: ResolvedQualityOptions, language: unknown): ResolvedThresholds {
  if (typeof language !== 'string') return resolved.thresholds;
  return resolved.languages.get(language.toLowerCase()) ?? resolved.thresholds;
}

function resolveThresholds(prefix: string, base: ResolvedThresholds, given: Thresholds | undefined): ResolvedThresholds {
  if (given !== undefined && (typeof given !== 'object' || given === null)) throw new FiltersOptionsError(prefix, 'must be an object');
  const t = { ...base, ...Object.fromEntries(Object.entries(given ?? {}).filter(([, v]) => v !== undefined)) } as ResolvedThresholds;
  for (const field of ['maxLines', 'maxAvgLineLength', 'maxLineLength', 'maxEncodedRun'] as const) {
    if (typeof t[field] !== 'number' || Number.isNaN(t[field]) || t[field] < 0) {
      throw new FiltersOptionsError(`${prefix}.${field}`, 'must be a non-negative number (Infinity turns the check off)');
    }
  }
  for (const field of ['minAlphaFraction', 'maxEncodedFraction'] as const) {
    if (typeof t[field] !== 'number' || !(t[field] >= 0 && t[field] <= 1)) throw new FiltersOptionsError(`${prefix}.${field}`, 'must be a number in [0, 1]');
  }
  if (typeof t.alphaIncludesDigits !== 'boolean') throw new FiltersOptionsError(`${prefix}.alphaIncludesDigits`, 'must be a boolean');
  return t;
}
