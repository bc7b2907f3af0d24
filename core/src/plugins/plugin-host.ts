import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inject, injectable } from 'tsyringe';
import type { ConnectorConfig, StoreConfig } from '../config/types.js';
import { createAjv, toProblems } from '../config/validation.js';
import { TOKENS } from '../di/tokens.js';
import { Errors, type FieldProblem } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { Disposable, MarketplaceHandlers, PluginContext, PluginModule } from '../plugin-api/index.js';
import type { DiscoveredPlugin, PluginManifest } from './manifest.js';
import { createPluginHttp } from './plugin-http.js';

/** The repository's own plugins/ folder, when the core runs from a checkout. */
const REPO_PLUGINS = resolve(dirname(fileURLToPath(import.meta.url)), '../../../plugins');

interface Activation {
  handlers: MarketplaceHandlers;
  module: PluginModule;
  subscriptions: Disposable[];
}

/**
 * Finds plugins by their manifest (package.json `contributes.marketplace`) without running their
 * code, validates each integration's settings against the plugin's settings schema, and activates a
 * plugin for an integration the first time that integration has work.
 *
 * In-process for now; the isolated extension host replaces `activate` with a worker behind RPC.
 */
@injectable()
export class PluginHost {
  private readonly plugins = new Map<string, DiscoveredPlugin>();
  private readonly activations = new Map<string, Promise<Activation>>();
  private readonly searched: string[] = [];

  constructor(
    @inject(TOKENS.Config) private readonly config: ConnectorConfig,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {
    this.discover([...config.plugins.paths, resolve('plugins'), REPO_PLUGINS]);
  }

  /** Every folder given is either a plugin package or a folder of plugin packages. */
  private discover(roots: string[]) {
    for (const root of new Set(roots)) {
      if (!existsSync(root)) continue;
      this.searched.push(root);
      const candidates = existsSync(join(root, 'package.json'))
        ? [root]
        : readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(root, d.name));
      for (const dir of candidates) {
        const manifest = readManifest(dir);
        if (!manifest) continue;
        const id = manifest.contributes.marketplace.id;
        if (this.plugins.has(id)) {
          const first = this.plugins.get(id)!;
          if (first.dir !== dir) this.log.warn({ marketplace: id, kept: first.dir, ignored: dir }, 'duplicate marketplace id; keeping the first plugin found');
          continue;
        }
        this.plugins.set(id, { dir, manifest });
      }
    }
  }

  list(): DiscoveredPlugin[] {
    return [...this.plugins.values()];
  }

  manifest(marketplace: string): PluginManifest {
    const plugin = this.plugins.get(marketplace);
    if (!plugin) throw Errors.pluginNotFound(marketplace, this.searched);
    return plugin.manifest;
  }

  /** Problems with the configured integrations: unknown marketplaces and settings the plugin refuses. */
  validateIntegrations(stores: StoreConfig[]): FieldProblem[] {
    const problems: FieldProblem[] = [];
    const ajv = createAjv();
    stores.forEach((store, i) =>
      store.integrations.forEach((integration, j) => {
        const path = `/stores/${i}/integrations/${j}`;
        const plugin = this.plugins.get(integration.marketplace);
        if (!plugin) {
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

  /** The handlers of `marketplace` for `store`, activating the plugin on first use. */
  handlers(store: StoreConfig, marketplace: string): Promise<MarketplaceHandlers> {
    const key = `${store.account}/${marketplace}`;
    let activation = this.activations.get(key);
    if (!activation) {
      activation = this.activate(store, marketplace);
      this.activations.set(key, activation);
      activation.catch(() => this.activations.delete(key));
    }
    return activation.then((a) => a.handlers);
  }

  private async activate(store: StoreConfig, marketplace: string): Promise<Activation> {
    const plugin = this.plugins.get(marketplace);
    if (!plugin) throw Errors.pluginNotFound(marketplace, this.searched);
    const integration = store.integrations.find((i) => i.marketplace === marketplace);
    const settings = integration?.settings ?? {};
    const url = pathToFileURL(join(plugin.dir, plugin.manifest.main)).href;
    const loaded = (await import(url)) as { default?: PluginModule } & PluginModule;
    const module = loaded.default ?? loaded;
    const log = this.log.child({ plugin: plugin.manifest.name, store: store.account, marketplace });
    const subscriptions: Disposable[] = [];
    const context: PluginContext = {
      marketplace,
      store: store.account,
      settings,
      http: createPluginHttp(marketplace, typeof settings.apiBaseUrl === 'string' ? settings.apiBaseUrl : undefined),
      log: {
        debug: (m, d) => log.debug(d ?? {}, m),
        info: (m, d) => log.info(d ?? {}, m),
        warn: (m, d) => log.warn(d ?? {}, m),
        error: (m, d) => log.error(d ?? {}, m),
      },
      subscriptions,
    };
    const handlers = await module.activate(context);
    log.info({ version: plugin.manifest.version }, 'plugin activated');
    return { handlers, module, subscriptions };
  }

  /** Validates new settings for an integration against the plugin's settings schema (defaults applied). */
  validateSettings(store: StoreConfig, marketplace: string, settings: Record<string, unknown>): FieldProblem[] {
    const schema = this.manifest(marketplace).contributes.marketplace.settings;
    if (!schema) return [];
    const validate = createAjv().compile(schema);
    return validate(settings) ? [] : toProblems(validate.errors, `${store.account}/${marketplace}/settings`);
  }

  /** Deactivates one integration's plugin; its next use activates it again (with the settings of that moment). */
  async deactivate(store: string, marketplace: string): Promise<void> {
    const key = `${store}/${marketplace}`;
    const pending = this.activations.get(key);
    this.activations.delete(key);
    if (pending) await this.disposeAll([[key, pending]]);
  }

  /** Deactivates every active plugin: `deactivate()` then its disposables; errors are logged, not thrown. */
  async dispose(): Promise<void> {
    const all = [...this.activations.entries()];
    this.activations.clear();
    await this.disposeAll(all);
  }

  private async disposeAll(all: Array<[string, Promise<Activation>]>): Promise<void> {
    for (const [key, pending] of all) {
      const activation = await pending.catch(() => undefined);
      if (!activation) continue;
      try {
        await activation.module.deactivate?.();
      } catch (error) {
        this.log.error({ err: error, plugin: key }, 'plugin deactivate failed');
      }
      for (const d of activation.subscriptions.reverse()) {
        try {
          await d.dispose();
        } catch (error) {
          this.log.error({ err: error, plugin: key }, 'plugin disposable failed');
        }
      }
    }
  }
}

function readManifest(dir: string): PluginManifest | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PluginManifest;
    return pkg?.contributes?.marketplace?.id && pkg.main ? pkg : undefined;
  } catch {
    return undefined;
  }
}
