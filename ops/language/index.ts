/**
 * Language detection and generated/vendored classification for source files: pure functions over a
 * path and its bytes, backed by GitHub Linguist's language data (`linguist-languages`).
 *
 *   import { detectLanguage, classifyFile } from '../ops/language/index.js';
 *   detectLanguage('src/app.h', bytes);        // { language: 'C++', type: 'programming', strategy: 'heuristic', candidates: [...] }
 *   detectLanguage('bin/tool', '#!/usr/bin/env python3\n');  // { language: 'Python', strategy: 'shebang', ... }
 *   classifyFile('web/app.min.js', bytes);     // { generated: true, vendored: false, reason: 'minified: .min file' }
 *
 * Strategies run filename → shebang → extension → modeline → heuristics; see `detect.ts`.
 */
export { detectLanguage } from './detect.js';
export { languageStep, LANGUAGE_STEP, type LanguageStepOptions } from './step.js';
export { classifyFile, vendoredDir, LOCKFILES, MARKER_LINES, MINIFIED_AVG_LINE, MINIFIED_MAX_LINES } from './classify.js';
export { HEURISTICS, byHeuristics, type HeuristicRule } from './heuristics.js';
export { findLanguage, rankCandidates, POPULAR, type LanguageInfo } from './data.js';
export { interpreterOf, byShebang } from './shebang.js';
export { modeOf, byModeline } from './modeline.js';
export { byFilename, byExtension, extensionsOf } from './path.js';
export type { Classification, Content, Detection, LanguageType, Strategy } from './types.js';
