/**
 * Which files of a repository state its license, and what of them to match:
 *
 *   licenseFileKind('LICENSE-MIT')       // 'license'
 *   licenseFileKind('docs/COPYING.LESSER') // 'license'
 *   licenseFileKind('LICENSES/MIT.txt')  // 'license' (REUSE layout)
 *   licenseFileKind('README.md')         // 'readme': only its License section counts
 *   licenseFileKind('src/license.ts')    // undefined: code about licenses is not a license
 *
 * `readmeLicenseSection` cuts a README's "License" section out: a Markdown heading (ATX `## License`
 * or setext) or a reStructuredText title, up to the next heading of the same or a higher level.
 */

export type LicenseFileKind = 'license' | 'readme';

const LICENSE_NAME = /^(?:licen[cs]e|copying|notice|unlicense|copyright)(?:$|[-._ ])/i;
const README_NAME = /^readme(?:\.(?:md|markdown|mdown|mkd|rst|txt|text|adoc|asciidoc|org|rdoc))?$/i;
const TEXT_EXT = new Set(['', 'txt', 'text', 'md', 'markdown', 'rst', 'adoc', 'asciidoc', 'org', 'html', 'htm']);
/** Extensions that make `license.*` a program or data file rather than a license text. */
const CODE_EXT = new Set([
  'js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'py', 'rb', 'go', 'rs', 'java', 'kt', 'scala', 'c', 'h', 'cc', 'cpp', 'hpp',
  'cs', 'php', 'swift', 'm', 'sh', 'pl', 'lua', 'json', 'yml', 'yaml', 'toml', 'xml', 'css', 'scss', 'vue', 'svelte',
  'sql', 'r', 'dart', 'ex', 'exs', 'erl', 'hs', 'ml', 'clj', 'el', 'vim', 'ps1', 'bat', 'gradle', 'lock', 'png', 'svg',
  'jpg', 'gif', 'ico', 'pdf', 'class', 'o', 'so', 'pyc', 'erb', 'tmpl', 'tpl', 'j2', 'jinja', 'ejs', 'hbs',
]);

export function licenseFileKind(path: string): LicenseFileKind | undefined {
  const parts = path.replace(/\\/g, '/').split('/');
  const name = parts[parts.length - 1]!;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (README_NAME.test(name)) return 'readme';
  if (LICENSE_NAME.test(name) && !CODE_EXT.has(ext)) return 'license';
  // REUSE keeps one text per license in LICENSES/<id>.txt.
  const dir = parts[parts.length - 2];
  if (dir !== undefined && /^licen[cs]es$/i.test(dir) && TEXT_EXT.has(ext)) return 'license';
  return undefined;
}

const LICENSE_TITLE = /\b(?:licen[cs]e[sd]?|licen[cs]ing|copying|copyright)\b/i;
const ATX = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(=+|-+)[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;
/** A reST adornment line: one punctuation character repeated. */
const RST_ADORNMENT = /^([=\-~^"'`#*+:._!$%&,;<>?@|/\\])\1{2,}[ \t]*$/;

interface Heading {
  /** Line of the title text. */
  line: number;
  /** First line of the section body. */
  body: number;
  level: number;
  title: string;
}

/** The text of every section whose heading names a license, joined; undefined when there is none. */
export function readmeLicenseSection(text: string, path = ''): string | undefined {
  const lines = text.split(/\r?\n/);
  const headings = /\.rst$/i.test(path) || (!/\.(md|markdown|mdown|mkd)$/i.test(path) && looksLikeRst(lines)) ? rstHeadings(lines) : markdownHeadings(lines);
  const sections: string[] = [];
  headings.forEach((h, i) => {
    if (!LICENSE_TITLE.test(h.title) || h.title.length > 80) return;
    const next = headings.slice(i + 1).find((n) => n.level <= h.level);
    const body = lines.slice(h.body, next ? next.line : lines.length).join('\n').trim();
    if (body) sections.push(body);
  });
  return sections.length > 0 ? sections.join('\n\n') : undefined;
}

function markdownHeadings(lines: readonly string[]): Heading[] {
  const headings: Heading[] = [];
  let fence: string | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const f = FENCE.exec(line);
    if (f) {
      if (fence === undefined) fence = f[1]![0];
      else if (f[1]![0] === fence) fence = undefined;
      continue;
    }
    if (fence !== undefined) continue;
    const atx = ATX.exec(line);
    if (atx) {
      headings.push({ line: i, body: i + 1, level: atx[1]!.length, title: cleanTitle(atx[2] ?? '') });
      continue;
    }
    const under = lines[i + 1];
    if (under !== undefined && line.trim() !== '' && SETEXT.test(under) && !/^ {0,3}([-*_>]|\d+[.)])/.test(line)) {
      headings.push({ line: i, body: i + 2, level: under.trim()[0] === '=' ? 1 : 2, title: cleanTitle(line) });
      i++;
    }
  }
  return headings;
}

/** reST levels are set by the order in which adornment styles first appear. */
function rstHeadings(lines: readonly string[]): Heading[] {
  const styles: string[] = [];
  const headings: Heading[] = [];
  for (let i = 1; i < lines.length; i++) {
    const under = RST_ADORNMENT.exec(lines[i]!);
    const title = lines[i - 1]!.trim();
    if (!under || title === '' || RST_ADORNMENT.test(title) || lines[i]!.trim().length < title.length) continue;
    const over = i >= 2 && lines[i - 2]!.trim() === lines[i]!.trim();
    const style = (over ? 'over' : 'under') + under[1];
    if (!styles.includes(style)) styles.push(style);
    headings.push({ line: over ? i - 2 : i - 1, body: i + 1, level: styles.indexOf(style) + 1, title });
  }
  return headings;
}

function looksLikeRst(lines: readonly string[]): boolean {
  return !lines.some((l) => ATX.test(l) && /^#{1,6}\s/.test(l)) && lines.some((l, i) => i > 0 && RST_ADORNMENT.test(l) && lines[i - 1]!.trim() !== '');
}

/** `📝 License`, `**License**`, `License:` → comparable title text. */
function cleanTitle(title: string): string {
  return title.replace(/[*_`:[\]]/g, '').trim();
}
