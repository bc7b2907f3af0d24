import { inject, injectable } from 'tsyringe';
import type { Database, Queryable } from '../../database/database.js';
import { TOKENS } from '../../di/tokens.js';

export type LotOperation = 'product' | 'offer' | 'upsert';
export type LotStatus = 'open' | 'sealed' | 'submitting' | 'submitted' | 'done' | 'failed';
/** Lots whose items are on their way: a SKU in one of them waits for its outcome before going again. */
export const IN_FLIGHT: LotStatus[] = ['sealed', 'submitting', 'submitted'];

export interface LotRow {
  id: number;
  store: string;
  marketplace: string;
  operation: LotOperation;
  status: LotStatus;
  item_count: number;
  bytes: number;
  feed_ref: string | null;
  polls: number;
  accepted: number | null;
  rejected: number | null;
  error: string | null;
  created_at: string;
  /** When an item last joined the lot (null before the first). */
  last_item_at: string | null;
  sealed_at: string | null;
  submitted_at: string | null;
  finished_at: string | null;
}

export interface LotItemRow {
  sku_id: string;
  /** Take the item off sale (its payload is `{}`). */
  withdraw: boolean;
  payload: Record<string, unknown>;
  payload_hash: string;
  bytes: number;
  marketplace_id: string | null;
  outcome: string | null;
  message: string | null;
}

export interface NewLotItem {
  skuId: string;
  withdraw?: boolean;
  payload: Record<string, unknown>;
  hash: string;
  bytes: number;
}

export interface LotLimits {
  maxItems: number;
  maxBytes: number;
}

/** When an open lot may be sent: `maxWaitMs` after it opened, or once no item has joined it for `quietMs`. */
export interface LotTiming {
  maxWaitMs: number;
  quietMs: number;
}

/**
 * A SKU whose product is not confirmed yet, or whose same kind of message is on its way (in a lot
 * `IN_FLIGHT`), waits for that lot's outcome (which sends it again if needed): messages for a SKU
 * never overtake each other.
 */
export function blockedSkus(flying: Array<{ sku_id: string; operation: LotOperation }>, operation: LotOperation): Set<string> {
  return new Set(flying.filter((f) => f.operation === operation || (operation === 'offer' && f.operation === 'product')).map((f) => f.sku_id));
}

/**
 * How pending items fill the open lot (`count` items, `bytes` so far; `present`: the pending SKUs
 * already in it, with their bytes). A SKU already in the lot gets its newer payload there (no new
 * slot); new SKUs fill the lot by count and size, in order, and what does not fit goes to the next
 * lot. A SKU whose newer payload no longer fits leaves this lot for the next one (`evict`).
 */
export function fillLot(
  lot: { count: number; bytes: number },
  present: Map<string, number>,
  pending: NewLotItem[],
  limits: LotLimits,
): { take: NewLotItem[]; rest: NewLotItem[]; evict: string[]; count: number; bytes: number; full: boolean } {
  let { count, bytes } = lot;
  const take: NewLotItem[] = [];
  const rest: NewLotItem[] = [];
  const evict: string[] = [];
  for (const item of pending) {
    const old = present.get(item.skuId);
    if (old !== undefined) {
      if (bytes - old + item.bytes <= limits.maxBytes) {
        take.push(item);
        bytes += item.bytes - old;
      } else {
        evict.push(item.skuId);
        count--;
        bytes -= old;
        rest.push(item);
      }
    } else if (rest.length === 0 && count + 1 <= limits.maxItems && (bytes + item.bytes <= limits.maxBytes || count === 0)) {
      take.push(item);
      count++;
      bytes += item.bytes;
    } else rest.push(item);
  }
  return { take, rest, evict, count, bytes, full: rest.length > 0 || count >= limits.maxItems || bytes >= limits.maxBytes };
}

/**
 * Lots (feeds) and their items: assembled here from delivery jobs, kept as history afterwards (what
 * was in each lot, its status, each item's outcome). Assembly runs in one transaction holding the
 * open lot's row lock, so several runtime processes fill the same lot without losing an item.
 */
@injectable()
export class LotRepository {
  constructor(@inject(TOKENS.Database) private readonly db: Database) {}

