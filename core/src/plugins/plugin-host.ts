import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig, StoreConfig } from '../config/types.js';
import { createAjv, toProblems } from '../config/validation.js';
import type { Database } from '../database/database.js';
import { TOKENS } from '../di/tokens.js';
import { Errors, type FieldProblem } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { Disposable, HandlerMethod, RemoteHandlers } from '../plugin-api/index.js';
import type { Clock } from '../util/clock.js';
import { activatesOnStartup, activationEvents, integrationKey, type IntegrationRef } from './activation.js';
import { ContextServices, type IntegrationBinding } from './context-services.js';
import { discoverPlugins, type DiscoveryOptions, type RefusedPlugin } from './discovery.js';
import type { HttpMeter } from './http-meter.js';
import type { DiscoveredPlugin, PluginManifest } from './manifest.js';
import { PluginActivations } from './activations.js';
import { PluginStateRepository } from './plugin-state-repository.js';
import { PluginHealthRepository, type Strike } from './quarantine.js';
import { DEFAULT_HOST_LIMITS, PluginSupervisor, type HostLimits, type SupervisorStatus } from './supervisor.js';

export interface PluginHostOptions {
  /** Where to look besides the config's plugins.paths (tests narrow it to their fixtures). */
  discovery?: Pick<DiscoveryOptions, 'pluginFolders' | 'npmFrom' | 'apiVersion'>;
  limits?: Partial<HostLimits>;
  /** The plugin hosts' whole environment (default: TZ, LANG and NODE_ENV only — never the core's secrets). */
  env?: Record<string, string>;
  /** Default timeout of one ctx.http request. */
  httpTimeoutMs?: number;
}

/** How a plugin is doing, for operators (the admin API shows this). */
export interface PluginStatus {
  marketplace?: string;
  plugin: string;
  dir: string;
  source: DiscoveredPlugin['source'];
  /** `refused`: not loaded (see problems); `idle`: never needed yet (its code was not evaluated). */
  state: SupervisorStatus['state'] | 'refused';
  activationEvents: string[];
  /** The integrations of this marketplace and whether each is paused (and why). */
  integrations: Array<IntegrationRef & { paused: boolean; reason?: string }>;
  host?: Omit<SupervisorStatus, 'state'>;
  refusal?: { code: string; message: string; problems: FieldProblem[] };
}

export interface PluginStatusChange {
  marketplace: string;
  plugin: string;
  change: 'quarantined' | 'released';
  reason?: string;
  integrations: IntegrationRef[];
}

/**
 * The extension host, as the rest of the core sees it (a small facade over discovery, manifest
 * validation, activation, isolation, RPC and quarantine). Plugins are found and validated at
 * construction without running their code; each runs in its own worker thread or child process,
 * started the first time one of its integrations has work; the pipeline calls them only through
 * `handlers()`, whose methods forward each call across the boundary.
 */
@injectable()
export class PluginHost {
  private plugins: Map<string, DiscoveredPlugin>;
  private refused: RefusedPlugin[];
  private searched: string[];
  private readonly supervisors = new Map<string, PluginSupervisor>();
  private readonly listeners = new Set<(change: PluginStatusChange) => void>();
  private readonly healthWrites = new Map<string, Promise<void>>();
  private readonly limits: HostLimits;
  private readonly services: ContextServices;
  private readonly health: PluginHealthRepository;
  private readonly activations: PluginActivations;
  /** Integrations activated by this runtime (recorded in plugin_activations). */
  private readonly activeIntegrations = new Set<string>();
  private readonly activationWrites = new Set<Promise<void>>();
  private readonly env: Record<string, string>;
  private disposed = false;

