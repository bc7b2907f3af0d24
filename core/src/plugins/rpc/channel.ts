import { createBirpc, type BirpcReturn } from 'birpc';

/** A message pipe: a worker's port or a child process's IPC channel. */
export interface Transport {
  post(message: unknown): void;
  on(listener: (message: unknown) => void): void;
  off(listener: (message: unknown) => void): void;
}

export type Channel<Remote extends object, Local extends object> = BirpcReturn<Remote, Local>;

/**
 * Typed RPC over a transport (birpc, the library vitest uses for its workers). The core keeps its own
 * timeouts (acknowledgement, per call), so birpc's are off. Only the functions given are callable —
 * never inherited ones (`constructor`, `__proto__`) — and malformed messages are dropped and reported.
 */
export function createChannel<Remote extends object, Local extends object>(
  functions: Local,
  transport: Transport,
  options: { events?: Array<keyof Remote>; onProblem?: (problem: string) => void } = {},
): Channel<Remote, Local> {
  return createBirpc<Remote, Local>(functions, {
    post: (message) => transport.post(message),
    on: (listener) => transport.on(listener),
    off: (listener) => transport.off(listener),
    eventNames: options.events ?? [],
    timeout: -1,
    resolver: (name, fn) => (Object.hasOwn(functions, name) ? fn : undefined),
    deserialize: (message: unknown) => {
      const problem = messageProblem(message);
      if (problem) throw new Error(`malformed RPC message: ${problem}`);
      return message;
    },
    onGeneralError: (error) => {
      options.onProblem?.(error.message);
      return true;
    },
  }) as Channel<Remote, Local>;
}

/** birpc's wire shape: requests `{t:'q', m, a, i?}` and responses `{t:'s', i, r?|e?}`. */
function messageProblem(message: unknown): string | undefined {
  if (!message || typeof message !== 'object') return 'not an object';
  const m = message as Record<string, unknown>;
  if (m.t === 'q') {
    if (typeof m.m !== 'string') return 'request without a method name';
    if (!Array.isArray(m.a)) return `request "${m.m}" without an argument list`;
    if (m.i !== undefined && typeof m.i !== 'string') return 'request with a malformed id';
    return undefined;
  }
  if (m.t === 's') return typeof m.i === 'string' ? undefined : 'response without an id';
  return 'unknown message type';
}