  /**
   * Adds items to the open lot of `operation` (a SKU already in it gets its newer payload), sealing
   * it when full and opening the next. Returns the lots it opened and the lots it sealed.
   */
  async add(store: string, marketplace: string, operation: LotOperation, items: NewLotItem[], limits: LotLimits): Promise<{ opened: number[]; sealed: number[]; grown: number[]; waiting: string[] }> {
    const opened: number[] = [];
    const sealed: number[] = [];
    const grown: number[] = [];
    const waiting: string[] = [];
    if (!items.length) return { opened, sealed, grown, waiting };
    await this.db.transaction(async (tx) => {
      let pending = [...items];
      while (pending.length) {
        let [lot] = await tx.query<{ id: number; item_count: number; bytes: number }>(
          `select id, item_count, bytes from lots where store = $1 and marketplace = $2 and operation = $3 and status = 'open' order by id limit 1 for update`,
          [store, marketplace, operation],
        );
        // Under the open lot's lock (so a lot sealed or submitted meanwhile is seen), and again after each
        // lot this call seals: a SKU whose product is not confirmed yet, or whose same kind of message is
        // on its way, waits for that lot's outcome (which sends it again if needed) — messages for a SKU
        // never overtake each other.
        const flying = await tx.query<{ sku_id: string; operation: LotOperation }>(
          `select i.sku_id, l.operation from lot_items i join lots l on l.id = i.lot_id
           where i.sku_id = any($3::text[]) and l.store = $1 and l.marketplace = $2 and l.status = any($4::text[])`,
          [store, marketplace, pending.map((p) => p.skuId), IN_FLIGHT],
        );
        const blocked = blockedSkus(flying, operation);
        waiting.push(...pending.filter((p) => blocked.has(p.skuId)).map((p) => p.skuId));
        pending = pending.filter((p) => !blocked.has(p.skuId));
        if (!pending.length) break;
        if (!lot) {
          [lot] = await tx.query<{ id: number; item_count: number; bytes: number }>(
            `insert into lots (store, marketplace, operation, status) values ($1, $2, $3, 'open') returning id, item_count, bytes`,
            [store, marketplace, operation],
          );
          opened.push(Number(lot!.id));
        }
        const lotId = Number(lot!.id);
        const present = new Map(
          (await tx.query<{ sku_id: string; bytes: number }>('select sku_id, bytes from lot_items where lot_id = $1 and sku_id = any($2::text[])', [lotId, pending.map((p) => p.skuId)])).map((r) => [
            r.sku_id,
            Number(r.bytes),
          ]),
        );
        const { take, rest, evict, full } = fillLot({ count: Number(lot!.item_count), bytes: Number(lot!.bytes) }, present, pending, limits);
        if (evict.length) await tx.query('delete from lot_items where lot_id = $1 and sku_id = any($2::text[])', [lotId, evict]);
        if (take.length || evict.length) await this.insertItems(tx, lotId, take);
        if (take.length) grown.push(lotId);
        if (full) {
          await tx.query(`update lots set status = 'sealed', sealed_at = now() where id = $1`, [lotId]);
          sealed.push(lotId);
        }
        pending = rest;
      }
    });
    return { opened, sealed, grown, waiting };
  }

  private async insertItems(tx: Queryable, lotId: number, items: NewLotItem[]) {
    await tx.query(
      `insert into lot_items (lot_id, sku_id, payload, payload_hash, bytes, withdraw)
       select $1, sku_id, payload, payload_hash, bytes, withdraw from jsonb_to_recordset($2::jsonb) as i(sku_id text, payload jsonb, payload_hash text, bytes int, withdraw boolean)
       on conflict (lot_id, sku_id) do update set payload = excluded.payload, payload_hash = excluded.payload_hash, bytes = excluded.bytes, withdraw = excluded.withdraw`,
      [lotId, JSON.stringify(items.map((i) => ({ sku_id: i.skuId, payload: i.payload, payload_hash: i.hash, bytes: i.bytes, withdraw: !!i.withdraw })))],
    );
    await tx.query(
      `update lots set item_count = s.n, bytes = s.b, last_item_at = now() from (select count(*)::int as n, coalesce(sum(bytes), 0)::int as b from lot_items where lot_id = $1) s where id = $1`,
      [lotId],
    );
  }

  /**
   * Takes a lot for submission: a sealed one, an open one whose wait is over (maxWaitMs since it opened,
   * or quietMs since an item last joined it), or one whose earlier submission did not finish (a retry).
   * Returns undefined when there is nothing to submit.
   */
  async claimForSubmit(lotId: number, timing: LotTiming, jobId: string): Promise<LotRow | undefined> {
    // A lot can have several submit jobs (maxWaitMs, quietMs, the one sent when it filled up): only one
    // takes it. A retry of the job holding it (same job id, after a failure or a crash) takes it again.
    const [row] = await this.db.query<LotRow>(
      `update lots set status = 'submitting', sealed_at = coalesce(sealed_at, now()), submit_job = $4
       where id = $1 and (status = 'sealed' or (status = 'submitting' and submit_job = $4)
                          or (status = 'open' and (created_at <= now() - make_interval(secs => $2::double precision / 1000)
                                                   or coalesce(last_item_at, created_at) <= now() - make_interval(secs => $3::double precision / 1000))))
       returning *`,
      [lotId, Math.max(0, timing.maxWaitMs - 50), Math.max(0, timing.quietMs - 50), jobId],
    );
    return row;
  }

