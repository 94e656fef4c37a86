import { languageIndex, type LanguageInfo } from './data.js';

/** Vim: `vim: set ft=ruby:`, `vi: filetype=python`, `ex: syntax=sh`. */
const VIM = /(?:^|\s)(?:vi|vim|ex)(?:[<=>]?\d+)?:[^\n]*?\b(?:ft|filetype|syn|syntax)=([\w+#.-]+)/;
/** Emacs: `-*- ruby -*-` or `-*- mode: ruby; coding: utf-8 -*-`. */
const EMACS = /-\*-(.*?)-\*-/;

/** Linguist reads modelines from the first and last five lines only. */
const EDGE_LINES = 5;

/** The mode name written in a Vim or Emacs modeline within the given lines, lower-cased. */
export function modeOf(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const vim = VIM.exec(line);
    if (vim) return vim[1]!.toLowerCase();
    const emacs = EMACS.exec(line);
    if (emacs) {
      const inner = emacs[1]!.trim();
      const mode = inner.includes(':') ? /(?:^|;)\s*mode\s*:\s*([^;\s]+)/i.exec(inner)?.[1] : inner;
      if (mode) return mode.toLowerCase().replace(/-mode$/, '');
    }
  }
  return undefined;
}

/** Strategy 4: the language a modeline names, matched against Linguist names and aliases. */
export function byModeline(head: string, tail: string): LanguageInfo[] {
  const first = head.split(/\r?\n/, EDGE_LINES);
  const last = tail.split(/\r?\n/).slice(-EDGE_LINES - 1);
  const mode = modeOf([...first, ...last]);
  if (!mode) return [];
  const lang = languageIndex().byAlias.get(mode);
  return lang ? [lang] : [];
}
