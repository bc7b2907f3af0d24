import type { CommandModule } from 'yargs';
import { databaseOptions, openRuntime } from './shared.js';

interface Args {
  config: string;
  store?: string;
  marketplace?: string;
  id?: string[];
  json: boolean;
  'data-dir'?: string;
}

const common = (y: import('yargs').Argv) =>
  y
    .option('config', { type: 'string', demandOption: true, describe: 'JSON config file' })
    .option('store', { type: 'string', describe: 'Only this store (VTEX account)' })
    .option('marketplace', { type: 'string', describe: 'Only this marketplace' })
    .option('json', { type: 'boolean', default: false, describe: 'Print JSON' })
    .options(databaseOptions);

const listCommand: CommandModule<object, Args> = {
  command: 'list',
  describe: 'Work that failed every retry, with its last error',
  builder: (y) => common(y) as never,
  handler: async (args) => {
    const runtime = await openRuntime(args, { workers: false });
    try {
      await runtime.start();
      const dead = await runtime.deadLetters.list({ store: args.store, marketplace: args.marketplace });
      if (args.json) return void process.stdout.write(`${JSON.stringify(dead, null, 2)}\n`);
      if (!dead.length) return void process.stdout.write('No dead letters.\n');
      for (const d of dead) {
        const what = d.skuId ? `SKU ${d.skuId}` : d.lotId ? `lot ${d.lotId}` : d.queue;
        const error = (d.lastError as { message?: string } | null)?.message ?? JSON.stringify(d.lastError);
        process.stdout.write(`${d.id}  ${d.store} → ${d.marketplace}  ${what}  dead since ${d.deadSince} after ${d.retries ?? '?'} retries\n    ${error}\n`);
      }
      process.stdout.write(`${dead.length} dead letter${dead.length === 1 ? '' : 's'}. Replay: connector dlq replay --config ${args.config}${args.store ? ` --store ${args.store}` : ''}${args.marketplace ? ` --marketplace ${args.marketplace}` : ''}\n`);
    } finally {
      await runtime.stop();
    }
  },
};

const replayCommand: CommandModule<object, Args> = {
  command: 'replay',
  describe: 'Send dead-lettered work back to its queue with fresh retries (all of it, or --id …)',
  builder: (y) => common(y).option('id', { type: 'string', array: true, describe: 'Dead-letter ids to replay (from dlq list); default all' }) as never,
  handler: async (args) => {
    const runtime = await openRuntime(args, { workers: false });
    try {
      await runtime.start();
      const results = await runtime.deadLetters.replay({ store: args.store, marketplace: args.marketplace, ids: args.id });
      if (args.json) return void process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      if (!results.length) return void process.stdout.write('Nothing to replay.\n');
      for (const r of results) {
        process.stdout.write(`${r.store} → ${r.marketplace}: ${r.replayed} replayed${r.skipped ? `, ${r.skipped} left (the same SKU is already queued)` : ''}\n`);
      }
    } finally {
      await runtime.stop();
    }
  },
};

export const dlqCommand: CommandModule = {
  command: 'dlq <command>',
  describe: 'Dead-letter queues: dlq list | dlq replay',
  builder: (y) => y.command(listCommand).command(replayCommand).demandCommand(1, 'Name a dlq command: list or replay'),
  handler: () => undefined,
};
