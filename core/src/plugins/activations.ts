import { hostname } from 'node:os';
import type { Database } from '../database/database.js';
import type { IntegrationRef } from './activation.js';

export type ActivationState = 'active' | 'deactivated' | 'failed' | 'gone';

/** One plugin integration as activated by one runtime process (table plugin_activations, migration 011). */
export interface ActivationRecord {
  marketplace: string;
  store: string;
  /** `host:pid` of the runtime process. */
  runtime: string;
  plugin: string;
  version: string;
  state: ActivationState;
  activatedAt: string | null;
  deactivatedAt: string | null;
  lastError: string | null;
  updatedAt: string;
}

/** This process, as activation records name it. */
export const RUNTIME_ID = `${hostname()}:${process.pid}`;

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

/**
 * Which runtime activated which plugin integration, and when it stopped: what `connector plugin list`
 * shows as the activation state (with plugin_health for quarantines), from any process on the database.
 */
export class PluginActivations {
  constructor(
    private readonly db: Pick<Database, 'query'>,
    private readonly runtime = RUNTIME_ID,
  ) {}

  async activated(ref: IntegrationRef, plugin: string, version: string): Promise<void> {
    await this.upsert(ref, plugin, version, 'active', null);
  }

  async failed(ref: IntegrationRef, plugin: string, version: string, error: string): Promise<void> {
    await this.upsert(ref, plugin, version, 'failed', error);
  }

  private async upsert(ref: IntegrationRef, plugin: string, version: string, state: 'active' | 'failed', error: string | null) {
    await this.db.query(
      `insert into plugin_activations (marketplace, store, runtime, plugin, version, state, activated_at, last_error)
       values ($1, $2, $3, $4, $5, $6, case when $6 = 'active' then now() end, left($7, 1000))
       on conflict (marketplace, store, runtime) do update set plugin = excluded.plugin, version = excluded.version, state = excluded.state,
         activated_at = coalesce(excluded.activated_at, plugin_activations.activated_at),
         deactivated_at = case when excluded.state = 'active' then null else plugin_activations.deactivated_at end,
         last_error = excluded.last_error, updated_at = now()`,
      [ref.marketplace, ref.store, this.runtime, plugin, version, state, error],
    );
  }

  /** This runtime deactivated the integrations of `marketplace` (reload), or all of them (shutdown). */
  async deactivated(marketplace?: string): Promise<void> {
    await this.db.query(
      `update plugin_activations set state = 'deactivated', deactivated_at = now(), updated_at = now()
       where runtime = $1 and state = 'active' and ($2::text is null or marketplace = $2)`,
      [this.runtime, marketplace ?? null],
    );
  }

  /** Rows a runtime on this host left 'active' when it died without shutting down. */
  async sweepGone(): Promise<void> {
    const host = this.runtime.slice(0, this.runtime.lastIndexOf(':'));
    const rows = await this.db.query<{ runtime: string }>(`select distinct runtime from plugin_activations where state = 'active' and runtime like $1 || ':%'`, [host]);
    const gone = rows.map((r) => r.runtime).filter((r) => r !== this.runtime && !alive(Number(r.slice(r.lastIndexOf(':') + 1))));
    if (!gone.length) return;
    await this.db.query(`update plugin_activations set state = 'gone', deactivated_at = now(), updated_at = now() where state = 'active' and runtime = any($1::text[])`, [gone]);
  }

  /** Every record, newest first. */
  static async list(db: Pick<Database, 'query'>): Promise<ActivationRecord[]> {
    const rows = await db.query<Record<string, unknown>>(`select * from plugin_activations order by updated_at desc, marketplace, store`);
    return rows.map((r) => ({
      marketplace: String(r.marketplace),
      store: String(r.store),
      runtime: String(r.runtime),
      plugin: String(r.plugin),
      version: String(r.version),
      state: r.state as ActivationState,
      activatedAt: iso(r.activated_at),
      deactivatedAt: iso(r.deactivated_at),
      lastError: (r.last_error as string) ?? null,
      updatedAt: iso(r.updated_at)!,
    }));
  }
}

function alive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
