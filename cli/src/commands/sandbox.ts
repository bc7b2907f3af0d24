import type { CommandModule } from 'yargs';
import { SANDBOX_UNMAPPED_CATEGORY, startSandbox } from '../sandbox.js';
import { untilSignal } from './shared.js';

interface Args {
  port: number;
  skus: number;
  'unmapped-skus': number;
  'minimum-stock': number;
  'data-dir': string;
  duration?: number;
  'ml-rate': number;
}

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
      .option('unmapped-skus', { type: 'number', default: 5, describe: 'SKUs in a category left unmapped (map it in the admin UI)' })
      .option('minimum-stock', { type: 'number', default: 3, describe: "The integration's minimum stock (warnings on the inventory page)" })
      .option('data-dir', { type: 'string', default: './.connector/sandbox', describe: 'Embedded database folder (wiped at start)' })
      .option('duration', { type: 'number', describe: 'Stop after this many seconds (default: run until Ctrl-C)' })
      .option('ml-rate', { type: 'number', default: 30, describe: 'Requests/s the fake Mercado Livre accepts before answering 429' }) as never,
  handler: async (args) => {
    const sandbox = await startSandbox({
      port: args.port === 8080 ? undefined : args.port,
      skus: args.skus,
      unmappedSkus: args['unmapped-skus'],
      minimumStock: args['minimum-stock'],
      mlRate: args['ml-rate'],
      dataDir: args['data-dir'],
    });
    const { url: address, vtex, ml, runtime, webhook } = sandbox;
    const skus = [...sandbox.skus, ...sandbox.unmapped];

    const out = (line: string) => process.stdout.write(`${line}\n`);
    out('');
    out('Connector sandbox is running. Nothing here talks to the internet.');
    out(`  admin UI                    ${address}/admin   token: ${sandbox.adminToken}`);
    out(`  admin API docs              ${address}/admin/api/docs`);
    out(`  webhook (VTEX posts here)   ${address}/api/notification?token=…`);
    out(`  health / readiness          ${address}/health  ${address}/ready`);
    out(`  metrics (Prometheus)        ${address}/metrics`);
    out(`  fake VTEX                   ${vtex.url}/api/catalog_system/pvt/sku/stockkeepingunitbyid/${skus[0]?.id}  (needs the app key headers)`);
    out(`  fake Mercado Livre          ${ml.url}/items/<id>  (Bearer token)`);
    out(`  embedded database          ${args['data-dir']}`);
    if (sandbox.unmapped.length) out(`${sandbox.unmapped.length} SKUs are in VTEX category ${SANDBOX_UNMAPPED_CATEGORY}, left unmapped: map it on the admin UI's Errors page and they go out.`);
    out(`Sending one notification per SKU (${skus.length}), then a price or stock change every 200 ms. Ctrl-C stops.`);
    out('');

    const stop = new AbortController();
    const started = Date.now();
    const feed = (async () => {
      for (const sku of skus) {
        if (stop.signal.aborted) return;
        await vtex.notify(webhook, sku.id, { HasStockKeepingUnitModified: true });
      }
      for (let i = 0; !stop.signal.aborted && sandbox.skus.length; i++) {
        const sku = sandbox.skus[(i * 7919) % sandbox.skus.length];
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
    await sandbox.stop();
    out('Sandbox stopped.');
  },
};
