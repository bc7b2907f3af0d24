import type { CommandModule } from 'yargs';
import { ConnectorRuntime, createLogger, loadConfigFile, openDatabase } from '@connector/core';

interface Args {
  config: string;
  json: boolean;
}

const listCommand: CommandModule<object, Args> = {
  command: 'list',
  describe: 'Installed marketplace plugins, and the limits the core enforces for each integration (plugin values with the config overrides)',
  builder: (y) =>
    y.option('config', { type: 'string', demandOption: true, describe: 'JSON config file' }).option('json', { type: 'boolean', default: false }) as never,
  handler: async (args) => {
    const config = loadConfigFile(args.config);
    // Only the plugin manifests and the config are needed: an in-memory database, so a running server is no obstacle.
    const runtime = await ConnectorRuntime.create({ config, database: await openDatabase({ dataDir: 'memory://' }), workers: false, logger: createLogger({ level: 'error' }) });
    try {
      const plugins = runtime.plugins.list().map((p) => ({
        marketplace: p.manifest.contributes.marketplace.id,
        name: p.manifest.name,
        version: p.manifest.version,
        dir: p.dir,
        capabilities: p.manifest.contributes.marketplace.capabilities ?? { mode: 'item' },
      }));
      const integrations = config.stores.flatMap((s) => s.integrations.map((i) => runtime.effectiveLimits(s.account, i.marketplace)));
      if (args.json) return void process.stdout.write(`${JSON.stringify({ plugins, integrations }, null, 2)}\n`);
      for (const p of plugins) process.stdout.write(`${p.marketplace}  ${p.name}@${p.version}  (${p.capabilities.mode})  ${p.dir}\n`);
      process.stdout.write('\nEffective limits per integration (source in brackets):\n');
      for (const i of integrations) {
        process.stdout.write(`  ${i.store} → ${i.marketplace} (${i.plugin}, ${i.capabilities.mode}${i.capabilities.needsProductBeforeOffer ? ', product before offer' : ''})\n`);
        for (const [op, r] of Object.entries(i.limits.rate)) {
          const rate = [r.perSecond !== undefined && `${r.perSecond}/s`, r.perMinute !== undefined && `${r.perMinute}/min`].filter(Boolean).join(' and ');
          const b = i.buckets[op]!;
          process.stdout.write(`    rate ${op}: ${rate}, burst ${r.burst} [${i.limits.source.rate[op]}] — enforced as ${b.rate.toFixed(3)}/s, burst ${b.capacity}\n`);
        }
        if (!Object.keys(i.limits.rate).length) process.stdout.write('    rate: not limited\n');
        const { maxItems, maxBytes, maxWaitMs } = i.limits.batch;
        const s = i.limits.source.batch;
        process.stdout.write(`    batch: ${maxItems} items [${s.maxItems}], ${maxBytes} bytes [${s.maxBytes}], ${maxWaitMs} ms wait [${s.maxWaitMs}]\n`);
        process.stdout.write(`    concurrency: ${i.limits.concurrency} [${i.limits.source.concurrency}]\n`);
      }
    } finally {
      await runtime.stop();
    }
  },
};

export const pluginCommand: CommandModule = {
  command: 'plugin <command>',
  describe: 'Marketplace plugins: plugin list',
  builder: (y) => y.command(listCommand).demandCommand(1, 'Name a plugin command: list'),
  handler: () => undefined,
};
