import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CommandModule } from 'yargs';
import {
  bucketFor,
  DEFAULT_CAPABILITIES,
  discoverPlugins,
  effectiveLimits,
  isConnectorError,
  loadConfigFile,
  openDatabase,
  PluginActivations,
  type ActivationRecord,
  type ConnectorConfig,
  type Database,
  type DiscoveryResult,
} from '@connector/core';
import { PLUGIN_API_VERSION } from '@connector/core/plugin';
import { databaseFrom, databaseOptions } from './shared.js';
import { newCommand } from './plugin-new.js';
import { docsCommand, validateCommand } from './plugin-validate.js';

interface ListArgs {
  config?: string;
  'data-dir': string;
  json: boolean;
}

/** Where a plugin was found, in the words of `plugin list`. */
const SOURCE = { config: 'path', 'plugins-folder': 'workspace', npm: 'npm' } as const;

type PluginState = 'active' | 'inactive' | 'failed' | 'never activated' | 'quarantined' | 'refused' | 'unknown';

interface ListedPlugin {
  marketplace?: string;
  name: string;
  version?: string;
  dir: string;
  source: (typeof SOURCE)[keyof typeof SOURCE];
  engine: { range?: string; apiVersion: string; compatible: boolean };
  state: PluginState;
  /** Why it is refused, quarantined or failed; or what the state is based on. */
  reason?: string;
  /** Per integration (store), as runtimes recorded them. */
  activations: Array<Pick<ActivationRecord, 'store' | 'runtime' | 'state' | 'activatedAt' | 'deactivatedAt' | 'lastError' | 'version'>>;
  warnings: number;
}

interface RuntimeRecords {
  /** Where activation and quarantine states were read, or why they could not be. */
  database: { available: boolean; note: string };
  health: Array<{ marketplace: string; version: string; status: string; reason: string | null; quarantinedAt: string | null }>;
  activations: ActivationRecord[];
}

/**
 * The runtime's own records: quarantines (plugin_health) and activations (plugin_activations). Read
 * only: an embedded data dir that no runtime ever created is not created here, and one a running
 * server holds cannot be opened (PGlite has one owner) — then the states are `unknown`.
 */
async function runtimeRecords(args: ListArgs): Promise<RuntimeRecords> {
  const options = databaseFrom(args);
  if (!options.url && !existsSync(join(options.dataDir!, 'PG_VERSION'))) {
    return { database: { available: false, note: `no runtime has run on ${options.dataDir} (set --data-dir, or DATABASE_URL for Postgres)` }, health: [], activations: [] };
  }
  let db: Database | undefined;
  try {
    db = await openDatabase(options);
    const health = await db.query<Record<string, unknown>>('select marketplace, version, status, reason, quarantined_at from plugin_health');
    const activations = await PluginActivations.list(db);
    return {
      database: { available: true, note: options.url ? 'PostgreSQL (DATABASE_URL)' : `embedded database ${options.dataDir}` },
      health: health.map((r) => ({ marketplace: String(r.marketplace), version: String(r.version), status: String(r.status), reason: (r.reason as string) ?? null, quarantinedAt: r.quarantined_at ? new Date(r.quarantined_at as string).toISOString() : null })),
      activations,
    };
  } catch (error) {
    const note = isConnectorError(error) && error.code === 'CONNECTOR_ERR_DATABASE_IN_USE'
      ? `${error.code}: ${error.message} — states are unknown while it runs (with Postgres, any number of processes can read them)`
      : `cannot read the runtime's records: ${(error as Error).message} (run connector db migrate?)`;
    return { database: { available: false, note }, health: [], activations: [] };
  } finally {
    await db?.close().catch(() => undefined);
  }
}

function describePlugins(found: DiscoveryResult, records: RuntimeRecords): ListedPlugin[] {
  const listed: ListedPlugin[] = [];
  for (const p of found.plugins.values()) {
    const id = p.manifest.contributes.marketplace.id;
    const base = {
      marketplace: id,
      name: p.manifest.name,
      version: p.manifest.version,
      dir: p.dir,
      source: SOURCE[p.source],
      engine: { range: p.manifest.engines.connector, apiVersion: PLUGIN_API_VERSION, compatible: true },
      warnings: p.warnings?.length ?? 0,
    };
    const activations = records.activations
      .filter((a) => a.marketplace === id)
      .map(({ store, runtime, state, activatedAt, deactivatedAt, lastError, version }) => ({ store, runtime, state, activatedAt, deactivatedAt, lastError, version }));
    const quarantine = records.health.find((h) => h.marketplace === id && h.status === 'quarantined' && h.version === p.manifest.version);
    let state: PluginState;
    let reason: string | undefined;
    if (quarantine) {
      state = 'quarantined';
      reason = `${quarantine.reason ?? 'crash budget spent'} (since ${quarantine.quarantinedAt})`;
    } else if (activations.some((a) => a.state === 'active')) {
      state = 'active';
      reason = `active for ${activations.filter((a) => a.state === 'active').map((a) => `${a.store} in ${a.runtime} since ${a.activatedAt}`).join('; ')}`;
    } else if (activations.length) {
      const last = activations[0];
      state = last.state === 'failed' ? 'failed' : 'inactive';
      reason = last.state === 'failed' ? `activation failed for ${last.store}: ${last.lastError}` : `last active for ${last.store} in ${last.runtime}, until ${last.deactivatedAt}${last.state === 'gone' ? ' (the runtime died)' : ''}`;
    } else if (records.database.available) {
      state = 'never activated';
      reason = 'no integration of it has had work on this database';
    } else {
      state = 'unknown';
      reason = records.database.note;
    }
    listed.push({ ...base, state, reason, activations });
  }
  for (const r of found.refused) {
    const at = r.label.lastIndexOf('@');
    const engineProblem = r.problems.find((pr) => pr.path === '/engines/connector');
    listed.push({
      ...(r.marketplace ? { marketplace: r.marketplace } : {}),
      name: at > 0 ? r.label.slice(0, at) : r.label,
      ...(at > 0 ? { version: r.label.slice(at + 1) } : {}),
      dir: r.dir,
      source: SOURCE[r.source],
      engine: { range: declaredRange(r.dir), apiVersion: PLUGIN_API_VERSION, compatible: !engineProblem },
      state: 'refused',
      reason: `${r.error.code}: ${r.problems.map((pr) => `${pr.path || '(package)'} ${pr.message}`).join('; ')}`,
      activations: [],
      warnings: 0,
    });
  }
  return listed;
}

