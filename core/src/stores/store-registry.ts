import { createHash, timingSafeEqual } from 'node:crypto';
import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig, IntegrationConfig, StoreConfig } from '../config/types.js';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';

/**
 * The stores this runtime serves, by VTEX account (`An`). Seeded from the config file into the
 * database's registry at start; later the admin API edits the registry.
 */
@injectable()
export class StoreRegistry {
  private readonly stores = new Map<string, StoreConfig>();
  private readonly tokenDigests = new Map<string, Buffer>();

  constructor(
    @inject(TOKENS.Config) config: ConnectorConfig,
    @inject(TOKENS.Database) private readonly db: Database,
  ) {
    for (const store of config.stores) {
      this.stores.set(store.account, store);
      this.tokenDigests.set(store.account, digest(store.webhookToken));
    }
  }

  /** Writes the config's stores and integrations into the registry tables (idempotent). */
  async seed(): Promise<void> {
    const stores = [...this.stores.values()];
    await this.db.query(
      `insert into stores (account, affiliate_id, sales_channel, source)
       select account, affiliate_id, sales_channel, 'config'
       from jsonb_to_recordset($1::jsonb) as s(account text, affiliate_id text, sales_channel int)
       on conflict (account) do update set affiliate_id = excluded.affiliate_id,
         sales_channel = excluded.sales_channel, updated_at = now()`,
      [JSON.stringify(stores.map((s) => ({ account: s.account, affiliate_id: s.vtex.affiliateId, sales_channel: s.vtex.salesChannel })))],
    );
    const integrations = stores.flatMap((s) =>
      s.integrations.map((i) => ({ store: s.account, marketplace: i.marketplace, enabled: i.enabled, minimum_stock: i.minimumStock, category_mappings: i.categoryMappings })),
    );
    await this.db.query(
      `insert into integrations (store, marketplace, enabled, minimum_stock, category_mappings)
       select store, marketplace, enabled, minimum_stock, category_mappings
       from jsonb_to_recordset($1::jsonb) as i(store text, marketplace text, enabled boolean, minimum_stock int, category_mappings jsonb)
       on conflict (store, marketplace) do update set enabled = excluded.enabled, minimum_stock = excluded.minimum_stock,
         category_mappings = excluded.category_mappings, updated_at = now()`,
      [JSON.stringify(integrations)],
    );
  }

  get(account: string): StoreConfig | undefined {
    return this.stores.get(account);
  }

  list(): StoreConfig[] {
    return [...this.stores.values()];
  }

  integration(account: string, marketplace: string): IntegrationConfig | undefined {
    return this.stores.get(account)?.integrations.find((i) => i.marketplace === marketplace);
  }

  enabledIntegrations(account: string): IntegrationConfig[] {
    return this.stores.get(account)?.integrations.filter((i) => i.enabled) ?? [];
  }

  /**
   * True when `account` is a known store and `token` its webhook token. Compares fixed-length
   * digests in constant time, so neither the token nor its length leaks through timing.
   */
  authenticate(account: string, token: string | undefined): StoreConfig | undefined {
    const expected = this.tokenDigests.get(account);
    const given = digest(token ?? '');
    // Compare even for unknown accounts so the answer time does not reveal which accounts exist.
    const ok = timingSafeEqual(expected ?? UNKNOWN, given) && expected !== undefined && token !== undefined;
    return ok ? this.stores.get(account) : undefined;
  }
}

const UNKNOWN = createHash('sha256').update('\0unknown-store').digest();
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
