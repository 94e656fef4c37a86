import { languageIndex, type LanguageInfo } from './data.js';
import { basename } from './types.js';

/** `env` flags that take the next word as their value. */
const ENV_FLAGS_WITH_ARG = new Set(['-u', '--unset', '-C', '--chdir', '-P']);

/**
 * The interpreter named by a `#!` line, or undefined: `#!/usr/bin/env -S python3 -u` → `python3`.
 * Walks past `env`, its flags (`-S`, `-i`, `-u NAME`) and `VAR=value` assignments, as Linguist does.
 */
export function interpreterOf(text: string): string | undefined {
  if (!text.startsWith('#!')) return undefined;
  const firstLine = text.slice(2, text.search(/\r?\n|$/));
  const words = firstLine.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return undefined;
  let script = basename(words[0]!);
  if (script === 'env') {
    let i = 1;
    while (i < words.length) {
      const w = words[i]!;
      if (ENV_FLAGS_WITH_ARG.has(w)) i += 2;
      else if (w.startsWith('-') || /^\w+=/.test(w)) i += 1;
      else break;
    }
    if (i >= words.length) return undefined;
    script = basename(words[i]!);
  }
  // `#!/bin/sh` scripts that re-exec themselves: `exec ruby "$0" "$@"`.
  if (script === 'sh') {
    const exec = /^\s*exec\s+(\w+)[\s'"]+\$0[\s'"]+\$@/m.exec(text.split('\n', 5).join('\n'));
    if (exec) script = exec[1]!;
  }
  return script;
}

/**
 * Strategy 2: languages whose `interpreters` include the shebang's interpreter. Versions are dropped
 * step by step until something matches: `python3.11` → `python3` → `python`.
 */
export function byShebang(text: string): LanguageInfo[] {
  const script = interpreterOf(text);
  if (!script) return [];
  const interpreters = languageIndex().byInterpreter;
  for (const name of [script, script.replace(/(?:\.\d+)+$/, ''), script.replace(/[\d.]+$/, '')]) {
    const found = interpreters.get(name);
    if (found) return found;
  }
  return [];
}