  constructor(
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.Logger) private readonly log: Logger,
    @inject(TOKENS.Database) db: Database,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.HttpMeter) meter: HttpMeter,
    @inject(TOKENS.PluginHostOptions) private readonly options: PluginHostOptions,
  ) {
    this.limits = {
      ...DEFAULT_HOST_LIMITS,
      ...options.limits,
      crashBudget: { ...DEFAULT_HOST_LIMITS.crashBudget, ...options.limits?.crashBudget },
      restartBackoff: { ...DEFAULT_HOST_LIMITS.restartBackoff, ...options.limits?.restartBackoff },
    };
    this.services = new ContextServices(log, meter, new PluginStateRepository(db));
    this.health = new PluginHealthRepository(db);
    this.activations = new PluginActivations(db);
    this.env = options.env ?? pick(process.env, ['TZ', 'LANG', 'NODE_ENV']);
    const found = discoverPlugins({ configPaths: config.plugins.paths, ...options.discovery });
    this.plugins = found.plugins;
    this.refused = found.refused;
    this.searched = found.searched;
    for (const refusal of this.refused) {
      this.log.error({ plugin: refusal.label, dir: refusal.dir, code: refusal.error.code, problems: refusal.problems }, refusal.error.message);
    }
    for (const plugin of this.plugins.values()) {
      for (const w of plugin.warnings ?? []) {
        this.log.warn({ plugin: `${plugin.manifest.name}@${plugin.manifest.version}`, rule: w.rule, pointer: w.path, fix: w.fix }, `plugin validation warning: ${w.path || '(package)'} ${w.message}`);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // What is installed
  // ---------------------------------------------------------------------------------------------

  list(): DiscoveredPlugin[] {
    return [...this.plugins.values()];
  }

  /** Plugins found but not loaded, with every problem (JSON pointer, message, fix). */
  refusals(): RefusedPlugin[] {
    return [...this.refused];
  }

  manifest(marketplace: string): PluginManifest {
    const plugin = this.plugins.get(marketplace);
    if (plugin) return plugin.manifest;
    const refusal = this.refusalFor(marketplace);
    if (refusal) throw Errors.pluginRefused(marketplace, refusal.label, refusal.error.message);
    throw Errors.pluginNotFound(marketplace, this.searched);
  }

  private refusalFor(marketplace: string): RefusedPlugin | undefined {
    return this.refused.find((r) => r.marketplace === marketplace && r.error.code !== Errors.pluginDuplicate.code);
  }

  /**
   * Problems with the configured integrations: a marketplace no plugin claims, and settings the
   * plugin's schema refuses (defaults applied in place). An integration whose plugin was found but
   * refused is not a config error: it is paused with the refusal as its reason, the rest runs.
   */
  validateIntegrations(stores: StoreConfig[]): FieldProblem[] {
    const problems: FieldProblem[] = [];
    const ajv = createAjv();
    stores.forEach((store, i) =>
      store.integrations.forEach((integration, j) => {
        const path = `/stores/${i}/integrations/${j}`;
        const plugin = this.plugins.get(integration.marketplace);
        if (!plugin) {
          if (this.refusalFor(integration.marketplace)) return;
          const known = [...this.plugins.keys()].join(', ') || 'none';
          problems.push({ path: `${path}/marketplace`, message: `no plugin provides "${integration.marketplace}" (installed: ${known})` });
          return;
        }
        const schema = plugin.manifest.contributes.marketplace.settings;
        if (!schema) return;
        const validate = ajv.compile(schema);
        if (!validate(integration.settings)) problems.push(...toProblems(validate.errors, `${path}/settings`));
      }),
    );
    return problems;
  }

  // ---------------------------------------------------------------------------------------------
  // Calling plugins
  // ---------------------------------------------------------------------------------------------

  /**
   * The handlers of `marketplace` for `store`: activates the integration on first use (starting the
   * plugin's host if needed — the plugin's module is never evaluated before this), then resolves to an
   * object with one async method per handler the plugin provides. Each call crosses the boundary;
   * after a crash the same object keeps working (the next call starts a fresh host).
   */
  async handlers(store: StoreConfig, marketplace: string): Promise<RemoteHandlers> {
    const supervisor = this.supervisor(marketplace);
    const binding = this.binding(store, supervisor.plugin);
    const { name, version } = supervisor.plugin.manifest;
    let methods: Awaited<ReturnType<PluginSupervisor['activate']>>;
    try {
      methods = await supervisor.activate(binding);
    } catch (error) {
      if (!this.activeIntegrations.has(integrationKey(binding.ref))) {
        this.recordActivation(() => this.activations.failed(binding.ref, name, version, (error as Error)?.message ?? String(error)));
      }
      throw error;
    }
    if (!this.activeIntegrations.has(integrationKey(binding.ref))) {
      this.activeIntegrations.add(integrationKey(binding.ref));
      this.recordActivation(() => this.activations.activated(binding.ref, name, version));
    }
    const handlers: Partial<Record<HandlerMethod, (...args: unknown[]) => Promise<unknown>>> = {};
    for (const method of methods) handlers[method] = (...args: unknown[]) => supervisor.call(binding, method, args);
    return handlers as RemoteHandlers;
  }

  /** One handler call for an integration, without holding a handlers object. */
  async call(store: StoreConfig, marketplace: string, method: string, args: unknown[]): Promise<unknown> {
    const supervisor = this.supervisor(marketplace);
    return supervisor.call(this.binding(store, supervisor.plugin), method, args);
  }

  private supervisor(marketplace: string): PluginSupervisor {
    if (this.disposed) throw Errors.pluginCrashed(marketplace, 'the runtime is shutting down');
    let supervisor = this.supervisors.get(marketplace);
    if (supervisor) return supervisor;
    const plugin = this.plugins.get(marketplace);
    if (!plugin) this.manifest(marketplace); // throws the refusal or not-found error
    supervisor = new PluginSupervisor(plugin!, this.limits, this.services, this.log, () => this.clock.now(), this.env, {
      quarantined: (reason, strikes, since) => void this.onQuarantined(supervisor!, reason, strikes, since),
    });
    this.supervisors.set(marketplace, supervisor);
    return supervisor;
  }

  /** The integration as the plugin's context sees it: settings split from secrets, allowed hosts. */
  private binding(store: StoreConfig, plugin: DiscoveredPlugin): IntegrationBinding {
    return integrationBinding(store, plugin.manifest, this.options.httpTimeoutMs ?? 20_000);
  }

  // ---------------------------------------------------------------------------------------------
  // Lifecycle
  // ---------------------------------------------------------------------------------------------

  /**
   * At runtime start: restores quarantines recorded in the database (a different plugin version
   * releases them: the operator installed a fix), then activates `onStartup` plugins' integrations.
   */
  async start(stores: StoreConfig[] = this.config.stores): Promise<void> {
    await this.activations.sweepGone().catch((error: unknown) => this.log.warn({ err: error }, 'could not sweep the activations of dead runtimes'));
    for (const record of await this.health.quarantined()) {
      const plugin = this.plugins.get(record.marketplace);
      if (!plugin) continue;
      if (plugin.manifest.version !== record.version) {
        await this.recordHealth(record.marketplace, () => this.health.release(record.marketplace));
        this.log.info({ marketplace: record.marketplace, quarantined: record.version, installed: plugin.manifest.version }, 'plugin version changed; quarantine lifted');
        continue;
      }
      this.supervisor(record.marketplace).enterQuarantine(record.reason, record.since);
    }
    for (const plugin of this.plugins.values()) {
      if (!activatesOnStartup(plugin.manifest)) continue;
      const id = plugin.manifest.contributes.marketplace.id;
      for (const store of stores.filter((s) => s.integrations.some((i) => i.marketplace === id && i.enabled))) {
        if (this.isPaused(store.account, id)) continue;
        this.handlers(store, id).catch((error: unknown) => this.log.error({ err: error, marketplace: id, store: store.account }, 'onStartup activation failed'));
      }
    }
  }

  /** Listens for quarantines and releases (the runtime pauses and resumes the integrations' queues). */
  onDidChangeStatus(listener: (change: PluginStatusChange) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  }

  private async onQuarantined(supervisor: PluginSupervisor, reason: string, strikes: Strike[], since: string) {
    const { manifest } = supervisor.plugin;
    const marketplace = manifest.contributes.marketplace.id;
    // Pause first (listeners act at once), then record it for other runtimes and the admin API.
    this.emit({ marketplace, plugin: supervisor.label, change: 'quarantined', reason, integrations: this.integrationsOf(marketplace) });
    await this.recordHealth(marketplace, () => this.health.quarantine({ marketplace, plugin: manifest.name, version: manifest.version, reason, strikes, since }));
  }

  /** Activation records are written beside the work (never in its way); shutdown waits for them. */
  private recordActivation(write: () => Promise<void>) {
    const done = write()
      .catch((error: unknown) => this.log.warn({ err: error }, 'could not record the plugin activation'))
      .finally(() => this.activationWrites.delete(done));
    this.activationWrites.add(done);
  }

  /** Health writes for one marketplace run in order, so a quick release never lands before its quarantine. */
  private recordHealth(marketplace: string, write: () => Promise<void>): Promise<void> {
    const next = (this.healthWrites.get(marketplace) ?? Promise.resolve())
      .then(write)
      .catch((error: unknown) => this.log.error({ err: error, marketplace }, 'could not record the plugin health'));
    this.healthWrites.set(marketplace, next);
    return next;
  }

  /** Lifts a quarantine: the next work starts a fresh host with a fresh crash budget. */
  async release(marketplace: string): Promise<void> {
    const supervisor = this.supervisors.get(marketplace);
    if (!supervisor?.quarantined) return;
    supervisor.release();
    await this.recordHealth(marketplace, () => this.health.release(marketplace));
    this.emit({ marketplace, plugin: supervisor.label, change: 'released', integrations: this.integrationsOf(marketplace) });
  }

  /**
   * Reload: deactivates the plugin (deactivate() and disposables run), re-reads and re-validates its
   * manifest from disk; the next work loads its code afresh in a new host.
   */
  async reload(marketplace: string): Promise<void> {
    const supervisor = this.supervisors.get(marketplace);
    const plugin = this.plugins.get(marketplace);
    if (!plugin) throw Errors.pluginNotFound(marketplace, this.searched);
    if (supervisor) {
      await supervisor.stop(false);
      this.supervisors.delete(marketplace);
      for (const key of [...this.activeIntegrations]) if (key.endsWith(`/${marketplace}`)) this.activeIntegrations.delete(key);
      await Promise.all(this.activationWrites);
      this.recordActivation(() => this.activations.deactivated(marketplace));
    }
    const found = discoverPlugins({ configPaths: [plugin.dir], pluginFolders: [], npmFrom: [], apiVersion: this.options.discovery?.apiVersion });
    const fresh = found.plugins.get(marketplace);
    if (fresh) {
      this.plugins.set(marketplace, { ...fresh, source: plugin.source });
    } else {
      this.plugins.delete(marketplace);
      this.refused = [...this.refused.filter((r) => r.dir !== plugin.dir), ...found.refused.map((r) => ({ ...r, source: plugin.source }))];
      this.log.error({ marketplace, problems: found.refused.flatMap((r) => r.problems) }, 'plugin refused on reload; its integrations are paused');
    }
    if (supervisor?.quarantined) {
      const next = this.supervisors.get(marketplace) ?? (fresh ? this.supervisor(marketplace) : undefined);
      next?.enterQuarantine(supervisor.quarantined.reason, supervisor.quarantined.since);
    }
  }

  /** Validates new settings for an integration against the plugin's settings schema (defaults applied). */
  validateSettings(store: StoreConfig, marketplace: string, settings: Record<string, unknown>): FieldProblem[] {
    const schema = this.manifest(marketplace).contributes.marketplace.settings;
    if (!schema) return [];
    const validate = createAjv().compile(schema);
    return validate(settings) ? [] : toProblems(validate.errors, `${store.account}/${marketplace}/settings`);
  }

  /**
   * New settings for one integration: secrets reach the running plugin at once (the context serves
   * the latest binding); other settings need a fresh activation, so the plugin is reloaded.
   */
  async deactivate(_store: string, marketplace: string): Promise<void> {
    if (this.supervisors.has(marketplace)) await this.reload(marketplace);
  }

  /** Shutdown: every host deactivated (deactivate() then disposables) and ended; errors logged, never thrown. */
  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.supervisors.values()];
    await Promise.all(
      all.map((s) => s.stop(true).catch((error: unknown) => this.log.error({ err: error, plugin: s.label }, 'plugin host did not stop cleanly'))),
    );
    await Promise.all(this.healthWrites.values());
    await Promise.all(this.activationWrites);
    if (this.activeIntegrations.size) {
      await this.activations.deactivated().catch((error: unknown) => this.log.warn({ err: error }, 'could not record the plugin deactivations'));
      this.activeIntegrations.clear();
    }
    this.listeners.clear();
  }

  // ---------------------------------------------------------------------------------------------
  // Status
  // ---------------------------------------------------------------------------------------------

  /** Why an integration is paused (its plugin refused or quarantined), or undefined when it runs. */
  pauseReason(store: string, marketplace: string): { code: string; reason: string } | undefined {
    if (this.plugins.has(marketplace)) {
      const quarantine = this.supervisors.get(marketplace)?.quarantined;
      return quarantine ? { code: Errors.pluginQuarantined.code, reason: quarantine.reason } : undefined;
    }
    const refusal = this.refusalFor(marketplace);
    return refusal ? { code: refusal.error.code, reason: refusal.error.message } : undefined;
  }

  isPaused(store: string, marketplace: string): boolean {
    return this.pauseReason(store, marketplace) !== undefined;
  }

  status(): PluginStatus[] {
    const loaded = [...this.plugins.values()].map((plugin): PluginStatus => {
      const marketplace = plugin.manifest.contributes.marketplace.id;
      const host = this.supervisors.get(marketplace)?.status();
      const { state = 'idle', ...rest } = host ?? {};
      return {
        marketplace,
        plugin: `${plugin.manifest.name}@${plugin.manifest.version}`,
        dir: plugin.dir,
        source: plugin.source,
        state,
        activationEvents: activationEvents(plugin.manifest),
        integrations: this.integrationStatus(marketplace),
        ...(host ? { host: rest as Omit<SupervisorStatus, 'state'> } : {}),
      };
    });
    const refused = this.refused.map((r): PluginStatus => ({
      marketplace: r.marketplace,
      plugin: r.label,
      dir: r.dir,
      source: r.source,
      state: 'refused',
      activationEvents: [],
      integrations: r.marketplace && !this.plugins.has(r.marketplace) ? this.integrationStatus(r.marketplace) : [],
      refusal: { code: r.error.code, message: r.error.message, problems: r.problems },
    }));
    return [...loaded, ...refused];
  }

  private integrationStatus(marketplace: string): PluginStatus['integrations'] {
    return this.integrationsOf(marketplace).map((ref) => {
      const pause = this.pauseReason(ref.store, marketplace);
      return { ...ref, paused: !!pause, ...(pause ? { reason: pause.reason } : {}) };
    });
  }

  private integrationsOf(marketplace: string): IntegrationRef[] {
    return this.config.stores.filter((s) => s.integrations.some((i) => i.marketplace === marketplace)).map((s) => ({ store: s.account, marketplace }));
  }

  private emit(change: PluginStatusChange) {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.log.error({ err: error, marketplace: change.marketplace }, 'plugin status listener failed');
      }
    }
  }

  /** The supervisor's live host for `marketplace` (tests: orphan checks). */
  hostOf(marketplace: string) {
    return this.supervisors.get(marketplace)?.hostProcess;
  }
}