  /**
   * Gives a lot back (its submission must wait, or failed every retry): any later submit job may take it.
   * `reopenBelow` (nothing of it reached the marketplace: it waits for its budget's slot) lets a lot that is
   * not full by those limits take more items meanwhile.
   */
  async release(lotId: number, reopenBelow?: LotLimits): Promise<void> {
    await this.db.query(
      `update lots set status = case when item_count < $2 and bytes < $3 then 'open' else 'sealed' end, submit_job = null where id = $1 and status = 'submitting'`,
      [lotId, reopenBelow?.maxItems ?? 0, reopenBelow?.maxBytes ?? 0],
    );
  }

  async items(lotId: number): Promise<LotItemRow[]> {
    return this.db.query<LotItemRow>(
      `select i.sku_id, i.withdraw, i.payload, i.payload_hash, i.bytes, coalesce(i.marketplace_id, m.marketplace_id) as marketplace_id, i.outcome, i.message
       from lot_items i join lots l on l.id = i.lot_id
       left join id_mappings m on m.store = l.store and m.marketplace = l.marketplace and m.sku_id = i.sku_id
       where i.lot_id = $1 order by i.sku_id`,
      [lotId],
    );
  }

  async submitted(lotId: number, feedRef: string): Promise<void> {
    await this.db.query(`update lots set status = 'submitted', feed_ref = $2, submitted_at = now(), error = null where id = $1`, [lotId, feedRef]);
  }

  async get(lotId: number): Promise<LotRow | undefined> {
    const [row] = await this.db.query<LotRow>('select * from lots where id = $1', [lotId]);
    return row;
  }

  async polled(lotId: number): Promise<number> {
    const [row] = await this.db.query<{ polls: number }>('update lots set polls = polls + 1 where id = $1 returning polls', [lotId]);
    return Number(row?.polls ?? 0);
  }

  async noteError(lotId: number, error: string): Promise<void> {
    await this.db.query('update lots set error = left($2, 1000) where id = $1', [lotId, error]);
  }

  /** Records each item's outcome and closes the lot (`done`, or `failed` when it failed as a whole). */
  async finish(lotId: number, status: 'done' | 'failed', outcomes: Array<{ skuId: string; outcome: 'accepted' | 'rejected' | 'missing'; message?: string; marketplaceId?: string }>, error?: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `update lot_items i set outcome = o.outcome, message = o.message, marketplace_id = coalesce(o.marketplace_id, i.marketplace_id)
         from jsonb_to_recordset($2::jsonb) as o(sku_id text, outcome text, message text, marketplace_id text)
         where i.lot_id = $1 and i.sku_id = o.sku_id`,
        [lotId, JSON.stringify(outcomes.map((o) => ({ sku_id: o.skuId, outcome: o.outcome, message: o.message ?? null, marketplace_id: o.marketplaceId ?? null })))],
      );
      await tx.query(
        `update lots set status = $2, finished_at = now(), error = coalesce(left($3, 1000), error),
           accepted = (select count(*) from lot_items where lot_id = $1 and outcome = 'accepted'),
           rejected = (select count(*) from lot_items where lot_id = $1 and outcome = 'rejected')
         where id = $1`,
        [lotId, status, error ?? null],
      );
    });
  }

  /** Lot history of an integration, newest first. */
  async list(store: string, marketplace: string, options: { limit?: number; status?: LotStatus } = {}): Promise<LotRow[]> {
    return this.db.query<LotRow>(
      `select * from lots where store = $1 and marketplace = $2 and ($3::text is null or status = $3) order by id desc limit $4`,
      [store, marketplace, options.status ?? null, options.limit ?? 50],
    );
  }

  /**
   * The SKUs of a lot that still have something to send (a confirmed product's offer, a payload newer than
   * the one the lot carried): `pending` or `synced` with a desired payload not yet delivered. Refused SKUs
   * (`failed`) wait for their next change instead.
   */
  async unsent(store: string, marketplace: string, lotId: number): Promise<string[]> {
    const rows = await this.db.query<{ sku_id: string }>(
      `select s.sku_id from lot_items i join sku_state s on s.sku_id = i.sku_id and s.store = $1 and s.marketplace = $2
       where i.lot_id = $3 and s.status in ('pending', 'synced') and s.desired_hash is not null and s.desired_hash is distinct from s.delivered_hash`,
      [store, marketplace, lotId],
    );
    return rows.map((r) => r.sku_id);
  }

  /** The oldest lot waiting for the marketplace's answer (a probe can ask about it). */
  async oldestSubmitted(store: string, marketplace: string): Promise<LotRow | undefined> {
    const [row] = await this.db.query<LotRow>(`select * from lots where store = $1 and marketplace = $2 and status = 'submitted' order by submitted_at limit 1`, [store, marketplace]);
    return row;
  }
}
