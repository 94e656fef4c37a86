/** Reading what a run stored, straight from the store (independent of the client API). */
import { unpackValue } from '../../protocol/artifacts.js';
import { fromInline } from '../../protocol/cas.js';
import { taskKey } from '../../protocol/keys.js';
import type { TaskRecord } from '../../protocol/records.js';
import { ContentStore, MetadataStore, openBackend } from '../../store/index.js';

export class StoredRun {
  readonly cas: ContentStore;
  readonly meta: MetadataStore;

  constructor(store: string, readonly flow: string, readonly run: string) {
    const backend = openBackend(store);
    this.cas = new ContentStore(backend);
    this.meta = new MetadataStore(backend);
  }

  async task(step: string, task = '0'): Promise<TaskRecord> {
    const rec = await this.meta.getJson<TaskRecord>(taskKey(this.flow, this.run, step, task));
    if (!rec) throw new Error(`no record for ${step}/${task}`);
    return rec;
  }

  async artifact(step: string, task: string, name: string): Promise<unknown> {
    const rec = await this.task(step, task);
    const digest = rec.artifacts[name];
    if (!digest) throw new Error(`${step}/${task} has no artifact '${name}' (has ${Object.keys(rec.artifacts).join(', ')})`);
    // Small artifacts ride inline in the record; the rest are in the store.
    const inline = rec.inline?.[digest];
    return unpackValue(inline !== undefined ? fromInline(digest, inline) : await this.cas.get(digest));
  }

  async log(step: string, task = '0', attempt = -1): Promise<string> {
    const rec = await this.task(step, task);
    const a = attempt < 0 ? rec.attempts[rec.attempts.length - 1]! : rec.attempts[attempt]!;
    return a.log ? Buffer.from(await this.cas.get(a.log)).toString('utf8') : '';
  }

  async steps(): Promise<string[]> {
    return (await this.meta.list(`meta/${this.flow}/${this.run}/steps/`)).map((s) => s.replace(/\/$/, ''));
  }

  async tasks(step: string): Promise<string[]> {
    return this.meta.list(`meta/${this.flow}/${this.run}/steps/${step}/`);
  }
}
