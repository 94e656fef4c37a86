/**
 * Quality filters for source files (The Stack v2): too many lines, long lines, too few letters, and
 * inline encoded data — measured in one pass, each drop with its own reason.
 *
 *   import { qualityStep, measureText } from '../ops/filters/index.js';
 *   const steps = [languageStep(), qualityStep()];   // stats: quality:too_many_lines, quality:avg_line_length,
 *                                                    //        quality:max_line_length, quality:alpha_fraction, quality:encoded_data
 *   measureText(src);   // { lines, avgLineLength, maxLineLength, alphaFraction, encodedMaxRun, encodedFraction, ... }
 *   qualityStep({ thresholds: { maxLineLength: 2000 }, languages: { JSON: { maxLineLength: Infinity } } });
 */
export { qualityStep, qualityVerdict, QUALITY_REASONS, type QualityAnnotation, type QualityReason } from './quality.js';
export { measureText, mergeSpans, hexToken, MIN_BASE64_RUN, BASE64_WRAP_MIN, MIN_HEX_TOKENS, MIN_UNICODE_ESCAPES, type TextMeasures } from './measure.js';
export {
  DEFAULT_THRESHOLDS,
  STACK_V2_LANGUAGE_THRESHOLDS,
  resolveQualityOptions,
  thresholdsFor,
  type QualityOptions,
  type ResolvedQualityOptions,
  type ResolvedThresholds,
  type Thresholds,
} from './options.js';
export { FiltersOptionsError } from './errors.js';
