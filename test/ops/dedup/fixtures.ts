/**
 * Real-looking source files in several languages, and the edits near-duplicates are made of: a few
 * changed lines, a renamed variable, rewritten comments. Everything is deterministic (seeded).
 */
import type { Doc } from '../../../ops/pipeline.js';

export { CONFIG_PY, EMITTER_JS, HANDLER_GO, LEXER_RS, LRU_TS, RING_C, SOURCES } from './sources.js';
import { SOURCES } from './sources.js';

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

/** Replaces every whole-word occurrence of `from`. */
export const rename = (src: string, from: string, to: string): string => src.replace(new RegExp(`\\b${from}\\b`, 'g'), to);

/** Rewrites the first `count` comment lines (//, #, /* or * lines) to say something else. */
export function rewriteComments(src: string, count: number): string {
  let left = count;
  return src
    .split('\n')
    .map((line) => {
      if (left > 0 && /^\s*(\/\/|#(?!include|define|\[)|\/\*|\*)/.test(line)) {
        left--;
        return line.replace(/(\/\/!?|#|\/\*\*?|\*)\s.*$/, '$1 reworded note about this part');
      }
      return line;
    })
    .join('\n');
}

/** Changes `count` random non-blank lines a little (a number, a string, or an appended statement). */
export function editLines(src: string, count: number, seed: number): string {
  const random = rng(seed);
  const lines = src.split('\n');
  const candidates = lines.map((l, i) => (l.trim().length > 8 ? i : -1)).filter((i) => i >= 0);
  for (let k = 0; k < count; k++) {
    const i = candidates[Math.floor(random() * candidates.length)]!;
    const line = lines[i]!;
    lines[i] = /\d/.test(line) ? line.replace(/\d+/, (d) => String(Number(d) + 7)) : `${line} // edited ${k}`;
  }
  return lines.join('\n');
}

/** A doc with the fields dedup reads. */
export function doc(id: string, content: string, meta: Record<string, unknown> = {}): Doc {
  return { id, path: id.split('/').slice(1).join('/') || id, content, meta };
}

/** Unrelated code: functions with random names, bodies and constants. */
export function randomSource(seed: number, lines = 60): string {
  const random = rng(seed);
  const words = ['alpha', 'beta', 'count', 'delta', 'entry', 'frame', 'graph', 'index', 'joint', 'kernel', 'limit', 'merge', 'node', 'offset', 'parse', 'queue', 'range', 'state', 'table', 'value', 'width', 'yield', 'zone', 'buffer', 'cursor', 'token'];
  const pick = () => words[Math.floor(random() * words.length)]!;
  const ident = () => pick() + pick()[0]!.toUpperCase() + pick().slice(1) + Math.floor(random() * 100);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const r = random();
    if (r < 0.2) out.push(`function ${ident()}(${ident()}, ${ident()}) {`);
    else if (r < 0.4) out.push(`  const ${ident()} = ${ident()}.${pick()}(${Math.floor(random() * 1000)});`);
    else if (r < 0.55) out.push(`  if (${ident()} > ${ident()}) return ${ident()};`);
    else if (r < 0.7) out.push(`  // ${pick()} the ${pick()} before ${pick()} ${pick()}`);
    else if (r < 0.85) out.push(`  ${ident()} += ${ident()} * ${Math.floor(random() * 50)};`);
    else out.push('}');
  }
  return out.join('\n') + '\n';
}

/** Per source: a rename that touches a few lines, and a comment rewrite. */
const EDITS: Record<string, { rename: [string, string]; reword: (src: string) => string }> = {
  'lru.ts': { rename: ['oldest', 'victim'], reword: (s) => rewriteComments(s, 2) },
  'config.py': { rename: ['lowered', 'normalized'], reword: (s) => s.replace('Load service settings from an INI file', 'Read what the service needs from an INI file') },
  'handler.go': { rename: ['body', 'payload'], reword: (s) => rewriteComments(s, 2) },
  'ring.c': { rename: ['dropped', 'overruns'], reword: (s) => rewriteComments(s, 1) },
  'lexer.rs': { rename: ['text', 'literal'], reword: (s) => rewriteComments(s, 2) },
  'emitter.js': { rename: ['called', 'delivered'], reword: (s) => rewriteComments(s, 2) },
};

/** Per source: the original and three near copies in other repositories, plus unrelated files. */
export function plantedCorpus() {
  const docs: Doc[] = [];
  const planted: Record<string, string[]> = {};
  for (const [name, src] of Object.entries(SOURCES)) {
    const { rename: [from, to], reword } = EDITS[name]!;
    const variants = {
      [`orig/${name}`]: src,
      [`edited/${name}`]: editLines(src, 2, name.length),
      [`renamed/${name}`]: rename(src, from, to),
      [`reworded/${name}`]: reword(src),
    };
    planted[name] = Object.keys(variants);
    for (const [id, content] of Object.entries(variants)) docs.push(doc(id, content));
  }
  for (let i = 0; i < 12; i++) docs.push(doc(`random/file${i}.js`, randomSource(100 + i)));
  return { docs, planted };
}
