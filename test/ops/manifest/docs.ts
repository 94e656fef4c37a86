/** Documents for the manifest tests: deterministic, with the meta the curation operators set. */
import type { Doc } from '../../../ops/pipeline.js';

const LANGS = [['Python', '.py'], ['JavaScript', '.js'], ['Go', '.go']] as const;

/** Doc `i`: repo owner{i%3}/repo{i%5}, a language and license by i, content of about `size` bytes. */
export function makeDoc(i: number, size = 200, salt = ''): Doc {
  const [language, ext] = LANGS[i % LANGS.length]!;
  const repo = `owner${i % 3}/repo${i % 5}`;
  const path = `src/file${i}${ext}`;
  const head = `// ${repo}/${path}${salt}\n`;
  const content = head + 'x'.repeat(Math.max(0, size - head.length));
  return {
    id: `${repo}/${path}`,
    path,
    content,
    meta: {
      repo,
      language: i % 7 === 6 ? undefined : language,
      license_type: i % 2 === 0 ? 'permissive' : 'no_license',
      detected_licenses: i % 2 === 0 ? ['MIT'] : [],
    },
  };
}

export function makeDocs(n: number, size = 200, from = 0): Doc[] {
  return Array.from({ length: n }, (_, k) => makeDoc(from + k, size));
}