/**
 * The integration as a plugin's context sees it: settings split from secrets (which reach the plugin
 * only through ctx.secrets), and the hosts ctx.http may reach (the manifest's, plus the host of the
 * integration's apiBaseUrl). The extension host and the test host (core/src/testing) both use it.
 */
export function integrationBinding(store: StoreConfig, manifest: PluginManifest, defaultTimeoutMs: number): IntegrationBinding {
  const { contributes } = manifest;
  const marketplace = contributes.marketplace.id;
  const integration = store.integrations.find((i) => i.marketplace === marketplace);
  const all = integration?.settings ?? {};
  const secretNames = secretSettingNames(contributes.marketplace.settings);
  const settings: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(all)) {
    if (secretNames.has(name)) {
      if (typeof value === 'string') secrets[name] = value;
    } else {
      settings[name] = value;
    }
  }
  const baseUrl = typeof settings.apiBaseUrl === 'string' ? settings.apiBaseUrl : undefined;
  let baseHost: string | undefined;
  try {
    baseHost = baseUrl ? new URL(baseUrl).hostname : undefined;
  } catch {
    baseHost = undefined;
  }
  return {
    ref: { store: store.account, marketplace },
    settings: structuredClone(settings),
    secrets,
    http: {
      plugin: `${manifest.name}@${manifest.version}`,
      marketplace,
      baseUrl,
      allowedHosts: [...contributes.marketplace.allowedHosts, ...(baseHost ? [baseHost] : [])],
      defaultTimeoutMs,
    },
  };
}

/** Top-level settings the schema marks `"x-secret": true`. */
export function secretSettingNames(schema: Record<string, unknown> | undefined): Set<string> {
  const properties = (schema?.properties ?? {}) as Record<string, { 'x-secret'?: unknown }>;
  return new Set(Object.entries(properties).filter(([, p]) => p?.['x-secret'] === true).map(([name]) => name));
}

function pick(env: NodeJS.ProcessEnv, names: string[]): Record<string, string> {
  return Object.fromEntries(names.filter((n) => env[n] !== undefined).map((n) => [n, env[n] as string]));
}

export type { IntegrationRef };
export { integrationKey };
