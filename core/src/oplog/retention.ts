import type { PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig } from '../config/types.js';
import { TOKENS } from '../di/tokens.js';
import type { Logger } from '../logging/logger.js';
import type { OperationLog } from './operation-log.js';

export const RETENTION_QUEUE = 'oplog-retention';
/** Every day at 03:17 UTC (off the hour, when nobody else's cron runs). */
export const RETENTION_CRON = '17 3 * * *';

/**
 * Operation logs are kept `logs.retentionDays` days (default 30). A pg-boss cron schedule fires once a
 * day across every runtime sharing the database (pg-boss elects one), and one worker purges.
 */
@injectable()
export class OperationLogRetention {
  constructor(
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.OperationLog) private readonly oplog: OperationLog,
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  get days(): number {
    return this.config.logs.retentionDays;
  }

  /** Creates the queue and the schedule (idempotent); with `work`, also the worker that purges. */
  async start(work: boolean): Promise<void> {
    if (!(await this.boss.getQueue(RETENTION_QUEUE))) await this.boss.createQueue(RETENTION_QUEUE, { policy: 'singleton', retryLimit: 3 });
    await this.boss.schedule(RETENTION_QUEUE, RETENTION_CRON, null, { tz: 'UTC' });
    if (work) await this.boss.work(RETENTION_QUEUE, { pollingIntervalSeconds: 30 }, async () => void (await this.runOnce()));
  }

  async runOnce(): Promise<number> {
    const deleted = await this.oplog.purgeOlderThan(this.days);
    if (deleted) this.log.info({ deleted, retentionDays: this.days }, 'operation logs past retention purged');
    return deleted;
  }
}
