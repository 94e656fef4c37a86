/**
 * `password = "…"`, `secret: '…'`, `api_key=…` (the ASSIGNMENT rule) and `aws_secret_access_key = …`
 * (a format rule built the same way): matches a name before `=` or `:` announces.
 *
 * anchors.ts names the operators whose name announces a secret (`…password`, `…Token`, `api_key`)
 * and where that name starts; the rule's regex runs sticky there. A match can still be lost to an
 * earlier one the global regex made (`label = "password: 1234"`); those are replayed only for the
 * few candidates that would be reported, from the start of their line (see `Replay`).
 */
import { NAME_FLAGS } from './bytes.js';
import { hasWordAt } from './chars.js';
import { isConfigFile, isPlaceholder } from './filters.js';
import { AWS_SECRET, matchAt } from './formats.js';
import { Replay } from './replay.js';
import { ASSIGNMENT, PRIORITY, kindOfName, sticky } from './rules.js';
import type { Candidate } from './types.js';

const ASSIGNMENT_AT = sticky(ASSIGNMENT);
const CODE_WORDS = new Set(['null', 'none', 'nil', 'true', 'false', 'undefined', 'str', 'string']);
// `aws` … `key`: from `awssecretkey` to `aws_secret_access_key`.
const AWS_NAME_LENGTHS = [21, 20, 19, 18, 17, 16, 15, 14, 13, 12];

/**
 * ASSIGNMENT and the AWS secret rule from the names list of anchors.ts: `[start, end, flags]` for
 * each operator whose name's kind rules.ts tells (NAME_FLAGS.KIND: ASSIGNMENT's name starts at
 * `start`) or that ends like `aws…key` (NAME_FLAGS.AWS: the name ends at `end`).
 */
export function findAssignments(text: string, names: ArrayLike<number>, path: string, out: Candidate[]): void {
  const starts: number[] = [];
  const keyEnds: number[] = [];
  for (let i = 0; i < names.length; i += 3) {
    if ((names[i + 2]! & NAME_FLAGS.KIND) !== 0) starts.push(names[i]!);
    if ((names[i + 2]! & NAME_FLAGS.AWS) !== 0) keyEnds.push(names[i + 1]!);
  }
  if (keyEnds.length > 0) findAwsSecrets(text, ascendingUnique(keyEnds), out);
  if (starts.length === 0) return;
  const config = isConfigFile(path);
  let replay: Replay | undefined;
  for (const start of ascendingUnique(starts)) {
    const candidate = assignmentAt(text, start, config);
    if (candidate && !(replay ??= new Replay(text)).covered(start)) out.push(candidate);
  }
}

function assignmentAt(text: string, at: number, config: boolean): Candidate | undefined {
  ASSIGNMENT_AT.lastIndex = at;
  const m = ASSIGNMENT_AT.exec(text);
  const kind = m === null ? undefined : kindOfName(m[1]!);
  if (m === null || kind === undefined) return undefined;
  const quoted = m[3] !== undefined;
  const [start, end] = m.indices![quoted ? 3 : 4]!;
  const value = text.slice(start, end);
  if (isPlaceholder(value) || value.length < (kind === 'key' ? 8 : 4)) return undefined;
  // A sentence is a UI label or a docstring, not a credential.
  if (/\s/.test(value)) return undefined;
  if (!quoted && !config && !plausibleBareValue(value, text[end])) return undefined;
  return { kind, rule: kind === 'password' ? 'password-assignment' : 'key-assignment', start, end, priority: PRIORITY.assignment };
}

/** `aws…key` names (by their ends, ascending): the rule's regex at each `aws` that can start one. */
function findAwsSecrets(text: string, keyEnds: number[], out: Candidate[]): void {
  let end = 0;
  for (const nameEnd of keyEnds) {
    for (const length of AWS_NAME_LENGTHS) {
      const at = nameEnd - length;
      if (at < end || !hasWordAt(text, at, 'aws')) continue;
      const matchEnd = matchAt(text, AWS_SECRET, at, out);
      if (matchEnd >= 0) {
        end = matchEnd;
        break;
      }
    }
  }
}

function plausibleBareValue(value: string, next: string | undefined): boolean {
  if (next === '(' || next === '[') return false;
  if (CODE_WORDS.has(value.toLowerCase())) return false;
  // `password = config.password`, `token = getToken` read a variable rather than hold a secret.
  return /\d/.test(value) || !/^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$/.test(value);
}

function ascendingUnique(values: number[]): number[] {
  const sorted = values.sort((a, b) => a - b);
  return sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
}
