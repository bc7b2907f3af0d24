import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyAll, startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const FAST = { rate: { default: { perSecond: 200, burst: 20 } }, concurrency: 1 };

describe('circuit breaker per store × marketplace', () => {
  let stack: Stack;
  const SKUS = 10;

  beforeAll(async () => {
    stack = await startStack({
      skus: SKUS,
      limits: FAST,
      delivery: { breaker: { failureThreshold: 3, openSeconds: 1.5 }, retry: { limit: 10, delaySeconds: 0, maxDelaySeconds: 1 } },
    });
  });
  afterAll(async () => stack?.close());

  // Writes only: a retry of a failed create first looks the item up by seller SKU (GETs), in case it went through.
  const writes = () => stack.ml.counters.requests - stack.ml.counters.gets - stack.ml.counters.searches;
  const breaker = async () => (await stack.runtime.breakers.status(stack.vtex.account, 'mercadolivre'))[0]!;
  const synced = async () =>
    (await stack.runtime.db.query<{ n: number }>(`select count(*)::int as n from sku_state where store = $1 and status = 'synced'`, [stack.vtex.account]))[0]!.n;

  it('opens after N consecutive failures and stops calling, half-opens for one probe, closes on success', async () => {
    // The marketplace fails the next 4 requests: 3 open the breaker, the first probe fails too.
    stack.ml.faults.failNext(4, 500);
    await notifyAll(stack, stack.vtex.listSkus().map((s) => s.id));

    await waitFor(async () => (await breaker()).state === 'open', { timeoutMs: 30_000, describe: async () => JSON.stringify(await breaker()) });
    // Exactly the 3 failures reached the fake: nothing else is attempted while it is open.
    expect(writes()).toBe(3);
    expect((await breaker()).consecutiveFailures).toBe(3);

    // After openSeconds one probe goes (half-open); it fails, so the breaker opens again for twice as long.
    await waitFor(async () => (await breaker()).openings === 2, { timeoutMs: 30_000, describe: async () => JSON.stringify(await breaker()) });
    expect((await breaker()).state).toBe('open');
    expect(writes()).toBe(4);

    // The next probe succeeds: closed, and everything that waited is delivered.
    await waitFor(async () => (await synced()) === SKUS, { timeoutMs: 60_000, describe: async () => `${await synced()} synced; ${JSON.stringify(await breaker())}` });
    expect(await breaker()).toMatchObject({ state: 'closed', consecutiveFailures: 0, openings: 0 });
    expect(stack.ml.counters.creates).toBe(SKUS);
    // 4 failures + one create per SKU: no call was made twice, none while open except the probes.
    expect(writes()).toBe(4 + SKUS);
    // Waiting behind the breaker spent no retries: nothing reached the dead-letter queue.
    expect(await stack.runtime.deadLetters.list()).toEqual([]);
  });
});
