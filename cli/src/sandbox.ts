import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { ConnectorRuntime, createLogger, parseConfig, type Database, type Logger } from '@connector/core';
import { FakeMercadoLivre, FakeVtex, type CatalogSku } from '@connector/fakes';
import { buildServer } from '@connector/server';

/** The demo store's mapped category, and one left unmapped so the admin UI's Errors page has work. */
export const SANDBOX_CATEGORY = 1;
export const SANDBOX_UNMAPPED_CATEGORY = 2;
export const SANDBOX_ML_CATEGORY = 'MLB1055';

export interface SandboxOptions {
  /** The connector's port; 0 picks a free one (default 8080, or a free one when busy). */
  port?: number;
  host?: string;
  /** Ports of the fake VTEX and the fake Mercado Livre (default 0: free ones). */
  vtexPort?: number;
  mlPort?: number;
  /** SKUs in the demo catalog (mapped category). */
  skus?: number;
  /** SKUs in a category with no mapping (they wait in pending-category until it is mapped in the UI). */
  unmappedSkus?: number;
  /** The integration's minimum stock (VTEX's minimum stock control; default 3). */
  minimumStock?: number;
  /** Requests/s the fake Mercado Livre accepts before answering 429. */
  mlRate?: number;
  /** Embedded database folder, wiped at start (default ./.connector/sandbox); ignored when `database` is given. */
  dataDir?: string;
  /** An open database (tests run the sandbox on their own PGlite or Postgres schema). */
  database?: Database;
  /** The admin token (default: CONNECTOR_ADMIN_TOKEN, else a random one, printed). */
  adminToken?: string;
  /** The secrets key (default: CONNECTOR_SECRETS_KEY, else a random one for this run). */
  secretsKey?: string;
  /** Edits the raw config before it is parsed (delivery retries, more integrations, …). */
  configure?: (raw: Record<string, any>) => void;
  logger?: Logger;
}

export interface Sandbox {
  /** The connector's base URL (admin UI at `${url}/admin`). */
  url: string;
  webhook: string;
  adminToken: string;
  vtex: FakeVtex;
  ml: FakeMercadoLivre;
  runtime: ConnectorRuntime;
  app: FastifyInstance;
  /** The mapped SKUs, then the unmapped ones. */
  skus: CatalogSku[];
  unmapped: CatalogSku[];
  stop(): Promise<void>;
}

export const SANDBOX_WEBHOOK_TOKEN = 'sandbox-webhook-token';

/**
 * Fake VTEX, fake Mercado Livre, a demo store and the runtime with its HTTP server (webhook, admin
 * API and UI, metrics) — everything on this machine. `connector sandbox` runs it with a stream of
 * notifications; the admin UI's browser tests start it programmatically.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const mlRate = options.mlRate ?? 30;
  const vtex = await FakeVtex.start({ account: 'sandbox', port: options.vtexPort ?? 0 });
  const ml = await FakeMercadoLivre.start({ port: options.mlPort ?? 0, rateLimit: { perSecond: mlRate, burst: mlRate } });
  const skus = vtex.seed(options.skus ?? 300, { categoryId: SANDBOX_CATEGORY, salesChannel: 1 });
  const unmapped = options.unmappedSkus ? vtex.seed(options.unmappedSkus, { categoryId: SANDBOX_UNMAPPED_CATEGORY, salesChannel: 1 }) : [];
  const adminToken = options.adminToken ?? process.env.CONNECTOR_ADMIN_TOKEN ?? randomBytes(18).toString('base64url');
  const raw: Record<string, any> = {
    stores: [
      {
        account: 'sandbox',
        webhookToken: SANDBOX_WEBHOOK_TOKEN,
        vtex: { baseUrl: vtex.url, appKey: vtex.appKey, appToken: vtex.appToken, affiliateId: 'SBX', salesChannel: 1 },
        integrations: [
          {
            marketplace: 'mercadolivre',
            minimumStock: options.minimumStock ?? 3,
            categoryMappings: { [String(SANDBOX_CATEGORY)]: SANDBOX_ML_CATEGORY },
            settings: { accessToken: ml.issueAccessToken(), apiBaseUrl: ml.url },
            // The fake allows mlRate requests/s: this integration's plan says so (overrides the plugin's 5/s).
            limits: { rate: { default: { perSecond: mlRate, burst: mlRate } } },
          },
        ],
      },
    ],
    admin: { tokens: [{ name: 'sandbox', token: adminToken }] },
  };
  options.configure?.(raw);
  const config = parseConfig(raw, { source: 'sandbox' });
  if (!options.database) rmSync(options.dataDir ?? './.connector/sandbox', { recursive: true, force: true });
  // The embedded database even when DATABASE_URL is set: the sandbox never touches a real one unless handed it.
  const logger = options.logger ?? createLogger({ level: process.env.CONNECTOR_LOG_LEVEL ?? 'warn' });
  const runtime = await ConnectorRuntime.create({
    config,
    database: options.database ?? { dataDir: options.dataDir ?? './.connector/sandbox' },
    logger,
    secretsKey: options.secretsKey ?? process.env.CONNECTOR_SECRETS_KEY ?? randomBytes(32).toString('base64'),
  });
  let app: FastifyInstance | undefined;
  try {
    await runtime.start();
    app = buildServer(runtime);
    const host = options.host ?? '127.0.0.1';
    // A busy default port should not stop a newcomer's first run: take any free one instead.
    const url = await app.listen({ port: options.port ?? 8080, host }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE' || options.port !== undefined) throw error;
      return app!.listen({ port: 0, host });
    });
    const server = app;
    return {
      url,
      webhook: `${url}/api/notification?token=${SANDBOX_WEBHOOK_TOKEN}`,
      adminToken,
      vtex,
      ml,
      runtime,
      app: server,
      skus,
      unmapped,
      async stop() {
        await server.close();
        await runtime.stop();
        await ml.close();
        await vtex.close();
      },
    };
  } catch (error) {
    await app?.close().catch(() => undefined);
    await runtime.stop().catch(() => undefined);
    await ml.close();
    await vtex.close();
    throw error;
  }
}
