/**
 * Language detection as a pipeline step: sets `meta.language` (Linguist's name) and `meta.language_type`,
 * and drops what a code dataset does not want, each with its reason: generated and vendored files, and
 * files no strategy recognised.
 */
import { keep, drop, type Step } from '../pipeline.js';
import { classifyFile } from './classify.js';
import { detectLanguage } from './detect.js';
import type { LanguageType } from './types.js';

export interface LanguageStepOptions {
  /** Drop minified bundles, lockfiles and files marked generated (default true). */
  dropGenerated?: boolean;
  /** Drop files under node_modules/, vendor/ and the like (default true). */
  dropVendored?: boolean;
  /** Drop files whose language no strategy found (default true). */
  dropUnknown?: boolean;
  /** Keep only these language kinds (default: all four). */
  types?: readonly LanguageType[];
}

export const LANGUAGE_STEP = 'language';

export function languageStep(options: LanguageStepOptions = {}): Step {
  const { dropGenerated = true, dropVendored = true, dropUnknown = true } = options;
  const types = options.types ? new Set(options.types) : undefined;
  return {
    name: LANGUAGE_STEP,
    run(doc) {
      const c = classifyFile(doc.path, doc.content);
      if (c.vendored) {
        doc.meta.vendored = true;
        if (dropVendored) return drop('vendored');
      }
      if (c.generated) {
        doc.meta.generated = true;
        if (dropGenerated) return drop('generated');
      }
      const d = detectLanguage(doc.path, doc.content);
      if (d.language === undefined) return dropUnknown ? drop('unknown') : keep();
      doc.meta.language = d.language;
      if (d.type) doc.meta.language_type = d.type;
      if (types && (!d.type || !types.has(d.type))) return drop(`type_${d.type ?? 'unknown'}`);
      return keep();
    },
  };
}
