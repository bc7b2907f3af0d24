import type { FastifyInstance } from 'fastify';
import { ConnectorRuntime, createLogger, parseConfig, type RuntimeOptions } from '@connector/core';
import { buildServer } from '@connector/server';
import { FakeMercadoLivre, FakeVtex, type FakeMercadoLivreOptions, type FakeVtexOptions } from '../fakes/index.js';
import { openTestDatabase, type TestDatabase } from './database.js';

export const CATEGORY_ID = 7;
export const ML_CATEGORY = 'MLB1055';
export const WEBHOOK_TOKEN = 'test-webhook-token';

export interface StackOptions {
  skus?: number;
  vtex?: FakeVtexOptions;
  ml?: FakeMercadoLivreOptions;
  workers?: boolean;
  categoryMappings?: Record<string, string>;
  minimumStock?: number;
  /** The integration's merchant policies (stockBuffer, priceDropGuard). */
  policies?: Record<string, unknown>;
  /** Edits the raw config before it is parsed: more integrations, plugin paths, pipeline settings. */
  configure?: (raw: { stores: Array<Record<string, any>>; [key: string]: any }) => void;
  /** `integrations[].limits` of the Mercado Livre integration (overrides the plugin's). */
  limits?: Record<string, unknown>;
  /** The config's `delivery` section (retries, breaker, …). */
  delivery?: Record<string, unknown>;
  /** The config's `reconciliation` section; tests turn the schedules off unless they say otherwise. */
  reconciliation?: Record<string, unknown>;
  /** Extension host options (e.g. where discovery looks for npm-installed plugins). */
  pluginHost?: RuntimeOptions['pluginHost'];
}

export interface Stack {
  vtex: FakeVtex;
  ml: FakeMercadoLivre;
  tdb: TestDatabase;
  runtime: ConnectorRuntime;
  app: FastifyInstance;
  /** Full webhook URL with the store's token. */
  webhook: string;
  /** The store's config as JSON (for child processes). */
  rawConfig: Record<string, unknown>;
  close(): Promise<void>;
}

export function stackConfig(vtex: FakeVtex, ml: FakeMercadoLivre, accessToken: string, options: StackOptions = {}) {
  return {
    stores: [
      {
        account: vtex.account,
        webhookToken: WEBHOOK_TOKEN,
        vtex: { baseUrl: vtex.url, appKey: vtex.appKey, appToken: vtex.appToken, affiliateId: 'TST', salesChannel: 1 },
        integrations: [
          {
            marketplace: 'mercadolivre',
            minimumStock: options.minimumStock ?? 0,
            categoryMappings: options.categoryMappings ?? { [String(CATEGORY_ID)]: ML_CATEGORY },
            ...(options.policies ? { policies: options.policies } : {}),
            settings: { accessToken, apiBaseUrl: ml.url },
            ...(options.limits && { limits: options.limits }),
          },
        ],
      },
    ],
    ...(options.delivery && { delivery: options.delivery }),
    reconciliation: { enabled: false, ...options.reconciliation },
  };
}

/** Fake VTEX + fake Mercado Livre + a runtime on this file's own database + the HTTP server. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const vtex = await FakeVtex.start({ account: 'teststore', ...options.vtex });
  const ml = await FakeMercadoLivre.start(options.ml);
  vtex.seed(options.skus ?? 0, { categoryId: CATEGORY_ID, salesChannel: 1 });
  const rawConfig: ReturnType<typeof stackConfig> & Record<string, any> = stackConfig(vtex, ml, ml.issueAccessToken(), options);
  options.configure?.(rawConfig);
  const tdb = await openTestDatabase();
  const runtime = await ConnectorRuntime.create({
    config: parseConfig(rawConfig),
    database: tdb.db,
    logger: createLogger({ level: process.env.CONNECTOR_TEST_LOG ?? 'silent' }),
    workers: options.workers ?? true,
    ...(options.pluginHost ? { pluginHost: options.pluginHost } : {}),
  });
  await runtime.start();
  const app = buildServer(runtime);
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    vtex,
    ml,
    tdb,
    runtime,
    app,
    webhook: `${address}/api/notification?token=${WEBHOOK_TOKEN}`,
    rawConfig,
    async close() {
      await app.close();
      await runtime.stop();
      await tdb.cleanup();
      await ml.close();
      await vtex.close();
    },
  };
}

/** Sends one notification per SKU id, `concurrency` at a time; every answer must be 200. */
export async function notifyAll(stack: Pick<Stack, 'vtex' | 'webhook'>, skuIds: number[], flags: Record<string, boolean> = { HasStockKeepingUnitModified: true }, concurrency = 16) {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < skuIds.length) {
        const id = skuIds[next++];
        statuses.push(await stack.vtex.notify(stack.webhook, id, flags));
      }
    }),
  );
  const bad = statuses.filter((s) => s !== 200);
  if (bad.length) throw new Error(`${bad.length} notifications were not accepted: ${[...new Set(bad)].join(', ')}`);
}
