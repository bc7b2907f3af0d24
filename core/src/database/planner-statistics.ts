import { inject, injectable } from 'tsyringe';
import { TOKENS } from '../di/tokens.js';
import type { Logger } from '../logging/logger.js';
import type { Database } from './database.js';

/** How often the tables' sizes are compared with what the planner last saw. */
export const STATISTICS_CHECK_MS = 5_000;
/**
 * A table is analysed again once it has grown past this factor of its last analysed size (plus a few
 * pages): stale by a factor of two the plans are still right; ANALYZE of a large table costs ~0.3 s.
 */
const GROWTH = 2;
const SLACK_PAGES = 8;

/**
 * Keeps the query planner's statistics of the connector's and pg-boss's tables current while they
 * grow. The pipeline's batch queries (`sku_id = any($n)`, pg-boss's fetch and complete) get
 * nested-loop plans over whole tables when the planner believes a table is empty — it does until the
 * table is first analysed — and their cost then grows with the catalog (measured: a 50-row state read
 * took 13 ms over 2,000 rows, 0.2 ms once analysed). PGlite has no autovacuum at all, and Postgres's
 * runs up to a minute late: in both, a bulk load (an initial load, a burst of notifications) runs on
 * stale plans. So every STATISTICS_CHECK_MS each runtime compares each table's size with the size
 * recorded at its last ANALYZE and analyses those that grew; one process at a time on Postgres (an
 * advisory lock). The check itself is one catalog query.
 */
@injectable()
export class PlannerStatistics {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const loop = () => {
      this.running = this.runOnce()
        .then(() => undefined)
        .catch((error: unknown) => this.log.warn({ err: error }, 'planner statistics check failed; will retry'))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(loop, STATISTICS_CHECK_MS).unref();
        });
    };
    this.timer = setTimeout(loop, STATISTICS_CHECK_MS).unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** Analyses the tables that grew since their last ANALYZE (or never had one); returns their names. */
  async runOnce(): Promise<string[]> {
    const stale = `select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind = 'r' and n.nspname = any($1::text[])
         and pg_relation_size(c.oid) / current_setting('block_size')::int > greatest(c.relpages, 0) * ${GROWTH} + ${SLACK_PAGES}
       order by 1`;
    const schemas = [this.db.schema, this.db.bossSchema];
    if (this.db.kind === 'pglite') {
      const tables = (await this.db.query<{ name: string }>(stale, [schemas])).map((r) => r.name);
      for (const table of tables) await this.db.query(`analyze ${table}`);
      if (tables.length) this.log.debug({ tables }, 'planner statistics refreshed');
      return tables;
    }
    // Postgres: one runtime at a time does it (ANALYZE takes no lock that blocks reads or writes).
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.query<{ got: boolean }>(`select pg_try_advisory_xact_lock(hashtext('connector.planner-statistics.' || $1)) as got`, [this.db.schema]);
      if (!lock?.got) return [];
      const tables = (await tx.query<{ name: string }>(stale, [schemas])).map((r) => r.name);
      for (const table of tables) await tx.query(`analyze ${table}`);
      if (tables.length) this.log.debug({ tables }, 'planner statistics refreshed');
      return tables;
    });
  }
}
