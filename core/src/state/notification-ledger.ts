import { inject, injectable } from 'tsyringe';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';

/** The notifications of one SKU not yet followed by a refresh, merged. */
export interface PendingNotifications {
  skuId: string;
  /** Inbox row ids, consumed once the refresh succeeded. */
  ids: string[];
  count: number;
  /** The oldest one's request id: the one that started the work. */
  requestId: string;
  /** HasStockKeepingUnitModified on any of them: re-read the catalog. */
  catalog: boolean;
  /** StockModified or PriceModified on any of them: re-read the simulation. */
  offer: boolean;
  /** IsActive=false or HasStockKeepingUnitRemovedFromAffiliate on any of them. */
  withdraw: boolean;
  /** The SKU has been quiet long enough (or waited long enough) to be refreshed now. */
  ready: boolean;
  /** Milliseconds until it will have been quiet long enough. */
  quietInMs: number;
}

/**
 * Reads the inbox from the refresh side: which notifications of a SKU no refresh has followed yet,
 * what their flags ask for, and whether the burst is over. Rows are marked `refreshed_at` only after
 * the refresh that covered them saved its snapshot (by id, so a row committed meanwhile stays
 * pending for the next refresh): a crash or a failed VTEX read loses no flag.
 */
@injectable()
export class NotificationLedger {
  constructor(@inject(TOKENS.Database) private readonly db: Database) {}

  async pending(store: string, skuIds: string[], quietMs: number, maxDelayMs: number): Promise<Map<string, PendingNotifications>> {
    if (!skuIds.length) return new Map();
    const rows = await this.db.query<{
      sku_id: string;
      ids: string[];
      count: number;
      request_id: string;
      catalog: boolean;
      offer: boolean;
      withdraw: boolean;
      ready: boolean;
      quiet_in_ms: number;
    }>(
      `select sku_id,
              array_agg(id::text order by id) as ids,
              count(*)::int as count,
              (array_agg(request_id order by id))[1] as request_id,
              bool_or(coalesce((payload->>'skuModified')::boolean, false)) as catalog,
              bool_or(coalesce((payload->>'stockModified')::boolean, false) or coalesce((payload->>'priceModified')::boolean, false)) as offer,
              bool_or((payload->>'isActive')::boolean is false or coalesce((payload->>'removedFromAffiliate')::boolean, false)) as withdraw,
              (max(received_at) <= now() - make_interval(secs => $3::float8 / 1000)
                or min(received_at) <= now() - make_interval(secs => $4::float8 / 1000)) as ready,
              greatest(0, extract(epoch from (max(received_at) + make_interval(secs => $3::float8 / 1000) - now())) * 1000)::float8 as quiet_in_ms
       from notifications
       where store = $1 and sku_id = any($2::text[]) and refreshed_at is null
       group by sku_id`,
      [store, skuIds, quietMs, maxDelayMs],
    );
    return new Map(
      rows.map((r) => [
        r.sku_id,
        {
          skuId: r.sku_id,
          ids: r.ids,
          count: r.count,
          requestId: r.request_id,
          catalog: r.catalog,
          offer: r.offer,
          withdraw: r.withdraw,
          ready: r.ready,
          quietInMs: Number(r.quiet_in_ms),
        },
      ]),
    );
  }

  /** Marks these inbox rows as covered by a refresh. */
  async consume(ids: string[]): Promise<void> {
    if (!ids.length) return;
    await this.db.query('update notifications set refreshed_at = now() where id = any($1::bigint[]) and refreshed_at is null', [ids]);
  }
}
