import type { PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import { enqueueMarketplaceSync } from '../state/resync.js';
import type { PolicyWarning, WarningKind } from './types.js';

export interface PolicyWarningRow {
  store: string;
  marketplace: string;
  skuId: string;
  policy: string;
  kind: WarningKind;
  message: string;
  details: Record<string, unknown>;
  raisedAt: string;
  updatedAt: string;
  approvedValue: unknown;
  approvedAt: string | null;
}

/** What one evaluation of a SKU's policies concluded: the warnings that hold now (the others clear). */
export interface WarningEvaluation {
  skuId: string;
  warnings: PolicyWarning[];
}

/**
 * The warnings merchant policies raise (the "inventory page" of VTEX's minimum-stock control, and
 * held price cuts to review). A warning lives exactly as long as its condition: every evaluation of a
 * SKU replaces that SKU's set.
 */
@injectable()
export class PolicyWarnings {
  constructor(
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
  ) {}

  /** Replaces the warnings of each evaluated SKU: raises the new ones, keeps `raised_at` of the ongoing ones, clears the rest. */
  async sync(store: string, marketplace: string, evaluations: WarningEvaluation[]): Promise<void> {
    if (!evaluations.length) return;
    await this.db.query(
      `delete from policy_warnings w
       using jsonb_to_recordset($3::jsonb) as k(sku_id text, keep text[])
       where w.store = $1 and w.marketplace = $2 and w.sku_id = k.sku_id and not (w.policy = any(k.keep))`,
      [store, marketplace, JSON.stringify(evaluations.map((e) => ({ sku_id: e.skuId, keep: e.warnings.map((w) => w.policy) })))],
    );
    const raised = evaluations.flatMap((e) => e.warnings.map((w) => ({ sku_id: e.skuId, policy: w.policy, kind: w.kind, message: w.message, details: w.details })));
    if (!raised.length) return;
    await this.db.query(
      `insert into policy_warnings as w (store, marketplace, sku_id, policy, kind, message, details)
       select $1, $2, sku_id, policy, kind, message, details
       from jsonb_to_recordset($3::jsonb) as r(sku_id text, policy text, kind text, message text, details jsonb)
       on conflict (store, marketplace, sku_id, policy) do update set
         kind = excluded.kind, message = excluded.message, details = excluded.details,
         updated_at = case when w.details is distinct from excluded.details then now() else w.updated_at end`,
      [store, marketplace, JSON.stringify(raised)],
    );
  }

  /** Approved values by SKU and policy, for the policies to honour. */
  async approvals(store: string, marketplace: string, skuIds: string[]): Promise<Map<string, Record<string, unknown>>> {
    const rows = await this.db.query<{ sku_id: string; policy: string; approved_value: unknown }>(
      `select sku_id, policy, approved_value from policy_warnings
       where store = $1 and marketplace = $2 and sku_id = any($3::text[]) and approved_at is not null`,
      [store, marketplace, skuIds],
    );
    const out = new Map<string, Record<string, unknown>>();
    for (const r of rows) out.set(r.sku_id, { ...out.get(r.sku_id), [r.policy]: r.approved_value });
    return out;
  }

  async list(filter: { store: string; marketplace?: string; skuId?: string; kind?: WarningKind }): Promise<PolicyWarningRow[]> {
    const rows = await this.db.query<Record<string, unknown>>(
      `select store, marketplace, sku_id, policy, kind, message, details, raised_at, updated_at, approved_value, approved_at
       from policy_warnings
       where store = $1 and ($2::text is null or marketplace = $2) and ($3::text is null or sku_id = $3) and ($4::text is null or kind = $4)
       order by raised_at, sku_id, policy`,
      [filter.store, filter.marketplace ?? null, filter.skuId ?? null, filter.kind ?? null],
    );
    return rows.map((r) => ({
      store: r.store as string,
      marketplace: r.marketplace as string,
      skuId: r.sku_id as string,
      policy: r.policy as string,
      kind: r.kind as WarningKind,
      message: r.message as string,
      details: r.details as Record<string, unknown>,
      raisedAt: new Date(r.raised_at as string).toISOString(),
      updatedAt: new Date(r.updated_at as string).toISOString(),
      approvedValue: r.approved_value ?? null,
      approvedAt: r.approved_at ? new Date(r.approved_at as string).toISOString() : null,
    }));
  }

  /**
   * A reviewer approves what a warning holds back (e.g. a price cut): the exact value proposed now
   * goes through on the SKU's next evaluation, which is started at once from the stored snapshot.
   */
  async approve(store: string, marketplace: string, skuId: string, policy: string): Promise<{ approved: unknown }> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ proposed: unknown }>(
        `update policy_warnings set approved_value = details->'proposed', approved_at = now()
         where store = $1 and marketplace = $2 and sku_id = $3 and policy = $4 and details ? 'proposed'
         returning details->'proposed' as proposed`,
        [store, marketplace, skuId, policy],
      );
      if (!row) throw Errors.invalidArgument('policy', `SKU ${skuId} has no ${policy} warning to approve on ${marketplace} for store ${store}`);
      await enqueueMarketplaceSync(this.boss, store, marketplace, [skuId], `approval.${policy}`, tx);
      return { approved: row.proposed };
    });
  }
}
