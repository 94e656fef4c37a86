/**
 * Lines of a byte stream, split by us rather than by readline: a line longer than `maxLineBytes` is
 * reported with its length and never held in memory, whatever its size.
 */
import type { Chunks } from './streams.js';

/** Either kind is `unterminated` when the input ended before its `\n`. */
export type Line =
  /** A line without its `\n` (and without a `\r` before it). */
  | { type: 'line'; lineNo: number; bytes: Uint8Array; unterminated?: true }
  | { type: 'too_long'; lineNo: number; length: number; unterminated?: true };

export interface SplitOptions {
  maxLineBytes: number;
  /** Number of the first line (1-based); default 1. */
  firstLine?: number;
}

export async function* splitLines(input: Chunks, { maxLineBytes, firstLine = 1 }: SplitOptions): AsyncGenerator<Line> {
  let parts: Uint8Array[] = [];
  let length = 0;
  let lineNo = firstLine;

  const take = (): Line => {
    const line: Line =
      length > maxLineBytes
        ? { type: 'too_long', lineNo, length }
        : { type: 'line', lineNo, bytes: stripCr(parts.length === 1 ? parts[0]! : Buffer.concat(parts, length)) };
    parts = [];
    length = 0;
    lineNo++;
    return line;
  };
  const add = (piece: Uint8Array): void => {
    length += piece.length;
    // Over the limit: keep counting, stop keeping.
    if (length > maxLineBytes) parts = [];
    else if (piece.length > 0) parts.push(piece);
  };

  for await (const chunk of input) {
    let pos = 0;
    while (pos <= chunk.length) {
      const nl = chunk.indexOf(10, pos);
      if (nl === -1) {
        if (pos < chunk.length) add(chunk.subarray(pos));
        break;
      }
      add(chunk.subarray(pos, nl));
      yield take();
      pos = nl + 1;
    }
  }
  if (length > 0) {
    const last = take();
    yield { ...last, unterminated: true };
  }
}

const stripCr = (b: Uint8Array): Uint8Array => (b.length > 0 && b[b.length - 1] === 13 ? b.subarray(0, b.length - 1) : b);
