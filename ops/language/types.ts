/** Linguist's four language kinds. */
export type LanguageType = 'programming' | 'markup' | 'data' | 'prose';

/**
 * Which strategy settled the answer. When `candidates` has more than one entry and the strategy is not
 * `heuristic`, no content rule matched and the most popular candidate was picked.
 */
export type Strategy = 'filename' | 'shebang' | 'extension' | 'modeline' | 'heuristic' | 'none';

export interface Detection {
  language: string | undefined;
  type?: LanguageType;
  strategy: Strategy;
  /** Every language still possible when the answer was chosen; present only when there was a choice. */
  candidates?: string[];
}

export interface Classification {
  generated: boolean;
  vendored: boolean;
  /** Every rule that matched, joined by `; `, e.g. `vendored path: node_modules/`. */
  reason?: string;
}

/** File content: raw bytes or already-decoded text. */
export type Content = Uint8Array | string;

/** How many leading bytes the content strategies look at; heuristics never need the whole file. */
export const HEAD_BYTES = 64 * 1024;

/** Decodes at most `limit` bytes of the head of `content` (UTF-8, lossy). */
export function headText(content: Content | undefined, limit = HEAD_BYTES): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content.length > limit ? content.slice(0, limit) : content;
  return new TextDecoder('utf-8').decode(content.subarray(0, limit));
}

/** Decodes at most `limit` bytes of the tail of `content`, where modelines may also live. */
export function tailText(content: Content | undefined, limit = 4096): string {
  if (content === undefined) return '';
  if (typeof content === 'string') return content.length > limit ? content.slice(-limit) : content;
  return new TextDecoder('utf-8').decode(content.subarray(Math.max(0, content.length - limit)));
}

/** Basename of a `/` or `\` separated path. */
export function basename(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i === -1 ? path : path.slice(i + 1);
}
