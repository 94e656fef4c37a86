/**
 * The quality filters as one pipeline step (The Stack v2's long-line, alpha and encoded-data filters):
 * the text is measured once, then checked in order, and the first failed check names the drop.
 */
import { drop, keep, type Doc, type Step } from '../pipeline.js';
import { measureText, type TextMeasures } from './measure.js';
import { resolveQualityOptions, thresholdsFor, type QualityOptions, type ResolvedThresholds } from './options.js';

export type QualityReason = 'too_many_lines' | 'avg_line_length' | 'max_line_length' | 'alpha_fraction' | 'encoded_data';

/** In checking order. */
export const QUALITY_REASONS: readonly QualityReason[] = ['too_many_lines', 'avg_line_length', 'max_line_length', 'alpha_fraction', 'encoded_data'];

/**
 * Why measured text fails the thresholds, or undefined when it passes. Empty text passes: it has no
 * lines and no characters to judge (a size filter is the place to drop it).
 */
export function qualityVerdict(m: TextMeasures, t: ResolvedThresholds): QualityReason | undefined {
  if (m.chars === 0) return undefined;
  if (m.lines > t.maxLines) return 'too_many_lines';
  if (m.avgLineLength > t.maxAvgLineLength) return 'avg_line_length';
  if (m.maxLineLength > t.maxLineLength) return 'max_line_length';
  if ((t.alphaIncludesDigits ? m.alnumFraction : m.alphaFraction) < t.minAlphaFraction) return 'alpha_fraction';
  if (m.encodedMaxRun > t.maxEncodedRun || m.encodedFraction >= t.maxEncodedFraction) return 'encoded_data';
  return undefined;
}

/** What `annotate` adds as `doc.meta.quality`. */
export interface QualityAnnotation {
  lines: number;
  avgLineLength: number;
  maxLineLength: number;
  alphaFraction: number;
  encodedFraction: number;
}

/**
 *   const steps = [languageStep(), qualityStep()];  // drops counted as quality:max_line_length, ...
 * Thresholds follow `doc.meta.language` when an override exists for it.
 */
export function qualityStep(options: QualityOptions = {}): Step {
  const resolved = resolveQualityOptions(options);
  return {
    name: resolved.name,
    run: (doc: Doc) => {
      const m = measureText(doc.content);
      const reason = qualityVerdict(m, thresholdsFor(resolved, doc.meta?.language));
      if (reason) return drop(reason);
      if (!resolved.annotate) return keep();
      const quality: QualityAnnotation = {
        lines: m.lines,
        avgLineLength: m.avgLineLength,
        maxLineLength: m.maxLineLength,
        alphaFraction: m.alphaFraction,
        encodedFraction: m.encodedFraction,
      };
      return keep({ ...doc, meta: { ...doc.meta, quality } });
    },
  };
}
