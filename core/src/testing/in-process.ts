/**
 * A plugin run in the test's own process, as the extension host would run it — minus the thread:
 * the same context services (ctx.http through the core's HTTP client with the allow-list and typed
 * errors, ctx.secrets, ctx.state, ctx.log with secrets masked), the same boundary checks both ways
 * (known handlers, plain data, result shapes, errors reduced to their codes) and structured clones
 * of everything that crosses, so what passes here passes in the isolated host.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Errors } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import {
  HANDLER_METHODS,
  type Disposable,
  type HandlerMethod,
  type HttpRequest,
  type HttpResponse,
  type MarketplaceHandlers,
  type PluginContext,
  type PluginModule,
  type RemoteHandlers,
} from '../plugin-api/index.js';
import type { ContextServices, IntegrationBinding } from '../plugins/context-services.js';
import { checkCall, deserializeError, plainDataProblem, serializeError } from '../plugins/rpc/boundary.js';
import { stateOver, type LogLevel } from '../plugins/rpc/protocol.js';
import { RESULT_CHECKS } from '../plugins/rpc/results.js';
import { PLUGIN_ERROR_CODES } from '../plugins/supervisor.js';

/** What a test passes as the plugin: its module (`import plugin from '../src/index.js'`) or the module namespace. */
export type PluginEntry = PluginModule | { default?: unknown; activate?: unknown };

export function pluginModuleOf(entry: PluginEntry): PluginModule {
  const e = entry as { default?: { activate?: unknown }; activate?: unknown };
  const candidate = typeof e?.default?.activate === 'function' ? e.default : e;
  if (typeof (candidate as { activate?: unknown })?.activate !== 'function') {
    throw new Error('the plugin exports no activate() function (export default definePlugin({ activate }) or export function activate)');
  }
  return candidate as PluginModule;
}

/** Over a real boundary an error keeps only its code, message and details; any other code becomes a plain error. */
const acrossBoundary = (error: unknown, allowed?: ReadonlySet<string>) => deserializeError(serializeError(error), allowed);

export interface HandlerCall {
  method: HandlerMethod;
  args: unknown[];
  /** What the handler returned, or the error it threw (as the core saw it). */
  result?: unknown;
  error?: { code?: string; message: string };
}

export class InProcessPlugin {
  private handlers?: Promise<RemoteHandlers>;
  private readonly subscriptions: Disposable[] = [];
  private readonly operation = new AsyncLocalStorage<string>();
  /** Every handler call the core made, in order. */
  readonly calls: HandlerCall[] = [];

  constructor(
    private readonly module: PluginModule,
    private readonly label: string,
    private readonly binding: IntegrationBinding,
    private readonly services: ContextServices,
    private readonly log: Logger,
  ) {}

  /** The handlers as the core sees them (PluginHost.handlers): activated on first use. */
  activate(): Promise<RemoteHandlers> {
    this.handlers ??= this.doActivate().catch((error: unknown) => {
      this.handlers = undefined;
      throw Errors.pluginActivationFailed(this.label, `${this.binding.ref.store}/${this.binding.ref.marketplace}`, (error as Error)?.message ?? String(error));
    });
    return this.handlers;
  }

  private async doActivate(): Promise<RemoteHandlers> {
    const context = this.context();
    const handlers = await this.operation.run('activate', () => this.module.activate(context));
    if (!handlers || typeof handlers !== 'object') throw new Error(`activate() must return an object of handlers (got ${handlers === null ? 'null' : typeof handlers})`);
    const remote: Partial<Record<HandlerMethod, (...args: unknown[]) => Promise<unknown>>> = {};
    for (const method of HANDLER_METHODS) {
      if (typeof (handlers as unknown as Record<string, unknown>)[method] === 'function') remote[method] = (...args: unknown[]) => this.invoke(handlers, method, args);
    }
    return remote as RemoteHandlers;
  }

  private async invoke(handlers: MarketplaceHandlers, name: string, args: unknown[]): Promise<unknown> {
    const method = checkCall(this.label, name, args);
    const call: HandlerCall = { method, args: structuredClone(args) };
    this.calls.push(call);
    try {
      const handler = (handlers as unknown as Record<string, (...a: unknown[]) => unknown>)[method];
      let result: unknown;
      try {
        result = await this.operation.run(method, () => handler.apply(handlers, structuredClone(args)));
      } catch (error) {
        throw acrossBoundary(error, PLUGIN_ERROR_CODES);
      }
      const hostSide = plainDataProblem(result, '');
      if (hostSide) throw Errors.pluginMessageInvalid(this.label, `${method} result`, `${hostSide}; return plain data only`);
      const problem = RESULT_CHECKS[method]?.(result, args);
      if (problem) throw Errors.pluginMessageInvalid(this.label, `${method} result`, problem);
      call.result = structuredClone(result);
      return structuredClone(result);
    } catch (error) {
      call.error = { code: (error as { code?: string }).code, message: (error as Error).message };
      throw error;
    }
  }

  private context(): PluginContext {
    const { services, binding, label, operation } = this;
    const secretValues = Object.values(binding.secrets);
    const log = (level: LogLevel) => (message: string, data?: Record<string, unknown>) => services.pluginLog(label, binding, level, message, toPlain(data), secretValues);
    const state = async (call: Parameters<ContextServices['stateCall']>[2]) => {
      try {
        return structuredClone(await services.stateCall(label, binding, structuredClone(call)));
      } catch (error) {
        throw acrossBoundary(error);
      }
    };
    const context: PluginContext = {
      marketplace: binding.ref.marketplace,
      store: binding.ref.store,
      settings: Object.freeze(structuredClone(binding.settings)),
      subscriptions: this.subscriptions,
      http: {
        async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
          const wire = { method: req.method, url: req.url, headers: req.headers, body: req.body, timeoutMs: req.timeoutMs };
          const problem = plainDataProblem(wire, '');
          if (problem) throw Errors.pluginMessageInvalid(label, 'ctx.http request', `${problem}; send plain data`);
          try {
            const answer = await services.http(label, binding, operation.getStore() ?? 'background', structuredClone(wire));
            return { status: answer.status, headers: new Headers(answer.headers), body: structuredClone(answer.body) as T };
          } catch (error) {
            throw acrossBoundary(error);
          }
        },
      },
      secrets: {
        names: Object.freeze(Object.keys(binding.secrets)),
        async get(name: string) {
          try {
            return services.secret(label, binding, name) ?? undefined;
          } catch (error) {
            throw acrossBoundary(error);
          }
        },
      },
      log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      state: stateOver(state),
    };
    return Object.freeze(context);
  }

  /** Shutdown as the extension host does it: the module's deactivate(), then the subscriptions in reverse; errors logged. */
  async deactivate(): Promise<void> {
    if (!this.handlers) return;
    try {
      await this.module.deactivate?.();
    } catch (error) {
      this.log.error({ err: error, plugin: this.label }, 'deactivate() failed');
    }
    for (const disposable of [...this.subscriptions].reverse()) {
      try {
        await disposable.dispose();
      } catch (error) {
        this.log.error({ err: error, plugin: this.label }, 'a subscription failed to dispose');
      }
    }
    this.subscriptions.length = 0;
    this.handlers = undefined;
  }
}

function toPlain(data: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (data === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(data, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : typeof v === 'bigint' ? String(v) : v))) as Record<string, unknown>;
  } catch {
    return { unserializable: true };
  }
}
