import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRuntime, createLogger, parseConfig } from '@connector/core';
import { buildServer } from '@connector/server';
import { FakeMercadoLivre, FakeVtex } from '../fakes/index.js';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { CATEGORY_ID, notifyAll, stackConfig, WEBHOOK_TOKEN } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const RATE = 40;
const BURST = 8;

describe('two runtimes on one database', () => {
  let vtex: FakeVtex;
  let ml: FakeMercadoLivre;
  let tdb: TestDatabase;
  const runtimes: ConnectorRuntime[] = [];
  const tokens: string[] = [];
  let app: ReturnType<typeof buildServer>;
  let webhook: string;
  const SKUS = 160;

  beforeAll(async () => {
    vtex = await FakeVtex.start({ account: 'sharedstore' });
    ml = await FakeMercadoLivre.start({ rateLimit: { perSecond: RATE, burst: BURST } });
    vtex.seed(SKUS, { categoryId: CATEGORY_ID, salesChannel: 1 });
    tdb = await openTestDatabase();
    for (let i = 0; i < 2; i++) {
      // Same store and integration; each runtime has its own token so the fake can tell who called.
      const token = ml.issueAccessToken();
      tokens.push(token);
      const config = parseConfig(stackConfig(vtex, ml, token, { limits: { rate: { default: { perSecond: RATE, burst: BURST } }, concurrency: 4 } }));
      const runtime = await ConnectorRuntime.create({ config, database: tdb.db, logger: createLogger({ level: process.env.CONNECTOR_TEST_LOG ?? 'silent' }) });
      await runtime.start();
      runtimes.push(runtime);
    }
    app = buildServer(runtimes[0]!);
    webhook = `${await app.listen({ port: 0, host: '127.0.0.1' })}/api/notification?token=${WEBHOOK_TOKEN}`;
  });
  afterAll(async () => {
    await app?.close();
    for (const r of runtimes) await r.stop();
    await tdb?.cleanup();
    await ml?.close();
    await vtex?.close();
  });

  it('share the work (no SKU delivered twice) and one rate budget (no 429)', async () => {
    await notifyAll({ vtex, webhook }, vtex.listSkus().map((s) => s.id));
    await waitFor(() => ml.counters.creates === SKUS, { timeoutMs: 90_000, describe: () => `${ml.counters.creates} created` });
    expect(ml.items.size).toBe(SKUS);
    expect([...ml.counters.createsBySku.values()].every((n) => n === 1)).toBe(true);
    // Both did part of it…
    const perRuntime = tokens.map((t) => ml.counters.requestsByToken.get(t) ?? 0);
    expect(perRuntime.every((n) => n > 0)).toBe(true);
    // …within the marketplace's limit, together.
    expect(ml.counters.rateLimited).toBe(0);
    expect(ml.counters.maxObservedPerSecond).toBeLessThanOrEqual(RATE + BURST);
    const [budget] = await runtimes[0]!.budgets.status(vtex.account, 'mercadolivre');
    expect(budget).toMatchObject({ operation: 'default', rate: RATE, rateLimited: 0 });
    expect(budget!.granted).toBeGreaterThanOrEqual(SKUS);
  });
});
