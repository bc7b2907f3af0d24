import type { ValidateFunction } from 'ajv';
import { createAjv, toProblems } from '../config/validation.js';
import { Errors, isConnectorError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { IntegrationRef } from './activation.js';
import type { HttpMeter } from './http-meter.js';
import { sendPluginRequest, type PluginHttpTarget } from './plugin-http.js';
import type { PluginStateRepository } from './plugin-state-repository.js';
import { plainDataProblem } from './rpc/boundary.js';
import { LOG_LEVELS, type LogLevel, type StateCall, type WireHttpRequest, type WireHttpResponse } from './rpc/protocol.js';

/** What the core knows about one activated integration: enough to serve its context, nothing more. */
export interface IntegrationBinding {
  ref: IntegrationRef;
  /** Settings without secrets (what the plugin's context exposes as ctx.settings). */
  settings: Record<string, unknown>;
  /** This integration's secrets, handed out one by one through ctx.secrets. */
  secrets: Record<string, string>;
  http: PluginHttpTarget;
}

const ajv = createAjv({ useDefaults: false });
const httpRequestSchema: ValidateFunction = ajv.compile({
  type: 'object',
  additionalProperties: false,
  required: ['method', 'url'],
  properties: {
    method: { enum: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
    url: { type: 'string', minLength: 1, maxLength: 8192 },
    headers: { type: 'object', additionalProperties: { type: 'string' } },
    body: {},
    timeoutMs: { type: 'integer', minimum: 1, maximum: 300_000 },
  },
});
const stateCallSchema: ValidateFunction = ajv.compile({
  type: 'object',
  required: ['op'],
  properties: { op: { enum: ['get', 'set', 'delete', 'keys'] }, key: { type: 'string' }, prefix: { type: 'string' }, ttlSeconds: { type: 'number' } },
  allOf: [{ if: { properties: { op: { enum: ['get', 'set', 'delete'] } } }, then: { required: ['key'] } }],
});

/** Drops undefined members (structured clone keeps them; ajv sees them as present). */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The core's side of every plugin context: ctx.http (allow-list, rate budget, operation log), ctx.secrets,
 * ctx.state and ctx.log. Everything arriving here comes from plugin code and is validated first.
 */
export class ContextServices {
  constructor(
    private readonly log: Logger,
    private readonly meter: HttpMeter,
    private readonly state: Pick<PluginStateRepository, 'run'>,
  ) {}

  async http(plugin: string, binding: IntegrationBinding, operation: string, raw: WireHttpRequest): Promise<WireHttpResponse> {
    const request = raw && typeof raw === 'object' ? compact(raw) : raw;
    if (!httpRequestSchema(request)) {
      throw Errors.pluginMessageInvalid(plugin, 'ctx.http request', toProblems(httpRequestSchema.errors).map((p) => `${p.path || '(request)'} ${p.message}`).join('; '));
    }
    const bodyProblem = plainDataProblem(request.body, '/body');
    if (bodyProblem) throw Errors.pluginMessageInvalid(plugin, 'ctx.http request', bodyProblem);
    const call = { store: binding.ref.store, marketplace: binding.ref.marketplace, operation: String(operation).slice(0, 64) };
    const started = Date.now();
    const record = (url: URL | undefined, status?: number, errorCode?: string) =>
      Promise.resolve(
        this.meter.record({
          ...call,
          method: request.method,
          url: url ? `${url.origin}${url.pathname}` : '(unresolved)',
          host: url?.hostname ?? '',
          status,
          errorCode,
          durationMs: Date.now() - started,
          at: new Date(started).toISOString(),
        }),
      ).catch((error: unknown) => this.log.warn({ err: error, plugin }, 'http meter record failed'));

    let url: URL | undefined;
    try {
      url = new URL(request.url, binding.http.baseUrl ? `${binding.http.baseUrl.replace(/\/?$/, '/')}` : undefined);
    } catch {
      url = undefined;
    }
    try {
      await this.meter.acquire(call);
      const response = await sendPluginRequest(binding.http, request);
      void record(url, response.status);
      return response;
    } catch (error) {
      const code = isConnectorError(error) ? error.code : undefined;
      const status = isConnectorError(error) ? ((error.details as { status?: number } | undefined)?.status ?? undefined) : undefined;
      void record(url, status, code);
      if (isConnectorError(error, Errors.pluginHostNotAllowed)) {
        this.log.warn({ plugin, store: call.store, marketplace: call.marketplace, operation: call.operation, host: url?.hostname }, error.message);
      }
      throw error;
    }
  }

  secret(plugin: string, binding: IntegrationBinding, name: unknown): string | null {
    if (typeof name !== 'string' || name.length > 256) throw Errors.pluginMessageInvalid(plugin, 'ctx.secrets.get', 'the name must be a string');
    return Object.hasOwn(binding.secrets, name) ? binding.secrets[name] : null;
  }

  async stateCall(plugin: string, binding: IntegrationBinding, raw: StateCall): Promise<unknown> {
    const call = raw && typeof raw === 'object' ? compact(raw) : raw;
    if (!stateCallSchema(call)) {
      throw Errors.pluginMessageInvalid(plugin, 'ctx.state', toProblems(stateCallSchema.errors).map((p) => `${p.path || '(call)'} ${p.message}`).join('; '));
    }
    if (call.op === 'set') {
      const problem = plainDataProblem(call.value, '/value');
      if (problem) throw Errors.pluginMessageInvalid(plugin, 'ctx.state.set', problem);
    }
    return this.state.run(plugin, binding.ref, call);
  }

  /** A plugin's log line, with every secret of its integrations masked out (a plugin may log a header by mistake). */
  pluginLog(plugin: string, binding: IntegrationBinding | undefined, level: unknown, message: unknown, data: unknown, secrets: readonly string[]): void {
    const lvl: LogLevel = LOG_LEVELS.includes(level as LogLevel) ? (level as LogLevel) : 'info';
    const text = mask(String(message).slice(0, 10_000), secrets);
    let fields: Record<string, unknown> = {};
    if (data && typeof data === 'object' && !Array.isArray(data) && !plainDataProblem(data)) {
      fields = JSON.parse(mask(JSON.stringify(data), secrets)) as Record<string, unknown>;
    }
    this.log[lvl]({ ...fields, plugin, store: binding?.ref.store, marketplace: binding?.ref.marketplace, source: 'plugin' }, text);
  }
}

/** Replaces each secret (4+ characters) in `text`; JSON-escaped forms too, so it works on serialised data. */
export function mask(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 4) continue;
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) out = out.split(form).join('[redacted]');
  }
  return out;
}
