import type { CommandModule } from 'yargs';
import { databaseOptions, openRuntime } from './shared.js';

interface Args {
  config: string;
  json: boolean;
  'data-dir'?: string;
}

const statusCommand: CommandModule<object, Args> = {
  command: 'status',
  describe: 'Circuit breakers, paused integrations, rate budgets, dead letters and recent lots',
  builder: (y) => y.option('config', { type: 'string', demandOption: true }).option('json', { type: 'boolean', default: false }).options(databaseOptions) as never,
  handler: async (args) => {
    const runtime = await openRuntime(args, { workers: false });
    try {
      await runtime.start();
      const integrations = runtime.stores.list().flatMap((s) => s.integrations.map((i) => ({ store: s.account, marketplace: i.marketplace })));
      const report = [];
      for (const { store, marketplace } of integrations) {
        const [breaker] = await runtime.breakers.status(store, marketplace);
        const [pause] = await runtime.contingency.status(store, marketplace);
        report.push({
          store,
          marketplace,
          breaker: breaker ?? { state: 'closed' },
          pause: pause ?? { paused: false },
          budgets: await runtime.budgets.status(store, marketplace),
          deadLetters: await runtime.deadLetters.count(store, marketplace),
          lots: await runtime.lots.list(store, marketplace, { limit: 5 }),
          initialLoads: await runtime.initialLoad.list(store, marketplace),
        });
      }
      if (args.json) return void process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      for (const r of report) {
        const b = r.breaker as { state: string; consecutiveFailures?: number; openUntil?: string | null; lastError?: string | null };
        process.stdout.write(`${r.store} → ${r.marketplace}\n`);
        process.stdout.write(`  breaker: ${b.state}${b.consecutiveFailures ? ` (${b.consecutiveFailures} failures in a row)` : ''}${b.state !== 'closed' && b.openUntil ? `, next probe ${b.openUntil}` : ''}${b.lastError && b.state !== 'closed' ? `\n    last error: ${b.lastError}` : ''}\n`);
        const p = r.pause as { paused: boolean; reason?: string | null; nextProbeAt?: string | null };
        process.stdout.write(`  credentials: ${p.paused ? `PAUSED — ${p.reason}; next check ${p.nextProbeAt}` : 'ok'}\n`);
        for (const g of r.budgets) {
          process.stdout.write(`  budget ${g.operation}: ${g.rate.toFixed(2)}/s × ${g.factor.toFixed(2)}, ${g.available}/${g.capacity} free now, ${g.granted} calls, ${g.rateLimited} × 429${g.blockedUntil ? `, waiting until ${g.blockedUntil}` : ''}\n`);
        }
        process.stdout.write(`  dead letters: ${r.deadLetters}\n`);
        for (const l of r.lots) process.stdout.write(`  lot #${l.id} ${l.operation} ${l.status}: ${l.item_count} items${l.accepted !== null ? `, ${l.accepted} accepted, ${l.rejected} refused` : ''}\n`);
        for (const l of r.initialLoads.slice(0, 3)) process.stdout.write(`  initial load #${l.id} ${l.status}: ${l.settled}/${l.listed} settled\n`);
      }
    } finally {
      await runtime.stop();
    }
  },
};

export const deliveryCommand: CommandModule = {
  command: 'delivery <command>',
  describe: 'Delivery engine state: delivery status',
  builder: (y) => y.command(statusCommand).demandCommand(1, 'Name a delivery command: status'),
  handler: () => undefined,
};
