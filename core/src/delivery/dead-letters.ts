import type { PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { QueueNames } from '../queue/queue-names.js';
import type { StoreRegistry } from '../stores/store-registry.js';

export interface DeadLetter {
  /** The dead-letter job's id (what `replay({ ids })` takes). */
  id: string;
  store: string;
  marketplace: string;
  /** The queue the work failed on (delivery, lot-submit, feed-status). */
  queue: string;
  skuId?: string;
  lotId?: string;
  /** The last error, as the failed job recorded it. */
  lastError: unknown;
  retries: number | null;
  firstCreatedOn: string | null;
  deadSince: string;
}

export interface ReplayResult {
  store: string;
  marketplace: string;
  /** Jobs moved back to their queue. */
  replayed: number;
  /** Left in place because the same SKU is already queued (its queued job delivers the current data). */
  skipped: number;
}

/**
 * The dead-letter queue of each store × marketplace: work that failed every retry (VTEX's rule: at
 * least 10 on 5xx). `list` shows it with the last error; `replay` moves it back to its queue with a
 * fresh set of retries (pg-boss `redrive`), e.g. once the marketplace has recovered.
 */
@injectable()
export class DeadLetters {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  private integrations(store?: string, marketplace?: string) {
    if (store && !this.stores.get(store)) throw Errors.invalidArgument('store', `unknown store "${store}" (configured: ${this.stores.list().map((s) => s.account).join(', ')})`);
    const all = this.stores.list().flatMap((s) => s.integrations.map((i) => ({ store: s.account, marketplace: i.marketplace })));
    const found = all.filter((i) => (!store || i.store === store) && (!marketplace || i.marketplace === marketplace));
    if (marketplace && !found.length) throw Errors.invalidArgument('marketplace', `no integration "${marketplace}"${store ? ` for store "${store}"` : ''}`);
    return found;
  }

  async list(filter: { store?: string; marketplace?: string; limit?: number } = {}): Promise<DeadLetter[]> {
    const out: DeadLetter[] = [];
    for (const { store, marketplace } of this.integrations(filter.store, filter.marketplace)) {
      const jobs = await this.boss.findJobs<{ skuId?: string; lotId?: string }>(QueueNames.deadLetter(store, marketplace), { queued: true });
      for (const j of jobs) {
        out.push({
          id: j.id,
          store,
          marketplace,
          queue: j.sourceName ?? '(unknown)',
          skuId: j.data?.skuId,
          lotId: j.data?.lotId,
          lastError: j.sourceOutput ?? j.output ?? null,
          retries: j.sourceRetryCount,
          firstCreatedOn: j.sourceCreatedOn ? new Date(j.sourceCreatedOn).toISOString() : null,
          deadSince: new Date(j.createdOn).toISOString(),
        });
      }
    }
    out.sort((a, b) => a.deadSince.localeCompare(b.deadSince));
    return filter.limit ? out.slice(0, filter.limit) : out;
  }

  async count(store: string, marketplace: string): Promise<number> {
    return (await this.boss.findJobs(QueueNames.deadLetter(store, marketplace), { queued: true })).length;
  }

  /** Moves dead jobs back to their queues (all of them, or `ids`), with fresh retries. */
  async replay(filter: { store?: string; marketplace?: string; ids?: string[] } = {}): Promise<ReplayResult[]> {
    const results: ReplayResult[] = [];
    for (const { store, marketplace } of this.integrations(filter.store, filter.marketplace)) {
      const name = QueueNames.deadLetter(store, marketplace);
      const candidates = await this.boss.findJobs<{ skuId?: string }>(name, { queued: true });
      const chosen = candidates.filter((j) => !filter.ids || filter.ids.includes(j.id));
      if (!chosen.length) continue;
      let replayed = 0;
      const ids = chosen.map((j) => j.id);
      for (let i = 0; i < ids.length; i += 1000) replayed += await this.boss.redrive(name, { ids: ids.slice(i, i + 1000), limit: 1000 });
      // The SKUs are waiting again, no longer dead.
      const skuIds = chosen.map((j) => j.data?.skuId).filter((s): s is string => Boolean(s));
      if (skuIds.length) {
        await this.db.query(`update sku_state set status = 'pending', updated_at = now() where store = $1 and marketplace = $2 and sku_id = any($3::text[]) and status = 'dead'`, [
          store,
          marketplace,
          skuIds,
        ]);
      }
      results.push({ store, marketplace, replayed, skipped: chosen.length - replayed });
      this.log.info({ store, marketplace, replayed, skipped: chosen.length - replayed }, 'dead letters replayed');
    }
    return results;
  }
}
