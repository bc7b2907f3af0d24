import cliProgress from 'cli-progress';
import type { CommandModule } from 'yargs';
import { Errors, type InitialLoadProgress } from '@connector/core';
import { databaseOptions, openRuntime, untilSignal } from './shared.js';

interface Args {
  config: string;
  store: string;
  marketplace: string;
  'page-size': number;
  workers: boolean;
  wait: boolean;
  'data-dir'?: string;
}

/** How often the progress is read; the rate is smoothed over about ten readings. */
const TICK_MS = 500;
const SMOOTHING = 0.2;

export const syncCommand: CommandModule<object, Args> = {
  command: 'sync',
  describe: "Initial load: send every SKU of the store's trade policy to one marketplace (resumable; shows progress, rate and ETA)",
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'JSON config file' })
      .option('store', { type: 'string', demandOption: true, describe: 'VTEX account (stores[].account)' })
      .option('marketplace', { type: 'string', demandOption: true, describe: 'Marketplace id (integrations[].marketplace)' })
      .option('page-size', { type: 'number', default: 1000, describe: 'SKU ids listed from VTEX per page (1–1000)' })
      .option('workers', {
        type: 'boolean',
        default: true,
        describe: 'Process the load in this process too. --no-workers leaves it to running servers (Postgres only: the embedded database allows one process)',
      })
      .option('wait', { type: 'boolean', default: true, describe: 'Show progress until every SKU is settled; --no-wait only starts (or resumes) the load' })
      .options(databaseOptions)
      .example('$0 sync --config connector.json --store mystore --marketplace mercadolivre', 'load every SKU of mystore into Mercado Livre') as never,
  handler: async (args) => {
    const runtime = await openRuntime(args, { workers: args.workers });
    const out = (line: string) => process.stdout.write(`${line}\n`);
    if (runtime.db.kind === 'pglite' && !args.workers && args.wait) {
      await runtime.stop();
      throw Errors.invalidArgument('--no-workers', 'on the embedded database no other process can do the work, so the load would never progress: drop --no-workers, or use Postgres (DATABASE_URL) with running servers');
    }
    try {
      await runtime.start();
      const first = await runtime.initialLoad.start(args.store, args.marketplace, { pageSize: args['page-size'] });
      out(`${first.listed ? 'Resuming' : 'Starting'} initial load #${first.id}: ${args.store} → ${args.marketplace}${first.listed ? ` (${first.settled}/${first.listed} SKUs already settled)` : ''}.`);
      if (!args.wait) return;
      const final = await watch(runtime.initialLoad.progress.bind(runtime.initialLoad), first);
      if (final) {
        out(`Initial load #${final.id} done: ${final.listed} SKUs, ${final.synced} delivered, ${final.settled - final.synced} waiting on the seller (invalid, unmapped category or refused — see their fixes).`);
      } else {
        out('Interrupted. Run the same command again to resume where it stopped.');
        process.exitCode = 130;
      }
    } finally {
      await runtime.stop();
    }
  },
};

/** Progress bar until the load is done (returns it) or a signal arrives (returns undefined). */
async function watch(read: (id: number) => Promise<InitialLoadProgress>, first: InitialLoadProgress): Promise<InitialLoadProgress | undefined> {
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {percentage}% | {value}/{total} SKUs | {rate} SKU/s | ETA {etaText} | {phase}',
      hideCursor: true,
      noTTYOutput: true,
      notTTYSchedule: 5000,
      etaBuffer: 1,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (p: InitialLoadProgress, rate: number) => {
    const left = Math.max(0, p.listed - p.settled);
    const eta = !p.listingDone ? 'listing…' : rate > 0 ? formatSeconds(left / rate) : '—';
    return { rate: rate.toFixed(1), etaText: eta, phase: p.listingDone ? 'delivering' : `listing VTEX (${p.listed} so far)` };
  };
  bar.start(Math.max(1, first.listed), first.settled, payload(first, 0));
  let stopped = false;
  void untilSignal().then(() => (stopped = true));
  let last = first;
  let lastAt = Date.now();
  let rate = 0;
  try {
    while (!stopped) {
      await new Promise((r) => setTimeout(r, TICK_MS));
      const p = await read(first.id);
      const now = Date.now();
      const instant = ((p.settled - last.settled) * 1000) / Math.max(1, now - lastAt);
      rate = rate === 0 ? instant : rate * (1 - SMOOTHING) + instant * SMOOTHING;
      last = p;
      lastAt = now;
      bar.setTotal(Math.max(1, p.listed));
      bar.update(p.settled, payload(p, rate));
      if (p.status === 'done' || p.status === 'cancelled') return p;
    }
    return undefined;
  } finally {
    bar.stop();
  }
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.round(s % 60);
  return h ? `${h}h${String(m).padStart(2, '0')}m` : m ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}
