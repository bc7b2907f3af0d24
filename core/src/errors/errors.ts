/**
 * Every error the connector raises on purpose is created here, with a stable code.
 * The codes are documented in docs/errors.md; test/docs/errors.test.ts keeps both in sync.
 * (fastify's style: one file, one place to look, codes that never change meaning.)
 */
export class ConnectorError extends Error {
  readonly code: string;
  /** HTTP status to answer with when the error reaches an API boundary. */
  readonly statusCode: number;
  readonly details?: unknown;

  constructor(code: string, message: string, statusCode = 500, details?: unknown, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConnectorError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = details;
  }
}

export interface FieldProblem {
  /** JSON path of the offending value, e.g. `/stores/0/vtex/appKey` or `IdSku`. */
  path: string;
  message: string;
  /** What to do about it, when the message alone does not say. */
  fix?: string;
}

type Factory<A extends unknown[]> = ((...args: A) => ConnectorError) & { code: string };

function define<A extends unknown[]>(code: string, statusCode: number, build: (...args: A) => [string, unknown?]): Factory<A> {
  const factory = (...args: A) => {
    const [message, details] = build(...args);
    return new ConnectorError(code, message, statusCode, details);
  };
  return Object.assign(factory, { code });
}

const list = (problems: FieldProblem[]) =>
  problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}${p.fix ? ` — fix: ${p.fix}` : ''}`).join('\n');

export const Errors = {
  configInvalid: define('CONNECTOR_ERR_CONFIG_INVALID', 500, (file: string, problems: FieldProblem[]) => [
    `The configuration file ${file} has ${problems.length} error${problems.length === 1 ? '' : 's'}:\n${list(problems)}`,
    problems,
  ]),
  configUnreadable: define('CONNECTOR_ERR_CONFIG_UNREADABLE', 500, (file: string, reason: string) => [
    `Cannot read the configuration file ${file}: ${reason}. Pass an existing JSON file with --config.`,
  ]),
  secretEnvMissing: define('CONNECTOR_ERR_SECRET_ENV_MISSING', 500, (path: string, name: string) => [
    `${path} refers to the environment variable ${name}, which is not set. Export ${name} before starting.`,
  ]),
  notificationInvalid: define('CONNECTOR_ERR_NOTIFICATION_INVALID', 400, (problems: FieldProblem[]) => [
    `Invalid notification: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
    problems,
  ]),
  webhookUnauthorized: define('CONNECTOR_ERR_WEBHOOK_UNAUTHORIZED', 401, () => [
    'Unknown store or bad token. Configure the affiliate endpoint as /api/notification?token=<the store webhookToken>.',
  ]),
  databaseUnavailable: define('CONNECTOR_ERR_DATABASE_UNAVAILABLE', 503, (reason: string) => [
    `The database is unavailable: ${reason}`,
  ]),
  migrationFailed: define('CONNECTOR_ERR_MIGRATION_FAILED', 500, (version: number, reason: string) => [
    `Migration ${version} failed: ${reason}`,
  ]),
  vtexRequestFailed: define('CONNECTOR_ERR_VTEX_REQUEST_FAILED', 502, (what: string, status: number, body: string) => [
    `VTEX ${what} answered ${status}: ${body.slice(0, 300)}`,
    { status },
  ]),
  vtexAuthFailed: define('CONNECTOR_ERR_VTEX_AUTH', 502, (account: string, status: number) => [
    `VTEX refused the app key/token of store ${account} (HTTP ${status}). Check stores[].vtex.appKey and appToken.`,
    { status },
  ]),
  pluginNotFound: define('CONNECTOR_ERR_PLUGIN_NOT_FOUND', 500, (marketplace: string, searched: string[]) => [
    `No plugin provides the marketplace "${marketplace}". Searched: ${searched.join(', ') || '(nowhere)'}. Install the plugin or fix integrations[].marketplace.`,
  ]),
  pluginInvalid: define('CONNECTOR_ERR_PLUGIN_INVALID', 500, (plugin: string, problems: FieldProblem[]) => [
    `Plugin ${plugin} has an invalid manifest:\n${list(problems)}`,
    problems,
  ]),
  pluginIncompatible: define('CONNECTOR_ERR_PLUGIN_INCOMPATIBLE', 500, (plugin: string, problems: FieldProblem[]) => [
    `Plugin ${plugin} is not compatible with this connector:\n${list(problems)}`,
    problems,
  ]),
  pluginDuplicate: define('CONNECTOR_ERR_PLUGIN_DUPLICATE', 500, (plugin: string, problems: FieldProblem[]) => [
    `Plugin ${plugin} was not loaded:\n${list(problems)}`,
    problems,
  ]),
  pluginRefused: define('CONNECTOR_ERR_PLUGIN_REFUSED', 503, (marketplace: string, plugin: string, reason: string) => [
    `The plugin ${plugin} for "${marketplace}" was refused at discovery, so its integrations are paused: ${reason}`,
    { marketplace, plugin },
  ]),
  pluginActivationFailed: define('CONNECTOR_ERR_PLUGIN_ACTIVATION_FAILED', 503, (plugin: string, integration: string, reason: string) => [
    `Plugin ${plugin} failed to activate for ${integration}: ${reason}. The work is retried; repeated failures quarantine the plugin.`,
    { plugin, integration },
  ]),
  pluginCrashed: define('CONNECTOR_ERR_PLUGIN_CRASHED', 503, (plugin: string, reason: string) => [
    `The extension host of plugin ${plugin} stopped (${reason}); the call is retried in a fresh host.`,
    { plugin, reason },
  ]),
  pluginTimeout: define('CONNECTOR_ERR_PLUGIN_TIMEOUT', 504, (plugin: string, method: string, timeoutMs: number) => [
    `Plugin ${plugin} did not answer ${method} within ${timeoutMs} ms; its host is restarted and the call retried.`,
    { plugin, method, timeoutMs },
  ]),
  pluginQuarantined: define('CONNECTOR_ERR_PLUGIN_QUARANTINED', 503, (plugin: string, reason: string) => [
    `Plugin ${plugin} is quarantined and its integrations are paused: ${reason}. Fix or upgrade the plugin, then release it (PluginHost.release) or restart with the new version.`,
    { plugin, reason },
  ]),
  pluginHostNotAllowed: define('CONNECTOR_ERR_PLUGIN_HOST_NOT_ALLOWED', 403, (plugin: string, host: string, allowed: string[]) => [
    `Plugin ${plugin} tried to reach ${host}, which its manifest does not declare (allowedHosts: ${allowed.join(', ') || 'none'}). The request was not sent; the plugin's author must add the host to contributes.marketplace.allowedHosts.`,
    { plugin, host, allowed },
  ]),
  pluginMessageInvalid: define('CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID', 500, (plugin: string, what: string, problem: string) => [
    `A message to or from plugin ${plugin} was refused at the isolation boundary (${what}): ${problem}`,
    { plugin, what },
  ]),
  pluginHandlerMissing: define('CONNECTOR_ERR_PLUGIN_HANDLER_MISSING', 501, (plugin: string, method: string) => [
    `Plugin ${plugin} does not provide the handler ${method}; check its capabilities before calling it.`,
    { plugin, method },
  ]),
  settingsInvalid: define('CONNECTOR_ERR_SETTINGS_INVALID', 500, (where: string, problems: FieldProblem[]) => [
    `Invalid settings for ${where}:\n${list(problems)}`,
    problems,
  ]),
  marketplaceRateLimited: define('CONNECTOR_ERR_MARKETPLACE_RATE_LIMITED', 429, (marketplace: string, retryAfterMs: number) => [
    `${marketplace} asked us to slow down (429); retrying after ${retryAfterMs} ms.`,
    { retryAfterMs },
  ]),
  marketplaceUnavailable: define('CONNECTOR_ERR_MARKETPLACE_UNAVAILABLE', 502, (marketplace: string, reason: string) => [
    `${marketplace} is unavailable: ${reason}`,
  ]),
  marketplaceRejected: define('CONNECTOR_ERR_MARKETPLACE_REJECTED', 400, (marketplace: string, message: string, body?: unknown) => [
    `${marketplace} rejected the data: ${message}`,
    body,
  ]),
  marketplaceAuth: define('CONNECTOR_ERR_MARKETPLACE_AUTH', 401, (marketplace: string, reason: string) => [
    `${marketplace} refused our credentials: ${reason}. Update the integration's settings.`,
  ]),
  mapperUnavailable: define('CONNECTOR_ERR_MAPPER_UNAVAILABLE', 500, (marketplace: string, reason: string) => [
    `The ${marketplace} mapping could not run: ${reason}. The SKUs are retried; if it persists, check the plugin.`,
  ]),
  unauthorized: define('CONNECTOR_ERR_UNAUTHORIZED', 401, (what: string) => [
    `Unknown store or bad token for ${what}. Send the store's webhookToken as ?token= or in the X-Connector-Token header.`,
  ]),
  invalidArgument: define('CONNECTOR_ERR_INVALID_ARGUMENT', 400, (name: string, message: string) => [`${name}: ${message}`]),
  deliveryDeferred: define('CONNECTOR_ERR_DELIVERY_DEFERRED', 503, (marketplace: string, reason: string, retryAt: number) => [
    `Delivery to ${marketplace} is on hold (${reason}); the work waits and is tried again after ${new Date(retryAt).toISOString()}.`,
    { reason, retryAt },
  ]),
  feedFailed: define('CONNECTOR_ERR_FEED_FAILED', 502, (marketplace: string, lotId: string, reason: string) => [
    `${marketplace} did not process lot ${lotId}: ${reason}`,
    { lotId },
  ]),
  pluginCapabilityMissing: define('CONNECTOR_ERR_PLUGIN_CAPABILITY_MISSING', 500, (marketplace: string, handler: string, why: string) => [
    `The ${marketplace} plugin does not implement ${handler}(), which ${why}. The plugin's author adds it, or fixes the manifest's capabilities.`,
  ]),
  databaseInUse: define('CONNECTOR_ERR_DATABASE_IN_USE', 503, (dataDir: string, pid: number) => [
    `The embedded database ${dataDir} is open in process ${pid} (a running connector). The embedded database allows one process: stop that one, or run both on Postgres (DATABASE_URL).`,
    { pid },
  ]),
  adminUnauthorized: define('CONNECTOR_ERR_ADMIN_UNAUTHORIZED', 401, (why: string) => [
    `Admin API: ${why}. Send "Authorization: Bearer <token>" with one of the config's admin.tokens.`,
  ]),
  adminRateLimited: define('CONNECTOR_ERR_ADMIN_RATE_LIMITED', 429, (retryAfterSeconds: number) => [
    `Too many admin requests with a missing or bad token from this address; try again in ${retryAfterSeconds} s.`,
    { retryAfterSeconds },
  ]),
  adminRequestInvalid: define('CONNECTOR_ERR_ADMIN_REQUEST_INVALID', 400, (problems: FieldProblem[]) => [
    `Invalid request: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
    problems,
  ]),
  adminNotFound: define('CONNECTOR_ERR_ADMIN_NOT_FOUND', 404, (what: string) => [`${what} was not found.`]),
  adminSettingsInvalid: define('CONNECTOR_ERR_ADMIN_SETTINGS_INVALID', 400, (where: string, problems: FieldProblem[]) => [
    `The settings for ${where} were not saved:\n${list(problems)}`,
    problems,
  ]),
  secretsKeyMissing: define('CONNECTOR_ERR_SECRETS_KEY_MISSING', 409, (env: string, fields: string[]) => [
    `Cannot store the secret setting${fields.length === 1 ? '' : 's'} ${fields.join(', ')}: no encryption key. Set ${env} (32 random bytes, base64 or hex: \`openssl rand -base64 32\`) on every connector process and restart; secrets are never stored in plaintext.`,
    { env, fields },
  ]),
  secretsKeyInvalid: define('CONNECTOR_ERR_SECRETS_KEY_INVALID', 500, (env: string, reason: string) => [
    `${env} is not a usable encryption key: ${reason}. Use 32 random bytes, base64 (44 characters) or hex (64 characters): \`openssl rand -base64 32\`.`,
    { env },
  ]),
  secretUndecryptable: define('CONNECTOR_ERR_SECRET_UNDECRYPTABLE', 503, (integration: string, reason: string) => [
    `The stored secret settings of ${integration} cannot be decrypted (${reason}), so the integration is paused. Start every process with the key they were stored with, or store them again (PATCH the integration's settings) or drop the saved settings (DELETE …/overrides).`,
    { integration },
  ]),
} as const;

export type ErrorCode = (typeof Errors)[keyof typeof Errors]['code'];

export function isConnectorError(error: unknown, factory?: { code: string }): error is ConnectorError {
  return error instanceof ConnectorError && (!factory || error.code === factory.code);
}
