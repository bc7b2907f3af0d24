/**
 * The fixture feed plugin (test/fixtures/plugins/feedmarket) against the generic feed fake, behind a real
 * runtime and webhook on this file's own database: the stack of the core's feed-lot tests.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConnectorRuntime, createLogger, parseConfig } from '@connector/core';
import { buildServer } from '@connector/server';
import { FakeFeedMarketplace, FakeVtex, type FakeFeedMarketplaceOptions } from '../fakes/index.js';
import { openTestDatabase, type TestDatabase } from './database.js';
import { WEBHOOK_TOKEN } from './stack.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/plugins');
export const FEED_CATEGORY = 20;

export interface FeedmarketStack {
  vtex: FakeVtex;
  fm: FakeFeedMarketplace;
  tdb: TestDatabase;
  runtime: ConnectorRuntime;
  webhook: string;
  close(): Promise<void>;
}

export async function startFeedmarketStack(options: {
  account: string;
  skus: number;
  fake: FakeFeedMarketplaceOptions;
  /** The integration's `limits` (overrides the fixture manifest's). */
  limits?: Record<string, unknown>;
  delivery: Record<string, unknown>;
}): Promise<FeedmarketStack> {
  const vtex = await FakeVtex.start({ account: options.account });
  const fm = await FakeFeedMarketplace.start(options.fake);
  vtex.seed(options.skus, { categoryId: FEED_CATEGORY, salesChannel: 1 });
  const tdb = await openTestDatabase();
  const config = parseConfig({
    stores: [
      {
        account: vtex.account,
        webhookToken: WEBHOOK_TOKEN,
        vtex: { baseUrl: vtex.url, appKey: vtex.appKey, appToken: vtex.appToken, affiliateId: 'TST', salesChannel: 1 },
        integrations: [
          {
            marketplace: 'feedmarket',
            categoryMappings: { [String(FEED_CATEGORY)]: 'shoes' },
            settings: { clientId: fm.clientId, clientSecret: fm.clientSecret, refreshToken: fm.refreshToken, apiBaseUrl: fm.url },
            ...(options.limits && { limits: options.limits }),
          },
        ],
      },
    ],
    plugins: { paths: [FIXTURES] },
    delivery: options.delivery,
    reconciliation: { enabled: false },
  });
  const runtime = await ConnectorRuntime.create({ config, database: tdb.db, logger: createLogger({ level: process.env.CONNECTOR_TEST_LOG ?? 'silent' }) });
  await runtime.start();
  const app = buildServer(runtime);
  const webhook = `${await app.listen({ port: 0, host: '127.0.0.1' })}/api/notification?token=${WEBHOOK_TOKEN}`;
  return {
    vtex,
    fm,
    tdb,
    runtime,
    webhook,
    async close() {
      await app.close();
      await runtime.stop();
      await tdb.cleanup();
      await fm.close();
      await vtex.close();
    },
  };
}
