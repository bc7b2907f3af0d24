/** Which integration and handler an outgoing plugin request belongs to. */
export interface MeteredCall {
  store: string;
  marketplace: string;
  /** The handler being served (`publish`, `update`, …), `activate`, or `background`. */
  operation: string;
}

/** One ctx.http call, as the operation log records it (no headers or bodies: they may hold secrets). */
export interface HttpCallRecord extends MeteredCall {
  method: string;
  /** Scheme, host and path; the query string is dropped (it may carry tokens). */
  url: string;
  host: string;
  /** HTTP status, when an answer came. */
  status?: number;
  /** The connector error code the call ended with, if any (e.g. CONNECTOR_ERR_PLUGIN_HOST_NOT_ALLOWED). */
  errorCode?: string;
  durationMs: number;
  at: string;
}

/**
 * The delivery engine's hook on ctx.http: `acquire` before a request is sent (it may wait for the
 * integration's rate budget, or throw to refuse), `record` after it (the operation log). The extension
 * host calls it for every plugin request; the default does nothing.
 */
export interface HttpMeter {
  acquire(call: MeteredCall): Promise<void>;
  record(call: HttpCallRecord): void | Promise<void>;
}

export const noopHttpMeter: HttpMeter = {
  acquire: async () => undefined,
  record: () => undefined,
};
