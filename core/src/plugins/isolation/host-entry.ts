/**
 * The extension host: what runs inside a plugin's worker thread or child process. It loads the
 * plugin's module on the first activation, builds one context per integration (whose http, secrets,
 * state and log calls go back to the core over RPC), and serves the core's handler calls —
 * acknowledging each one on receipt, so the core can tell a blocked event loop from a slow call.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { Errors } from '../../errors/errors.js';
import type {
  Disposable,
  HandlerMethod,
  HttpRequest,
  HttpResponse,
  MarketplaceHandlers,
  PluginContext,
  PluginModule,
} from '../../plugin-api/index.js';
import { HANDLER_METHODS } from '../../plugin-api/index.js';
import { checkCall, deserializeError, fail, ok, plainDataProblem, serializeError } from '../rpc/boundary.js';
import { createChannel, type Transport } from '../rpc/channel.js';
import {
  CORE_EVENTS,
  type ActivateRequest,
  type CoreSideFunctions,
  type DeactivateResult,
  type InvokeRequest,
  type LogLevel,
  type PluginSideFunctions,
  stateOver,
} from '../rpc/protocol.js';
import { installGuards } from './guard.js';

/** What the core tells a new host: workerData for a worker, argv[2] (JSON) for a child process. */
export interface HostInit {
  plugin: string;
  dir: string;
  main: string;
  isolation: 'worker' | 'process';
  /** CPU niceness of the host's JavaScript thread (0–19), applied by host-bootstrap before anything loads. */
  niceness: number;
}

const init: HostInit = parentPort ? (workerData as HostInit) : (JSON.parse(process.argv[2] ?? '{}') as HostInit);

function transport(): Transport {
  if (parentPort) {
    const port = parentPort;
    return { post: (m) => port.postMessage(m), on: (l) => port.on('message', l), off: (l) => port.off('message', l) };
  }
  // A child process: leave when the core goes away, so no process outlives it.
  process.on('disconnect', () => process.exit(0));
  return {
    post: (m) => {
      if (process.connected) process.send!(m);
    },
    on: (l) => process.on('message', l),
    off: (l) => process.off('message', l),
  };
}

interface Activation {
  handlers: MarketplaceHandlers;
  subscriptions: Disposable[];
}

/** Which handler (or `activate`) the plugin is serving: labels its ctx.http calls for the operation log. */
const operation = new AsyncLocalStorage<string>();
const activations = new Map<string, Activation>();
let loaded: Promise<PluginModule> | undefined;

const functions: PluginSideFunctions = {
  async activate(request: ActivateRequest) {
    try {
      const module = await (loaded ??= loadModule());
      const subscriptions: Disposable[] = [];
      const context = createContext(request, subscriptions);
      const handlers = await operation.run('activate', () => module.activate(context));
      if (!handlers || typeof handlers !== 'object') {
        throw new Error(`activate() must return an object of handlers (got ${handlers === null ? 'null' : typeof handlers})`);
      }
      const methods = HANDLER_METHODS.filter((m) => typeof (handlers as unknown as Record<string, unknown>)[m] === 'function');
      activations.set(request.key, { handlers, subscriptions });
      return ok({ methods });
    } catch (error) {
      return fail(error);
    }
  },

  async invoke(request: InvokeRequest) {
    rpc.ack.asEvent(request.callId).catch(() => undefined);
    try {
      checkCall(init.plugin, request.method, request.args);
      const activation = activations.get(request.key);
      if (!activation) throw Errors.pluginMessageInvalid(init.plugin, 'call', `integration ${request.key} is not activated in this host`);
      const handler = (activation.handlers as unknown as Record<string, unknown>)[request.method];
      if (typeof handler !== 'function') throw Errors.pluginHandlerMissing(init.plugin, request.method);
      const result: unknown = await operation.run(request.method, () => handler.apply(activation.handlers, request.args));
      const problem = plainDataProblem(result, '');
      if (problem) throw Errors.pluginMessageInvalid(init.plugin, `${request.method} result`, `${problem}; return plain data only`);
      return ok(result);
    } catch (error) {
      return fail(error);
    }
  },

  async deactivate() {
    const errors: DeactivateResult['errors'] = [];
    if (loaded) {
      try {
        const module = await loaded;
        await module.deactivate?.();
      } catch (error) {
        errors.push({ where: 'deactivate()', error: serializeError(error) });
      }
    }
    for (const [key, activation] of [...activations.entries()].reverse()) {
      for (const disposable of [...activation.subscriptions].reverse()) {
        try {
          await disposable.dispose();
        } catch (error) {
          errors.push({ where: `${key} subscription`, error: serializeError(error) });
        }
      }
    }
    activations.clear();
    return { errors };
  },

  ping: () => 'pong',
};

const rpc = createChannel<CoreSideFunctions, PluginSideFunctions>(functions, transport(), { events: [...CORE_EVENTS] });

async function loadModule(): Promise<PluginModule> {
  const loadedModule = (await import(pathToFileURL(join(init.dir, init.main)).href)) as { default?: Partial<PluginModule> } & Partial<PluginModule>;
  const candidate = typeof loadedModule.default?.activate === 'function' ? loadedModule.default : loadedModule;
  if (typeof candidate.activate !== 'function') {
    throw new Error(`${init.main} exports no activate() function (export default definePlugin({ activate }) or export function activate)`);
  }
  return candidate as PluginModule;
}

function createContext(request: ActivateRequest, subscriptions: Disposable[]): PluginContext {
  const { key } = request;
  const log = (level: LogLevel) => (message: string, data?: Record<string, unknown>) => {
    rpc.log.asEvent(key, level, String(message), toPlain(data)).catch(() => undefined);
  };
  const state = async (call: Parameters<CoreSideFunctions['state']>[1]) => {
    const answer = await rpc.state(key, call);
    if (!answer.ok) throw deserializeError(answer.error);
    return answer.value;
  };
  const context: PluginContext = {
    marketplace: request.marketplace,
    store: request.store,
    settings: Object.freeze({ ...request.settings }),
    subscriptions,
    http: {
      async request<T>(req: HttpRequest): Promise<HttpResponse<T>> {
        const wire = { method: req.method, url: req.url, headers: req.headers, body: req.body, timeoutMs: req.timeoutMs };
        const problem = plainDataProblem(wire, '');
        if (problem) throw Errors.pluginMessageInvalid(init.plugin, 'ctx.http request', `${problem}; send plain data`);
        const answer = await rpc.http(key, operation.getStore() ?? 'background', wire);
        if (!answer.ok) throw deserializeError(answer.error);
        return { status: answer.value.status, headers: new Headers(answer.value.headers), body: answer.value.body as T };
      },
    },
    secrets: {
      names: Object.freeze([...request.secretNames]),
      async get(name: string) {
        const answer = await rpc.secret(key, name);
        if (!answer.ok) throw deserializeError(answer.error);
        return answer.value ?? undefined;
      },
    },
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    state: stateOver(state),
  };
  return Object.freeze(context);
}

/** Log data as plain data: errors become { name, message }, anything JSON cannot say is dropped. */
function toPlain(data: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (data === undefined) return undefined;
  try {
    return JSON.parse(
      JSON.stringify(data, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message } : typeof v === 'bigint' ? String(v) : v)),
    ) as Record<string, unknown>;
  } catch {
    return { unserializable: true };
  }
}

installGuards({ allowNativeAddons: init.isolation === 'process' });
rpc.ready.asEvent({ pid: process.pid, threadId, node: process.version }).catch(() => undefined);
