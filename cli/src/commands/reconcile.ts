import type { CommandModule } from 'yargs';
import { databaseOptions, openRuntime } from './shared.js';

interface Args {
  config: string;
  store: string;
  marketplace?: string;
  scope: 'hot' | 'full' | 'refresh';
  json: boolean;
  'data-dir'?: string;
}

export const reconcileCommand: CommandModule<object, Args> = {
  command: 'reconcile',
  describe: "Compare a marketplace's stock and price with VTEX now (best sellers first), record and repair every drift",
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'JSON config file' })
      .option('store', { type: 'string', demandOption: true, describe: 'VTEX account' })
      .option('marketplace', { type: 'string', describe: 'Marketplace id (not needed with --scope refresh)' })
      .option('scope', { choices: ['hot', 'full', 'refresh'] as const, default: 'full' as const, describe: 'hot: best sellers only; full: every delivered SKU; refresh: VTEX side only, every SKU of the store' })
      .option('json', { type: 'boolean', default: false })
      .options(databaseOptions)
      .check((a) => (a.scope !== 'refresh' && !a.marketplace ? '--marketplace is required unless --scope refresh' : true)) as never,
  handler: async (args) => {
    // Workers on: the repairs this run enqueues are delivered before the command returns its summary.
    const runtime = await openRuntime(args, { workers: true });
    try {
      await runtime.start();
      const run = args.scope === 'refresh' ? await runtime.reconciler.refresh(args.store) : await runtime.reconciler.runOnce(args.store, args.marketplace!, { scope: args.scope });
      const drifts = await runtime.reconciler.drifts({ runId: run.id });
      if (args.json) return void process.stdout.write(`${JSON.stringify({ run, drifts }, null, 2)}\n`);
      process.stdout.write(`Run #${run.id} (${run.kind}) ${run.status}: ${run.checked} SKUs checked, ${run.drifted} drifted${run.error ? ` — ${run.error}` : ''}\n`);
      for (const d of drifts) {
        const fields = Object.entries(d.fields).map(([k, v]) => `${k} ${JSON.stringify(v.actual)} → ${JSON.stringify(v.expected)}`).join(', ');
        process.stdout.write(`  SKU ${d.skuId}${d.hotRank ? ` (best seller #${d.hotRank})` : ''}: ${d.kind} drift, ${fields}; repair queued\n`);
      }
    } finally {
      await runtime.stop();
    }
  },
};
