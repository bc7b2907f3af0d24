import type { PgBoss } from 'pg-boss';
import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig, IntegrationConfig } from '../config/types.js';
import { createAjv, toProblems } from '../config/validation.js';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { ConnectorError, Errors, type FieldProblem } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import { secretSettingNames, type PluginHost } from '../plugins/plugin-host.js';
import { enqueueMarketplaceSync } from '../state/resync.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import type { SecretBox, SecretEnvelope } from './secret-box.js';

export type Source = 'config' | 'api';

/** A change asked through the admin API; `null` resets a field (or a settings key) to the config's value. */
export interface IntegrationPatch {
  enabled?: boolean | null;
  minimumStock?: number | null;
  settings?: Record<string, unknown>;
}

/** An integration as the admin API shows it: effective values, where each comes from, secrets only as "set". */
export interface IntegrationView {
  store: string;
  marketplace: string;
  enabled: boolean;
  minimumStock: number;
  /** Non-secret settings, effective values. */
  settings: Record<string, unknown>;
  /** Secret settings: only whether each is set, and where from. Never the value. */
  secrets: Record<string, { set: boolean; source: Source | null }>;
  sources: { enabled: Source; minimumStock: Source; settings: Record<string, Source> };
  /** The plugin's settings schema (for forms); secret properties carry `x-secret: true`. */
  settingsSchema: Record<string, unknown> | null;
  revision: number;
  updatedBy: string | null;
  updatedAt: string | null;
  /** Why the saved settings cannot be used (e.g. undecryptable secrets): the integration is paused. */
  problem: { code: string; message: string } | null;
}

/** What changed for an integration when saved settings were applied in this process. */
export interface AppliedChange {
  store: string;
  marketplace: string;
  enabled: boolean;
  minimumStock: boolean;
  settings: boolean;
  /** The saved settings became unusable (undecryptable): pause the integration. */
  paused?: boolean;
  /** They are usable again after a pause: resume it. */
  resumed?: boolean;
}

interface OverrideRow {
  store: string;
  marketplace: string;
  enabled: boolean | null;
  minimum_stock: number | null;
  settings: Record<string, unknown>;
  secrets: Record<string, SecretEnvelope>;
  revision: string | number;
  updated_by: string | null;
  updated_at: string | Date;
}

interface Seed {
  enabled: boolean;
  minimumStock: number;
  settings: Record<string, unknown>;
}

const key = (store: string, marketplace: string) => `${store}\0${marketplace}`;

/**
 * Integration settings, minimum stock and enabled state edited through the admin API, persisted in
 * `integration_overrides` so they survive restarts and reach every process on the database.
 *
 * Precedence, per field (and per settings key): a value saved through the API wins over the config
 * file until it is reset (`null`, or DELETE …/overrides); the config file is the seed and the fallback;
 * the plugin's schema defaults fill what neither gives. Secret settings (the plugin marks them
 * `x-secret`) are sealed with AES-256-GCM (SecretBox) before they reach the database and are never
 * returned. Each process applies the saved values at start and polls the revisions afterwards.
 */
@injectable()
export class IntegrationSettings {
  private readonly seeds = new Map<string, Seed>();
  private readonly applied = new Map<string, number>();
  private readonly meta = new Map<string, { revision: number; updatedBy: string | null; updatedAt: string | null; sources: IntegrationView['sources']; secrets: IntegrationView['secrets'] }>();
  private readonly problems = new Map<string, ConnectorError>();
  private applier: (change: AppliedChange) => Promise<void> = async () => undefined;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  /** Saves and polls of this process run one at a time: a poll never applies a row older than a save it overlapped. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.Database) private readonly db: Database,
    @inject(TOKENS.Boss) private readonly boss: PgBoss,
    @inject(TOKENS.StoreRegistry) private readonly stores: StoreRegistry,
    @inject(TOKENS.PluginHost) private readonly plugins: PluginHost,
    @inject(TOKENS.SecretBox) private readonly box: SecretBox,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {
    // The config's values, kept apart: resetting a field goes back to them.
    for (const store of config.stores) {
      for (const i of store.integrations) {
        this.seeds.set(key(store.account, i.marketplace), { enabled: i.enabled, minimumStock: i.minimumStock, settings: structuredClone(i.settings) });
      }
    }
  }

  /** How the runtime acts on a change (start/stop workers, re-activate the plugin). */
  setApplier(applier: (change: AppliedChange) => Promise<void>): void {
    this.applier = applier;
  }

