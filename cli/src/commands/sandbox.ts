import { rmSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { ConnectorRuntime, createLogger, parseConfig } from '@connector/core';
import { FakeMercadoLivre, FakeVtex } from '@connector/fakes';
import { buildServer } from '@connector/server';
import { untilSignal } from './shared.js';

interface Args {
  port: number;
  skus: number;
  'data-dir': string;
  duration?: number;
  'ml-rate': number;
}

const CATEGORY = 1;

/**
 * A newcomer's first run: fake VTEX and fake Mercado Livre on this machine, a demo store with a few
 * hundred SKUs, the runtime on the embedded database, and a stream of notifications — then a
 * running count of SKUs synced. Nothing leaves the machine.
 */
export const sandboxCommand: CommandModule<object, Args> = {
  command: 'sandbox',
  describe: 'Start fakes of VTEX and Mercado Livre, a demo store, and the runtime; stream notifications and show SKUs syncing',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: 8080, describe: 'Port for the connector (0 picks a free one)' })
      .option('skus', { type: 'number', default: 300, describe: 'SKUs in the demo catalog' })
      .option('data-dir', { type: 'string', default: './.connector/sandbox', describe: 'Embedded database folder (wiped at start)' })
      .option('duration', { type: 'number', describe: 'Stop after this many seconds (default: run until Ctrl-C)' })
      .option('ml-rate', { type: 'number', default: 30, describe: 'Requests/s the fake Mercado Livre accepts before answering 429' }) as never,
  handler: async (args) => {
    const vtex = await FakeVtex.start({ account: 'sandbox' });
    const ml = await FakeMercadoLivre.start({ rateLimit: { perSecond: args['ml-rate'], burst: args['ml-rate'] } });
    const skus = vtex.seed(args.skus, { categoryId: CATEGORY, salesChannel: 1 });

    rmSync(args['data-dir'], { recursive: true, force: true });
    const webhookToken = 'sandbox-webhook-token';
    const config = parseConfig({
      stores: [
        {
          account: 'sandbox',
          webhookToken,
          vtex: { baseUrl: vtex.url, appKey: vtex.appKey, appToken: vtex.appToken, affiliateId: 'SBX', salesChannel: 1 },
          integrations: [
            {
              marketplace: 'mercadolivre',
              categoryMappings: { [String(CATEGORY)]: 'MLB1055' },
              settings: { accessToken: ml.issueAccessToken(), apiBaseUrl: ml.url },
              // The fake allows --ml-rate requests/s: this integration's plan says so (overrides the plugin's 5/s).
              limits: { rate: { default: { perSecond: args['ml-rate'], burst: args['ml-rate'] } } },
            },
          ],
        },
      ],
    }, { source: 'sandbox' });
    // The embedded database even when DATABASE_URL is set: the sandbox never touches a real one.
    // Warnings only by default: the running count below is the sandbox's output.
    const logger = createLogger({ level: process.env.CONNECTOR_LOG_LEVEL ?? 'warn' });
    const runtime = await ConnectorRuntime.create({ config, database: { dataDir: args['data-dir'] }, logger });
    await runtime.start();
    const app = buildServer(runtime);
    // A busy default port should not stop a newcomer's first run: take any free one instead.
    const address = await app.listen({ port: args.port, host: '127.0.0.1' }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EADDRINUSE') throw error;
      return app.listen({ port: 0, host: '127.0.0.1' });
    });
    const webhook = `${address}/api/notification?token=${webhookToken}`;

    const out = (line: string) => process.stdout.write(`${line}\n`);
    out('');
    out('Connector sandbox is running. Nothing here talks to the internet.');
    out(`  webhook (VTEX posts here)   ${address}/api/notification?token=…`);
    out(`  health / readiness          ${address}/health  ${address}/ready`);
    out(`  fake VTEX                   ${vtex.url}/api/catalog_system/pvt/sku/stockkeepingunitbyid/${skus[0].id}  (needs the app key headers)`);
    out(`  fake Mercado Livre          ${ml.url}/items/<id>  (Bearer token)`);
    out(`  embedded database          ${args['data-dir']}`);
    out(`Sending one notification per SKU (${skus.length}), then a price or stock change every 200 ms. Ctrl-C stops.`);
    out('');

    const stop = new AbortController();
    const started = Date.now();
    const feed = (async () => {
      for (const sku of skus) {
        if (stop.signal.aborted) return;
        await vtex.notify(webhook, sku.id, { HasStockKeepingUnitModified: true });
      }
      for (let i = 0; !stop.signal.aborted; i++) {
        const sku = skus[(i * 7919) % skus.length];
        const changed = i % 2 ? vtex.updateSku(sku.id, { stock: (sku.stock + 3) % 50 }) : vtex.updateSku(sku.id, { price: sku.price + 100 });
        await vtex.notify(webhook, changed.id, i % 2 ? { StockModified: true } : { PriceModified: true });
        await new Promise((r) => setTimeout(r, 200));
      }
    })().catch((error: unknown) => out(`notification feed stopped: ${(error as Error).message}`));

    const report = setInterval(async () => {
      const [row] = await runtime.db
        .query<{ synced: number; total: number }>(
          `select count(*) filter (where status = 'synced')::int as synced, count(*)::int as total from sku_state where store = 'sandbox'`,
        )
        .catch(() => [{ synced: 0, total: 0 }]);
      const secs = ((Date.now() - started) / 1000).toFixed(0);
      out(`[${secs.padStart(4)} s] SKUs synced to Mercado Livre: ${row.synced}/${skus.length}  items on fake ML: ${ml.items.size}  updates: ${ml.counters.updates}  429s waited out: ${ml.counters.rateLimited}`);
    }, 1000);

    const timer = args.duration ? new Promise((r) => setTimeout(r, args.duration! * 1000)) : new Promise(() => undefined);
    await Promise.race([untilSignal(), timer]);
    stop.abort();
    clearInterval(report);
    await feed;
    await app.close();
    await runtime.stop();
    await ml.close();
    await vtex.close();
    out('Sandbox stopped.');
  },
};
