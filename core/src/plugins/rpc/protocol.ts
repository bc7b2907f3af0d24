/**
 * The typed protocol between the core and a plugin's extension host (worker thread or child
 * process). Both directions carry structured-clone-able plain data only; results travel in
 * envelopes so errors keep their stable codes across the boundary.
 */
import type { HandlerMethod, PluginState } from '../../plugin-api/index.js';

export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  statusCode?: number;
  details?: unknown;
  stack?: string;
}

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface WireHttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  timeoutMs?: number;
}

export interface WireHttpResponse {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

export type StateCall =
  | { op: 'get'; key: string }
  | { op: 'set'; key: string; value: unknown; ttlSeconds?: number }
  | { op: 'delete'; key: string }
  | { op: 'keys'; prefix?: string };

/** `ctx.state` over one function that carries each call to the core (the extension host's RPC, or the test host in-process). */
export function stateOver(call: (request: StateCall) => Promise<unknown>): PluginState {
  return {
    get: async <V>(k: string) => (await call({ op: 'get', key: k })) as V | undefined,
    set: async (k, value, options) => void (await call({ op: 'set', key: k, value, ttlSeconds: options?.ttlSeconds })),
    delete: async (k) => (await call({ op: 'delete', key: k })) as boolean,
    keys: async (prefix) => (await call({ op: 'keys', prefix })) as string[],
  };
}

/** Sent once per integration, the first time it has work (or at start for `onStartup`). */
export interface ActivateRequest {
  key: string;
  store: string;
  marketplace: string;
  /** Settings without the secrets; those are fetched one by one through `secret`. */
  settings: Record<string, unknown>;
  secretNames: string[];
}

export interface InvokeRequest {
  callId: number;
  key: string;
  method: HandlerMethod;
  args: unknown[];
}

export interface ActivateResult {
  /** The handlers the plugin returned from activate(). */
  methods: HandlerMethod[];
}

export interface DeactivateResult {
  /** deactivate() and disposable failures, logged by the core, never thrown. */
  errors: Array<{ where: string; error: SerializedError }>;
}

export interface ReadyInfo {
  pid: number;
  threadId: number;
  node: string;
}

/** What the plugin's host serves to the core. */
export interface PluginSideFunctions {
  activate(request: ActivateRequest): Promise<Envelope<ActivateResult>>;
  /** Acknowledges with `ack(callId)` on receipt, then runs the handler. */
  invoke(request: InvokeRequest): Promise<Envelope<unknown>>;
  deactivate(): Promise<DeactivateResult>;
  ping(): string;
}

/** What the core serves to the plugin's host: the per-integration context, and liveness signals. */
export interface CoreSideFunctions {
  ready(info: ReadyInfo): void;
  ack(callId: number): void;
  /** `operation`: the handler being served when the plugin made the call (or `activate`, `background`). */
  http(key: string, operation: string, request: WireHttpRequest): Promise<Envelope<WireHttpResponse>>;
  secret(key: string, name: string): Promise<Envelope<string | null>>;
  state(key: string, call: StateCall): Promise<Envelope<unknown>>;
  log(key: string | null, level: LogLevel, message: string, data?: Record<string, unknown>): void;
}

/** Core-side functions sent as events (no answer expected). */
export const CORE_EVENTS = ['ready', 'ack', 'log'] as const satisfies ReadonlyArray<keyof CoreSideFunctions>;
