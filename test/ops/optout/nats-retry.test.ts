import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JetStreamApiError } from '@nats-io/jetstream';
import { NoRespondersError, PermissionViolationError, RequestError, TimeoutError } from '@nats-io/transport-node';
import { isPassingNatsError, withNatsRetry } from '../../../ops/optout/nats-retry.js';

describe('optout - NATS failures that pass are waited out, the rest fail at once', () => {
  it('tells a leader election or restart from a mistake', () => {
    const api = (code: number, err_code: number, description: string) => new JetStreamApiError({ code, err_code, description });
    for (const err of [new TimeoutError(), new NoRespondersError('$JS.API.STREAM.INFO.x'), new RequestError('no responders', { cause: new NoRespondersError('s') }),
      api(503, 10008, 'JetStream system temporarily unavailable'), api(500, 10118, 'stream is offline'), new Error('wrapped', { cause: new TimeoutError() })]) {
      assert.equal(isPassingNatsError(err), true, err.message);
    }
    for (const err of [api(400, 10052, 'replicas > 1 not supported in non-clustered mode'), api(404, 10059, 'stream not found'),
      new PermissionViolationError('Permissions Violation for Publish to "$JS.API.STREAM.CREATE.KV_x"', 'publish', '$JS.API.STREAM.CREATE.KV_x'), new Error('bad opt-out entry'), 'text']) {
      assert.equal(isPassingNatsError(err), false, String((err as Error).message ?? err));
    }
  });

  it('retries with growing waits within the budget, then gives the last error', async () => {
    const waits: number[] = [];
    let calls = 0;
    const ok = await withNatsRetry(async () => {
      if (++calls < 4) throw new TimeoutError();
      return 'read';
    }, { sleep: async (ms) => { waits.push(ms); } });
    assert.equal(ok, 'read');
    assert.deepEqual(waits, [250, 500, 1000]);
    let tries = 0;
    await assert.rejects(withNatsRetry(async () => { tries++; throw new TimeoutError(); }, { budgetMs: 0 }), TimeoutError);
    assert.equal(tries, 1, 'a zero budget tries once');
    tries = 0;
    await assert.rejects(withNatsRetry(async () => { tries++; throw new Error('stream not found'); }, { sleep: async () => {} }), /stream not found/);
    assert.equal(tries, 1, 'a mistake is not retried');
  });
});
