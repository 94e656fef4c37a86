/**
 * What an opt-out entry is and how a document's repository is read: both are reduced to a lower-case
 * `owner` and an optional `repo`, whatever the spelling (`Owner/Repo`, `github.com/owner/repo`,
 * `https://github.com/owner/repo.git`, `git@github.com:owner/repo.git`).
 *
 * Entries are host-agnostic: `octocat/hello` opts out that repository wherever a document says it came
 * from. An opt-out that also catches a same-named mirror errs on the side the owner asked for.
 *
 * Owners hold letters, digits, `-` and `_` (as on GitHub, no `.`), which is what lets a first segment
 * with a dot be read as a host: `github.com/octocat` is the owner `octocat`, never a repository.
 */
import { InvalidOptOutEntryError } from './errors.js';

export type EntryKind = 'owner' | 'repo';

export interface OptOutEntry {
  kind: EntryKind;
  owner: string;
  /** Set when kind is `repo`. */
  repo?: string;
  /** The canonical text: `owner` or `owner/repo`, lower case. */
  text: string;
}

/** Where a document says it came from, lower case; `repo` is missing when only an owner was named. */
export interface RepoRef {
  owner: string;
  repo?: string;
}

const OWNER = /^[a-z0-9_][a-z0-9_-]{0,99}$/;
const REPO = /^[a-z0-9_.-]{1,100}$/;
const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;
const SCP_LIKE = /^[\w.-]+@([\w.-]+):(?!\/)/;

interface Location {
  host?: string;
  segments: string[];
}

/** Splits off a scheme, user, host and port, a query and a fragment; segments are what is left. */
function locate(input: string): Location {
  let rest = input;
  let host: string | undefined;
  const scheme = SCHEME.exec(rest);
  if (scheme) {
    rest = rest.slice(scheme[0].length);
    const slash = rest.indexOf('/');
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    rest = slash === -1 ? '' : rest.slice(slash + 1);
    host = authority.replace(/^[^@]*@/, '').replace(/:\d*$/, '');
  } else {
    const scp = SCP_LIKE.exec(rest);
    if (scp) {
      host = scp[1];
      rest = rest.slice(scp[0].length);
    }
  }
  rest = rest.replace(/[?#].*$/s, '').replace(/^\/+|\/+$/g, '');
  const segments = rest === '' ? [] : rest.split('/');
  if (host === undefined && segments.length > 0 && segments[0]!.includes('.')) host = segments.shift();
  return { host, segments };
}

function stripGit(repo: string): string {
  return repo.endsWith('.git') && repo.length > 4 ? repo.slice(0, -4) : repo;
}

/**
 * Reads an entry as a user types it; throws InvalidOptOutEntryError naming the entry and what is wrong.
 * `where` (`path:line`) goes in front of the message for entries read from a file.
 */
export function parseEntry(input: string, where?: string): OptOutEntry {
  const bad = (reason: string): never => {
    throw new InvalidOptOutEntryError(input, reason, where);
  };
  const text = input.trim();
  if (text === '') bad('is empty');
  if (/\s/.test(text)) bad('contains whitespace');
  const { host, segments } = locate(text.toLowerCase());
  if (segments.length === 0) bad(host ? `names the host ${host} but no owner` : 'names no owner');
  if (segments.length > 2) bad('has more than owner/repo');
  if (segments.some((s) => s === '')) bad("has an empty segment ('//')");
  const owner = segments[0]!;
  if (!OWNER.test(owner)) {
    bad(`owner '${owner}' may only hold letters, digits, '-' and '_', at most 100 characters, not starting with '-'`);
  }
  if (segments.length === 1) return { kind: 'owner', owner, text: owner };
  const repo = stripGit(segments[1]!);
  if (!REPO.test(repo) || repo === '.' || repo === '..') {
    bad(`repository name '${segments[1]}' may only hold letters, digits, '.', '-' and '_', at most 100 characters`);
  }
  return { kind: 'repo', owner, repo, text: `${owner}/${repo}` };
}

/** Parses every entry first, so a bad one anywhere changes nothing. Duplicates collapse. */
export function parseEntries(inputs: readonly string[]): OptOutEntry[] {
  const seen = new Map<string, OptOutEntry>();
  for (const input of inputs) {
    const e = parseEntry(input);
    if (!seen.has(e.text)) seen.set(e.text, e);
  }
  return [...seen.values()];
}

/**
 * A document's `meta.repo` as owner and repository; undefined when it is not a non-empty string.
 * Lenient where parseEntry is strict: extra segments (`/tree/main`) are ignored and nothing is
 * validated, since only a valid entry can match anyway.
 */
export function parseRepo(value: unknown): RepoRef | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === '') return undefined;
  const segments = locate(text).segments.filter((s) => s !== '');
  if (segments.length === 0) return undefined;
  const owner = segments[0]!;
  return segments.length === 1 ? { owner } : { owner, repo: stripGit(segments[1]!) };
}
