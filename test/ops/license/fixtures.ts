/** Shared inputs for the license tests: the SPDX reference texts and perturbed copies of them. */
import { createRequire } from 'node:module';

const spdxFull = createRequire(import.meta.url)('spdx-license-list/full') as Record<string, { licenseText: string }>;

/** Every id in spdx-license-list with its full text. */
export function referenceTexts(): Map<string, string> {
  return new Map(Object.entries(spdxFull).map(([id, l]) => [id, l.licenseText]));
}

/** Re-flows each paragraph to lines of at most `width` characters. */
export function rewrap(text: string, width: number): string {
  return text
    .split(/\n[ \t]*\n/)
    .map((paragraph) => {
      const lines: string[] = [];
      let line = '';
      for (const word of paragraph.split(/\s+/).filter(Boolean)) {
        if (line && line.length + 1 + word.length > width) {
          lines.push(line);
          line = word;
        } else line = line ? `${line} ${word}` : word;
      }
      if (line) lines.push(line);
      return lines.join('\n');
    })
    .join('\n\n');
}

/**
 * What a repository does to a license text: its own copyright line in place of the template's (and
 * one more on top), different spacing, the text re-wrapped to another width, CRLF line ends.
 */
export function perturbed(text: string, seed: number): string {
  const ownCopyright = text.replace(/^[ \t]*copyright\b.*$/gim, (line) =>
    /^[ \t]*copyright\s*(?:\(c\)|©|\d|<|\[)/i.test(line) ? 'Copyright (c) 2019-2024 Jane Q. Hacker <jane@example.org>' : line,
  );
  const width = 40 + ((seed * 7) % 60);
  const wrapped = rewrap(`Copyright 2021 Example Corp.\n\n${ownCopyright}`.replace(/[ \t]+/g, '  '), width);
  return `  ${wrapped.replace(/\n/g, '\r\n   ')}\n\n`;
}
