import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, WEBHOOK_TOKEN, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

/**
 * Bursts: VTEX notifies every change, so a bulk edit sends many notifications per SKU, interleaved
 * across the catalog. Each SKU must be read from VTEX about once and sent to the marketplace once.
 * Counted by the fakes themselves.
 */
describe('coalescing and skip-unchanged', () => {
  let stack: Stack;
  const SKUS = 500;
  const PER_SKU = 10;

  // On the embedded database every notification costs its own inbox insert and dispatch (PGlite runs
  // queries synchronously, so nothing batches): sending 5,000 takes minutes there, seconds on Postgres.
  beforeAll(async () => {
    // A quiet window with room for a slow CI machine: each SKU's burst below spreads over a few seconds
    // because 16 SKUs are interleaved at a time through one in-process webhook.
    // The fake Mercado Livre has no rate limit here: lift the manifest's 5/s so 500 SKUs go out in seconds.
    stack = await startStack({ skus: SKUS, limits: { rate: { default: { perSecond: 500, burst: 100 } } }, configure: (raw) => (raw.pipeline = { coalesce: { quietMs: 3000, maxDelayMs: 60_000 } }) });
  });
  afterAll(async () => stack?.close());

  it(`${PER_SKU} notifications per SKU for ${SKUS} SKUs → at most ${SKUS * 1.1} SKU reads from VTEX and ${SKUS * 1.1} calls to the marketplace`, { timeout: 420_000 }, async () => {
    const ids = stack.vtex.listSkus().map((s) => s.id);
    // 16 senders, each sending one SKU's burst (catalog, stock and price changes, as a bulk edit makes
    // VTEX send them) before taking the next SKU: 16 SKUs' bursts interleave at any moment.
    const flags = [{ HasStockKeepingUnitModified: true }, { StockModified: true }, { PriceModified: true }, { HasStockKeepingUnitModified: true, StockModified: true }];
    const started = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < ids.length) {
          const id = ids[next++];
          for (let n = 0; n < PER_SKU; n++) {
            // Through the webhook route in-process (fastify inject): the same parsing, auth and inbox as
            // over a socket, minus the loopback HTTP cost that would make the burst a trickle here.
            const res = await stack.app.inject({ method: 'POST', url: `/api/notification?token=${WEBHOOK_TOKEN}`, payload: stack.vtex.notificationPayload(id, flags[n % flags.length]) });
            if (res.statusCode !== 200) throw new Error(`notification answered ${res.statusCode}: ${res.body}`);
          }
        }
      }),
    );
    const sentIn = Date.now() - started;

    const synced = async () =>
      (await stack.runtime.db.query<{ n: number }>(`select count(*)::int as n from sku_state where status = 'synced' and store = $1`, [stack.vtex.account]))[0].n;
    await waitFor(async () => (await synced()) === SKUS, { timeoutMs: 90_000, describe: async () => `${await synced()} synced` });
    // Every notification consumed by a refresh: nothing left that could trigger more reads.
    await waitFor(async () => (await stack.runtime.db.query<{ n: number }>('select count(*)::int as n from notifications where refreshed_at is null'))[0].n === 0);
    await waitFor(async () => (await stack.runtime.boss.getQueueStats(`delivery.${stack.vtex.account}.mercadolivre`))[0]?.activeCount === 0);

    const figures = {
      notifications: ids.length * PER_SKU,
      sendSeconds: sentIn / 1000,
      skuReads: stack.vtex.counters.skuReads,
      maxReadsOneSku: Math.max(...stack.vtex.counters.perSkuReads.values()),
      simulations: stack.vtex.counters.simulations,
      marketplaceRequests: stack.ml.counters.requests,
      creates: stack.ml.counters.creates,
      updates: stack.ml.counters.updates,
    };
    console.log(JSON.stringify({ coalescing: figures }));
    expect(figures.skuReads).toBeLessThanOrEqual(SKUS * 1.1);
    expect(figures.marketplaceRequests).toBeLessThanOrEqual(SKUS * 1.1);
    expect(figures.creates).toBe(SKUS);
    expect(stack.ml.items.size).toBe(SKUS);
  });
});