  /** At start, before workers: every saved override is applied to the in-memory integrations. */
  async load(): Promise<void> {
    for (const row of await this.rows()) await this.applyRow(row, { act: false });
  }

  /** Polls for overrides another process saved (every `admin.settingsPollSeconds`). */
  watch(): void {
    const seconds = this.config.admin?.settingsPollSeconds ?? 5;
    const tick = () => {
      this.polling = this.refresh()
        .catch((error: unknown) => this.log.warn({ err: error }, 'could not read saved integration settings; will retry'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, seconds * 1000).unref();
        });
    };
    this.timer = setTimeout(tick, seconds * 1000).unref();
  }

  async stop(): Promise<void> {
    const t = this.timer;
    this.timer = undefined;
    if (t) clearTimeout(t);
    await this.polling;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Applies overrides whose revision grew (or that were deleted) since this process last looked. */
  refresh(): Promise<void> {
    return this.exclusive(() => this.poll());
  }

  private async poll(): Promise<void> {
    const rows = await this.rows();
    const seen = new Set<string>();
    for (const row of rows) {
      const k = key(row.store, row.marketplace);
      seen.add(k);
      if (Number(row.revision) > (this.applied.get(k) ?? 0)) await this.applyRow(row, { act: true });
    }
    for (const k of [...this.applied.keys()]) {
      if (seen.has(k) || !this.applied.get(k)) continue;
      const [store, marketplace] = k.split('\0');
      await this.applyRow(emptyRow(store, marketplace), { act: true });
    }
  }

  /** Saves a change for one integration and applies it in this process (the others follow by polling). */
  update(store: string, marketplace: string, patch: IntegrationPatch, actor: string): Promise<IntegrationView> {
    return this.exclusive(() => this.save(store, marketplace, patch, actor));
  }

  private async save(store: string, marketplace: string, patch: IntegrationPatch, actor: string): Promise<IntegrationView> {
    const integration = this.integration(store, marketplace);
    const secretNames = this.secretNames(marketplace);
    const aad = (name: string) => `${store}/${marketplace}/${name}`;
    const { row, minimumChanged, enabling } = await this.db.transaction(async (tx) => {
      const [current] = await tx.query<OverrideRow>('select * from integration_overrides where store = $1 and marketplace = $2 for update', [store, marketplace]);
      const next: OverrideRow = current ? { ...current, settings: { ...current.settings }, secrets: { ...current.secrets } } : emptyRow(store, marketplace);
      if (patch.enabled !== undefined) next.enabled = patch.enabled;
      if (patch.minimumStock !== undefined) next.minimum_stock = patch.minimumStock;
      const newSecrets: Record<string, string> = {};
      for (const [name, value] of Object.entries(patch.settings ?? {})) {
        const secret = secretNames.has(name);
        if (value === null) {
          delete next.settings[name];
          delete next.secrets[name];
        } else if (secret) {
          if (typeof value !== 'string') throw Errors.adminSettingsInvalid(`${store}/${marketplace}`, [{ path: `settings/${name}`, message: 'must be a string (a secret)' }]);
          newSecrets[name] = value;
        } else {
          next.settings[name] = value;
        }
      }
      // Validate what would run, before anything is sealed or stored.
      const effective = this.compose(store, marketplace, next, newSecrets);
      const problems = this.validate(marketplace, effective.settings);
      if (problems.length) throw Errors.adminSettingsInvalid(`${store}/${marketplace}`, problems);
      const sealing = Object.keys(newSecrets);
      if (sealing.length && !this.box.available) throw Errors.secretsKeyMissing(this.box.env, sealing.map((n) => `settings/${n}`));
      for (const [name, value] of Object.entries(newSecrets)) next.secrets[name] = this.box.seal(value, aad(name), [`settings/${name}`]);
      const [saved] = await tx.query<OverrideRow>(
        `insert into integration_overrides as o (store, marketplace, enabled, minimum_stock, settings, secrets, revision, updated_by, updated_at)
         values ($1, $2, $3, $4, $5::jsonb, $6::jsonb, nextval('integration_overrides_revision'), $7, now())
         on conflict (store, marketplace) do update set enabled = excluded.enabled, minimum_stock = excluded.minimum_stock,
           settings = excluded.settings, secrets = excluded.secrets, revision = excluded.revision,
           updated_by = excluded.updated_by, updated_at = now()
         returning *`,
        [store, marketplace, next.enabled, next.minimum_stock, JSON.stringify(next.settings), JSON.stringify(next.secrets), actor],
      );
      return { row: saved, minimumChanged: effective.minimumStock !== integration.minimumStock, enabling: effective.enabled && !integration.enabled };
    });
    await this.applyRow(row, { act: true });
    // Enabled again: every SKU of the store is evaluated for it from its stored snapshot (notifications
    // that came while it was disabled were not routed to it). A new minimum applies to every SKU at once.
    if (enabling) await this.resyncAll(store, marketplace, 'enabled', true);
    else if (minimumChanged) await this.resyncAll(store, marketplace, 'minimum-stock');
    this.log.info({ store, marketplace, by: actor, fields: Object.keys(patch), settings: Object.keys(patch.settings ?? {}) }, 'integration settings saved');
    return this.view(store, marketplace);
  }

  /** Drops everything saved through the API for an integration: the config's values apply again. */
  reset(store: string, marketplace: string, actor: string): Promise<IntegrationView> {
    return this.exclusive(() => this.drop(store, marketplace, actor));
  }

  private async drop(store: string, marketplace: string, actor: string): Promise<IntegrationView> {
    const integration = this.integration(store, marketplace);
    const before = { minimumStock: integration.minimumStock, enabled: integration.enabled };
    await this.db.query('delete from integration_overrides where store = $1 and marketplace = $2', [store, marketplace]);
    await this.applyRow(emptyRow(store, marketplace), { act: true });
    if (integration.enabled && !before.enabled) await this.resyncAll(store, marketplace, 'enabled', true);
    else if (integration.minimumStock !== before.minimumStock) await this.resyncAll(store, marketplace, 'minimum-stock');
    this.log.info({ store, marketplace, by: actor }, 'integration settings reset to the config file');
    return this.view(store, marketplace);
  }

  view(store: string, marketplace: string): IntegrationView {
    const integration = this.integration(store, marketplace);
    const k = key(store, marketplace);
    const secretNames = this.secretNames(marketplace);
    const meta = this.meta.get(k) ?? this.describe(store, marketplace, emptyRow(store, marketplace));
    const settings: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(integration.settings)) if (!secretNames.has(name)) settings[name] = structuredClone(value);
    const problem = this.problems.get(k);
    return {
      store,
      marketplace,
      enabled: integration.enabled,
      minimumStock: integration.minimumStock,
      settings,
      secrets: meta.secrets,
      sources: meta.sources,
      settingsSchema: this.schema(marketplace) ?? null,
      revision: meta.revision,
      updatedBy: meta.updatedBy,
      updatedAt: meta.updatedAt,
      problem: problem ? { code: problem.code, message: problem.message } : null,
    };
  }

  /** Set when the saved settings cannot be used (undecryptable secrets): the integration stays paused. */
  pauseReason(store: string, marketplace: string): { code: string; reason: string } | undefined {
    const problem = this.problems.get(key(store, marketplace));
    return problem ? { code: problem.code, reason: problem.message } : undefined;
  }

  // ---------------------------------------------------------------------------------------------

  private async rows(): Promise<OverrideRow[]> {
    return this.db.query<OverrideRow>('select * from integration_overrides order by store, marketplace');
  }

  private async applyRow(row: OverrideRow, options: { act: boolean }): Promise<void> {
    const { store, marketplace } = row;
    const k = key(store, marketplace);
    const integration = this.stores.integration(store, marketplace);
    if (!integration) return; // saved for an integration the config no longer has
    this.applied.set(k, Number(row.revision));
    this.meta.set(k, this.describe(store, marketplace, row));
    let secrets: Record<string, string>;
    const hadProblem = this.problems.has(k);
    try {
      secrets = Object.fromEntries(Object.entries(row.secrets).map(([name, envelope]) => [name, this.box.open(envelope, `${store}/${marketplace}/${name}`)]));
      this.problems.delete(k);
    } catch (error) {
      const problem = Errors.secretUndecryptable(`${store}/${marketplace}`, (error as Error).message);
      this.problems.set(k, problem);
      if (!hadProblem) {
        this.log.error({ store, marketplace, code: problem.code }, problem.message);
        if (options.act) await this.applier({ store, marketplace, enabled: false, minimumStock: false, settings: false, paused: true });
      }
      return;
    }
    const effective = this.compose(store, marketplace, row, secrets);
    this.validate(marketplace, effective.settings); // applies the schema's defaults
    const change: AppliedChange = {
      store,
      marketplace,
      enabled: effective.enabled !== integration.enabled,
      minimumStock: effective.minimumStock !== integration.minimumStock,
      settings: JSON.stringify(effective.settings) !== JSON.stringify(integration.settings),
      resumed: hadProblem,
    };
    integration.enabled = effective.enabled;
    integration.minimumStock = effective.minimumStock;
    if (change.settings) integration.settings = effective.settings;
    if (options.act && (change.enabled || change.settings || change.minimumStock || change.resumed)) await this.applier(change);
  }

  private compose(store: string, marketplace: string, row: OverrideRow, secrets: Record<string, string>): Seed {
    const seed = this.seeds.get(key(store, marketplace))!;
    // Secrets the row holds but this call did not open (update: only the new ones are given) are kept as they run now.
    const running = this.stores.integration(store, marketplace)!.settings;
    const keptSecrets = Object.fromEntries(Object.keys(row.secrets).filter((n) => !(n in secrets) && n in running).map((n) => [n, running[n]]));
    return {
      enabled: row.enabled ?? seed.enabled,
      minimumStock: row.minimum_stock ?? seed.minimumStock,
      settings: structuredClone({ ...seed.settings, ...row.settings, ...keptSecrets, ...secrets }),
    };
  }

  private describe(store: string, marketplace: string, row: OverrideRow) {
    const seed = this.seeds.get(key(store, marketplace))!;
    const secretNames = this.secretNames(marketplace);
    const settingSources: Record<string, Source> = {};
    for (const name of Object.keys(seed.settings)) if (!secretNames.has(name)) settingSources[name] = 'config';
    for (const name of Object.keys(row.settings)) settingSources[name] = 'api';
    const secrets: IntegrationView['secrets'] = {};
    for (const name of secretNames) {
      const source: Source | null = name in row.secrets ? 'api' : typeof seed.settings[name] === 'string' && seed.settings[name] ? 'config' : null;
      secrets[name] = { set: source !== null, source };
    }
    return {
      revision: Number(row.revision),
      updatedBy: row.updated_by,
      updatedAt: row.updated_by ? new Date(row.updated_at).toISOString() : null,
      sources: { enabled: row.enabled === null ? 'config' : 'api', minimumStock: row.minimum_stock === null ? 'config' : 'api', settings: settingSources } as IntegrationView['sources'],
      secrets,
    };
  }

  private validate(marketplace: string, settings: Record<string, unknown>): FieldProblem[] {
    const schema = this.schema(marketplace);
    if (!schema) return [];
    const validate = createAjv().compile(schema);
    return validate(settings) ? [] : toProblems(validate.errors, 'settings');
  }

  private schema(marketplace: string): Record<string, unknown> | undefined {
    try {
      return this.plugins.manifest(marketplace).contributes.marketplace.settings as Record<string, unknown> | undefined;
    } catch {
      return undefined; // refused plugin: its integration is paused anyway
    }
  }

  private secretNames(marketplace: string): Set<string> {
    return secretSettingNames(this.schema(marketplace));
  }

  private integration(store: string, marketplace: string): IntegrationConfig {
    if (!this.stores.get(store)) throw Errors.adminNotFound(`Store "${store}"`);
    const integration = this.stores.integration(store, marketplace);
    if (!integration) throw Errors.adminNotFound(`Integration "${marketplace}" of store "${store}"`);
    return integration;
  }

  /** Every SKU of the integration (or, `everySnapshot`, of the store) through marketplace-sync from its stored snapshot. */
  private async resyncAll(store: string, marketplace: string, reason: string, everySnapshot = false) {
    const rows = await this.db.query<{ sku_id: string }>(
      `select s.sku_id from sku_snapshots s where s.store = $1
         and ($3 or exists (select 1 from sku_state t where t.store = s.store and t.marketplace = $2 and t.sku_id = s.sku_id))`,
      [store, marketplace, everySnapshot],
    );
    if (rows.length) await enqueueMarketplaceSync(this.boss, store, marketplace, rows.map((r) => r.sku_id), reason);
  }
}

function emptyRow(store: string, marketplace: string): OverrideRow {
  return { store, marketplace, enabled: null, minimum_stock: null, settings: {}, secrets: {}, revision: 0, updated_by: null, updated_at: new Date(0) };
}
