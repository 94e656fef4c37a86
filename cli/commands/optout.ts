/**
 * `mesh optout add|rm|ls`: the registry of owners and repositories kept out of datasets. On the mesh's
 * KV bucket when --nats or MESH_NATS_URL is set, else in a file (--file, MESH_OPTOUT_FILE, or
 * .mesh/optout.txt). A bad entry changes nothing and is named in one line (exit 2).
 */
import type { Command } from 'commander';
import type { NatsConnection } from '@nats-io/transport-node';
import { UsageError } from '../../coordinator/errors.js';
import {
  digestEntries, InvalidOptOutEntryError, openOptOutStore, OptOutOptionsError, parseEntries, parseEntry, type OptOutStore,
} from '../../ops/optout/index.js';
import { connectNats, natsOptionFlags, resolveConnection, type NatsFlags } from '../connection.js';

export interface OptOutFlags extends NatsFlags {
  file?: string;
  json?: boolean;
}

export function registerOptOut(program: Command): void {
  const optout = program
    .command('optout')
    .description('manage the opt-out registry: owners and repositories whose code stays out of datasets');
  const withFlags = (c: Command): Command =>
    natsOptionFlags(c
      .option('--file <path>', 'the registry file (env MESH_OPTOUT_FILE, default .mesh/optout.txt); not with --nats')
      .option('--json', 'print one JSON object per line'));

  withFlags(optout
    .command('add')
    .description('opt out owners (every repository of theirs) or single repositories')
    .argument('<entry...>', 'owner or owner/repo; https://github.com/owner/repo(.git) works too'))
    .action(async (entries: string[], opts: OptOutFlags) => {
      process.stdout.write(await optoutChange('add', entries, opts));
    });

  withFlags(optout
    .command('rm')
    .description('remove entries from the registry')
    .argument('<entry...>', 'owner or owner/repo, as added'))
    .action(async (entries: string[], opts: OptOutFlags) => {
      process.stdout.write(await optoutChange('rm', entries, opts));
    });

  withFlags(optout
    .command('ls')
    .description('list the registry, one entry per line (its digest goes to stderr, or last with --json)'))
    .action(async (opts: OptOutFlags) => {
      const { stdout, stderr } = await optoutList(opts);
      process.stderr.write(stderr);
      process.stdout.write(stdout);
    });
}

/** The text `mesh optout add|rm` prints: what changed and what was already so, in canonical form. */
export async function optoutChange(op: 'add' | 'rm', entries: string[], flags: OptOutFlags): Promise<string> {
  const wanted = usage(() => parseEntries(entries)).map((e) => e.text);
  return withRegistry(flags, async (store) => {
    const changed = new Set(op === 'add' ? await store.add(wanted) : await store.remove(wanted));
    const [did, didNot] = op === 'add' ? ['added', 'already listed'] : ['removed', 'not listed'];
    return wanted
      .map((entry) => {
        const hit = changed.has(entry);
        if (flags.json) return `${JSON.stringify({ type: `optout.${hit ? did : didNot.replace(' ', '_')}`, entry, registry: store.url })}\n`;
        return hit ? `${did} ${entry}\n` : `${didNot}: ${entry}\n`;
      })
      .join('');
  });
}

/** `mesh optout ls`: entries on stdout; a summary (source, count, digest) on stderr, or as the last JSON line. */
export async function optoutList(flags: OptOutFlags): Promise<{ stdout: string; stderr: string }> {
  return withRegistry(flags, async (store) => {
    const entries = await store.list();
    const digest = digestEntries(entries);
    if (flags.json) {
      const lines = entries.map((entry) => JSON.stringify({ type: 'optout.entry', entry, kind: parseEntry(entry).kind }));
      lines.push(JSON.stringify({ type: 'optout.registry', source: store.url, entries: entries.length, digest }));
      return { stdout: lines.map((l) => `${l}\n`).join(''), stderr: '' };
    }
    const summary = `${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} in ${store.url} (sha256 ${digest})\n`;
    return { stdout: entries.map((e) => `${e}\n`).join(''), stderr: summary };
  });
}

/** Opens the registry the flags name, runs `fn`, and closes it (and any connection made for it). */
async function withRegistry<T>(flags: OptOutFlags, fn: (store: OptOutStore) => Promise<T>): Promise<T> {
  if (flags.file !== undefined && flags.nats !== undefined) {
    throw new UsageError('give --file or --nats, not both: the registry is a file or the mesh\'s KV bucket');
  }
  const onMesh = flags.nats !== undefined || (flags.file === undefined && (process.env.MESH_NATS_URL ?? '').trim() !== '');
  let nc: NatsConnection | undefined;
  let store: OptOutStore;
  try {
    if (onMesh) {
      nc = await connectNats(resolveConnection(flags), 'mesh-optout');
      store = await openOptOutStore({ nc });
    } else {
      // The file, even when MESH_NATS_URL is set: --file was given.
      store = await openOptOutStore({ file: flags.file, env: { ...process.env, MESH_NATS_URL: '' } });
    }
  } catch (err) {
    await nc?.close();
    throw asUsage(err);
  }
  try {
    return await fn(store);
  } catch (err) {
    throw asUsage(err);
  } finally {
    await store.close();
    await nc?.close();
  }
}

function usage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw asUsage(err);
  }
}

/** A bad entry or option is the user's to fix: exit 2, same one line. */
function asUsage(err: unknown): unknown {
  return err instanceof InvalidOptOutEntryError || err instanceof OptOutOptionsError ? new UsageError(err.message, { cause: err }) : err;
}
