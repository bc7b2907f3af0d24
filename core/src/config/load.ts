import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Errors, type FieldProblem } from '../errors/errors.js';
import { resolveDeliveryConfig, resolveReconciliationConfig, type DeliveryConfigInput, type ReconciliationConfigInput } from './delivery-config.js';
import type { ConnectorConfig } from './types.js';
import { createAjv, validateWith } from './validation.js';

/** Defaults of the optional sections (also written in the schema, for editors). */
export const DEFAULT_PIPELINE: ConnectorConfig['pipeline'] = { coalesce: { quietMs: 1000, maxDelayMs: 15_000 } };
export const DEFAULT_LOGS: ConnectorConfig['logs'] = { retentionDays: 30 };
export const DEFAULT_ADMIN: ConnectorConfig['admin'] = { tokens: [], secretsKeyEnv: 'CONNECTOR_SECRETS_KEY', failedAuthPerMinute: 10, metricsToken: false, settingsPollSeconds: 5 };
/** Shorter admin tokens are refused: they could be guessed within the failed-auth rate limit's patience. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

export const CONFIG_SCHEMA_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../schema/config.schema.json');
/** The limits sub-schema, shared by the config (`integrations[].limits`) and the plugin manifest. */
export const LIMITS_SCHEMA_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../schema/limits.schema.json');

let compiled: ReturnType<ReturnType<typeof createAjv>['compile']> | undefined;
function configValidator() {
  compiled ??= createAjv()
    .addSchema(JSON.parse(readFileSync(LIMITS_SCHEMA_PATH, 'utf8')))
    .compile(JSON.parse(readFileSync(CONFIG_SCHEMA_PATH, 'utf8')));
  return compiled;
}

/** Reads, validates and resolves a config file. Throws CONNECTOR_ERR_CONFIG_* listing every problem. */
export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): ConnectorConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw Errors.configUnreadable(file, (error as Error).message);
  }
  return parseConfig(raw, { source: file, baseDir: dirname(resolve(file)), env });
}

/**
 * Validates a config object against core/schema/config.schema.json, applies defaults and resolves
 * `{"env": "NAME"}` secrets. Every problem is collected before throwing, never only the first.
 */
export function parseConfig(
  raw: unknown,
  options: { source?: string; baseDir?: string; env?: NodeJS.ProcessEnv } = {},
): ConnectorConfig {
  const source = options.source ?? '(inline)';
  const env = options.env ?? process.env;
  const input = structuredClone(raw);
  const result = validateWith<Record<string, unknown>>(configValidator(), input);
  if (!result.ok) throw Errors.configInvalid(source, result.problems);

  const problems: FieldProblem[] = [];
  const resolved = resolveSecrets(result.value, '', env, problems) as Omit<ConnectorConfig, 'source' | 'pipeline' | 'logs' | 'delivery' | 'reconciliation' | 'admin'> & {
    admin?: Partial<ConnectorConfig['admin']>;
    plugins?: { paths?: string[] };
    server?: ConnectorConfig['server'];
    pipeline?: { coalesce?: Partial<ConnectorConfig['pipeline']['coalesce']> };
    logs?: Partial<ConnectorConfig['logs']>;
    delivery?: DeliveryConfigInput;
    reconciliation?: ReconciliationConfigInput;
  };
  const seen = new Map<string, number>();
  resolved.stores.forEach((store, i) => {
    if (seen.has(store.account)) {
      problems.push({ path: `/stores/${i}/account`, message: `duplicates /stores/${seen.get(store.account)}/account "${store.account}"; each VTEX account appears once` });
    }
    seen.set(store.account, i);
    store.vtex.baseUrl ??= `https://${store.account}.vtexcommercestable.com.br`;
    const markets = new Set<string>();
    store.integrations.forEach((integration, j) => {
      if (markets.has(integration.marketplace)) {
        problems.push({ path: `/stores/${i}/integrations/${j}/marketplace`, message: `"${integration.marketplace}" is configured twice for this store` });
      }
      markets.add(integration.marketplace);
    });
  });
  const names = new Set<string>();
  (resolved.admin?.tokens ?? []).forEach((t, i) => {
    if (names.has(t.name)) problems.push({ path: `/admin/tokens/${i}/name`, message: `"${t.name}" is used by another token; each token has its own name` });
    names.add(t.name);
    // A missing env variable was reported already (and resolved to '').
    if (t.token && t.token.length < MIN_ADMIN_TOKEN_LENGTH) {
      problems.push({ path: `/admin/tokens/${i}/token`, message: `is ${t.token.length} characters; admin tokens need at least ${MIN_ADMIN_TOKEN_LENGTH}`, fix: 'generate one with `openssl rand -hex 24`' });
    }
  });
  if (problems.length) throw Errors.configInvalid(source, problems);

  const baseDir = options.baseDir ?? process.cwd();
  return {
    stores: resolved.stores,
    plugins: { paths: (resolved.plugins?.paths ?? []).map((p) => resolve(baseDir, p)) },
    server: resolved.server ?? {},
    pipeline: { coalesce: { ...DEFAULT_PIPELINE.coalesce, ...resolved.pipeline?.coalesce } },
    logs: { ...DEFAULT_LOGS, ...resolved.logs },
    delivery: resolveDeliveryConfig(resolved.delivery),
    reconciliation: resolveReconciliationConfig(resolved.reconciliation),
    admin: { ...DEFAULT_ADMIN, ...resolved.admin, tokens: resolved.admin?.tokens ?? [] },
    source,
  };
}

/** Replaces every `{"env": "NAME"}` object by the variable's value; a missing variable is a problem. */
function resolveSecrets(value: unknown, path: string, env: NodeJS.ProcessEnv, problems: FieldProblem[]): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, `${path}/${i}`, env, problems));
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'env' && typeof (value as { env: unknown }).env === 'string') {
      const name = (value as { env: string }).env;
      const found = env[name];
      if (found === undefined || found === '') {
        problems.push({ path, message: Errors.secretEnvMissing(path, name).message });
        return '';
      }
      return found;
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSecrets(v, `${path}/${k}`, env, problems)]));
  }
  return value;
}