/** The engine range a refused plugin declares, when its package.json says one. */
function declaredRange(dir: string): string | undefined {
  try {
    const range = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { engines?: { connector?: unknown } }).engines?.connector;
    return typeof range === 'string' ? range : undefined;
  } catch {
    return undefined;
  }
}

function integrationLimits(config: ConnectorConfig, found: DiscoveryResult) {
  return config.stores.flatMap((s) =>
    s.integrations.map((i) => {
      const plugin = found.plugins.get(i.marketplace);
      if (!plugin) return { store: s.account, marketplace: i.marketplace, missing: true as const };
      const limits = effectiveLimits(plugin.manifest.contributes.marketplace.limits, i.limits);
      return {
        store: s.account,
        marketplace: i.marketplace,
        plugin: `${plugin.manifest.name}@${plugin.manifest.version}`,
        limits,
        buckets: Object.fromEntries(Object.entries(limits.rate).map(([op, limit]) => [op, bucketFor(limit)])),
        capabilities: { ...DEFAULT_CAPABILITIES, ...plugin.manifest.contributes.marketplace.capabilities },
      };
    }),
  );
}

const listCommand: CommandModule<object, ListArgs> = {
  command: 'list',
  describe: 'Every plugin the runtime would find: source, engine compatibility, activation state and quarantine reason (from the runtime database); with --config, the effective limits per integration',
  builder: (y) =>
    y
      .option('config', { type: 'string', describe: 'JSON config file: adds its plugins.paths and its integrations (effective limits)' })
      .option('json', { type: 'boolean', default: false })
      .options(databaseOptions) as never,
  handler: async (args) => {
    const config = args.config ? loadConfigFile(args.config) : undefined;
    const found = discoverPlugins({ configPaths: config?.plugins.paths ?? [] });
    const records = await runtimeRecords(args);
    const plugins = describePlugins(found, records);
    const integrations = config ? integrationLimits(config, found) : [];
    if (args.json) return void process.stdout.write(`${JSON.stringify({ database: records.database, plugins, integrations }, null, 2)}\n`);

    const out: string[] = [`Plugins (plugin API ${PLUGIN_API_VERSION}; states from ${records.database.available ? records.database.note : `nowhere: ${records.database.note}`}):`];
    for (const p of plugins) {
      const engine = `engine ${p.engine.range ?? '?'} ${p.engine.compatible ? 'compatible' : 'INCOMPATIBLE'}`;
      out.push(`  ${(p.marketplace ?? '?').padEnd(16)} ${`${p.name}@${p.version ?? '?'}`.padEnd(42)} ${p.source.padEnd(9)} ${engine}  ${p.state.toUpperCase()}`);
      out.push(`      ${relative(process.cwd(), p.dir) || '.'}${p.warnings ? ` — ${p.warnings} validation warning${p.warnings === 1 ? '' : 's'} (connector plugin validate)` : ''}`);
      if (p.reason) out.push(`      ${p.reason}`);
    }
    if (!plugins.length) out.push(`  none found (looked in: ${found.searched.join(', ') || 'nothing'})`);
    if (config) {
      out.push('', 'Effective limits per integration (source in brackets):');
      for (const i of integrations) {
        if ('missing' in i) {
          out.push(`  ${i.store} → ${i.marketplace}: no plugin provides it`);
          continue;
        }
        out.push(`  ${i.store} → ${i.marketplace} (${i.plugin}, ${i.capabilities.mode}${i.capabilities.needsProductBeforeOffer ? ', product before offer' : ''})`);
        for (const [op, r] of Object.entries(i.limits.rate)) {
          const rate = [r.perSecond !== undefined && `${r.perSecond}/s`, r.perMinute !== undefined && `${r.perMinute}/min`].filter(Boolean).join(' and ');
          const b = i.buckets[op]!;
          out.push(`    rate ${op}: ${rate}, burst ${r.burst} [${i.limits.source.rate[op]}] — enforced as ${b.rate.toFixed(3)}/s, burst ${b.capacity}`);
        }
        if (!Object.keys(i.limits.rate).length) out.push('    rate: not limited');
        const { maxItems, maxBytes, maxWaitMs } = i.limits.batch;
        const s = i.limits.source.batch;
        out.push(`    batch: ${maxItems} items [${s.maxItems}], ${maxBytes} bytes [${s.maxBytes}], ${maxWaitMs} ms wait [${s.maxWaitMs}]`);
        out.push(`    concurrency: ${i.limits.concurrency} [${i.limits.source.concurrency}]`);
      }
    }
    process.stdout.write(`${out.join('\n')}\n`);
  },
};

export const pluginCommand: CommandModule = {
  command: 'plugin <command>',
  describe: 'Marketplace plugins: new, validate, docs, list',
  builder: (y) => y.command(newCommand).command(validateCommand).command(docsCommand).command(listCommand).demandCommand(1, 'Name a plugin command: new, validate, docs or list'),
  handler: () => undefined,
};
