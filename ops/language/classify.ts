import { basename, headText, type Classification, type Content } from './types.js';

/** Directories whose contents are someone else's code. `dist/` is build output, not vendored. */
const VENDORED_DIRS = ['node_modules', 'vendor', 'third_party', 'bower_components', '.yarn'];

export const LOCKFILES: ReadonlySet<string> = new Set([
  'package-lock.json', 'yarn.lock', 'pnpm-lock.yaml', 'Cargo.lock', 'poetry.lock', 'Gemfile.lock',
  'composer.lock', 'go.sum',
]);

/** A JS/CSS file with fewer lines than this and longer average lines than `MINIFIED_AVG_LINE` is minified. */
export const MINIFIED_MAX_LINES = 50;
export const MINIFIED_AVG_LINE = 500;
/** Generated-file markers are only trusted near the top, where tools write them. */
export const MARKER_LINES = 10;

const MARKERS: readonly [RegExp, string][] = [
  [/^.*\bCode generated\b.*\bDO NOT EDIT\.?/m, 'Code generated … DO NOT EDIT'],
  [/@generated\b/, '@generated'],
  [/\bDO NOT EDIT\b/i, 'DO NOT EDIT'],
  [/\b(?:auto-?generated|automatically generated)\b/i, 'auto-generated'],
];

/** The vendored directory a path runs through, e.g. `node_modules/`, or undefined. */
export function vendoredDir(path: string): string | undefined {
  const parts = path.split(/[\\/]/).slice(0, -1);
  const dir = parts.find((p) => VENDORED_DIRS.includes(p));
  return dir === undefined ? undefined : `${dir}/`;
}

function minifiedReason(path: string, head: string): string | undefined {
  const name = basename(path).toLowerCase();
  if (/\.min\.(?:js|mjs|cjs|css)$/.test(name)) return 'minified: .min file';
  if (!/\.(?:js|mjs|cjs|css)$/.test(name) || head.length === 0) return undefined;
  const lines = head.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const average = head.length / Math.max(1, lines.length);
  return lines.length < MINIFIED_MAX_LINES && average > MINIFIED_AVG_LINE
    ? `minified: ${lines.length} lines averaging ${Math.round(average)} characters`
    : undefined;
}

function sourceMapReason(path: string, head: string): string | undefined {
  const name = basename(path).toLowerCase();
  if (/\.(?:js|mjs|cjs|css)\.map$/.test(name)) return 'source map';
  if (name.endsWith('.map') && /^\s*\{\s*"version"\s*:\s*\d+\s*,/.test(head)) return 'source map';
  return undefined;
}

function markerReason(head: string): string | undefined {
  const top = head.split('\n', MARKER_LINES).join('\n');
  for (const [pattern, label] of MARKERS) if (pattern.test(top)) return `generated marker: ${label}`;
  return undefined;
}

/**
 * Flags files that should not count as hand-written source: vendored paths, lockfiles, minified
 * bundles, source maps and files that say they are generated. Every matching rule is listed in `reason`.
 */
export function classifyFile(path: string, content?: Content): Classification {
  // Minified detection needs whole lines, but never more than a bundle's worth.
  const head = headText(content, 1024 * 1024);
  const reasons: string[] = [];
  const dir = vendoredDir(path);
  if (dir) reasons.push(`vendored path: ${dir}`);
  const vendored = dir !== undefined;
  const generatedReasons = [
    LOCKFILES.has(basename(path)) ? `lockfile: ${basename(path)}` : undefined,
    sourceMapReason(path, head),
    minifiedReason(path, head),
    markerReason(head),
  ].filter((r): r is string => r !== undefined);
  reasons.push(...generatedReasons);
  const classification: Classification = { generated: generatedReasons.length > 0, vendored };
  if (reasons.length > 0) classification.reason = reasons.join('; ');
  return classification;
}
