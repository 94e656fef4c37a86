import { rankCandidates, type LanguageInfo } from './data.js';
import { byHeuristics } from './heuristics.js';
import { byModeline } from './modeline.js';
import { byExtension, byFilename } from './path.js';
import { byShebang } from './shebang.js';
import { headText, tailText, type Content, type Detection, type Strategy } from './types.js';

type NarrowingStrategy = Exclude<Strategy, 'heuristic' | 'none'>;

/**
 * Detects the language of one file from its path and (optionally) its content.
 *
 * Like Linguist, strategies run in order — filename, shebang, extension, modeline — and each one either
 * settles the answer (exactly one language), narrows the candidates for the next (several), or passes
 * (none, or nothing in common with the current candidates). What is left ambiguous goes to the content
 * heuristics, then to the most popular candidate.
 */
export function detectLanguage(path: string, content?: Content): Detection {
  const head = headText(content);
  const steps: [NarrowingStrategy, () => LanguageInfo[]][] = [
    ['filename', () => byFilename(path)],
    ['shebang', () => byShebang(head)],
    ['extension', () => byExtension(path)],
    ['modeline', () => byModeline(head, tailText(content))],
  ];
  let candidates: LanguageInfo[] = [];
  let narrowedBy: NarrowingStrategy | undefined;
  for (const [strategy, run] of steps) {
    const found = run();
    const narrowed = candidates.length === 0 ? found : found.filter((l) => candidates.includes(l));
    if (narrowed.length === 0) continue;
    if (narrowed.length === 1) return result(narrowed[0]!, strategy);
    candidates = narrowed;
    narrowedBy = strategy;
  }
  if (candidates.length === 0 || narrowedBy === undefined) return { language: undefined, strategy: 'none' };
  const ranked = rankCandidates(candidates);
  const names = ranked.map((l) => l.name);
  const heuristic = byHeuristics(head, ranked);
  if (heuristic) return result(heuristic, 'heuristic', names);
  return result(ranked[0]!, narrowedBy, names);
}

function result(lang: LanguageInfo, strategy: Strategy, candidates?: string[]): Detection {
  const detection: Detection = { language: lang.name, type: lang.type, strategy };
  if (candidates) detection.candidates = candidates;
  return detection;
}
