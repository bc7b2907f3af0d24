/**
 * What may cross the isolation boundary, checked on both sides: plain data (what JSON can say, plus
 * `undefined` and dates), known method names, and errors reduced to their stable code and message.
 * Structured clone would carry more (Maps, class instances lose their prototype silently, cycles);
 * refusing it at the boundary turns a confusing bug into a clear one.
 */
import { ConnectorError, Errors } from '../../errors/errors.js';
import { HANDLER_METHODS, type HandlerMethod } from '../../plugin-api/index.js';
import type { Envelope, SerializedError } from './protocol.js';

const MAX_DEPTH = 64;

/** Why `value` is not plain data (with the path of the first offending value), or undefined when it is. */
export function plainDataProblem(value: unknown, path = ''): string | undefined {
  const segments: Array<string | number> = [];
  const problem = check(value, segments, []);
  return problem && `${path}${segments.map((s) => `/${s}`).join('') || (path ? '' : '(value)')} ${problem}`;
}

// Runs on every message: `segments` and `ancestors` are stacks (pushed and popped, never copied), and
// the path is only spelled out when something is wrong (on failure `segments` is left at the culprit).
function check(value: unknown, segments: Array<string | number>, ancestors: object[]): string | undefined {
  switch (typeof value) {
    case 'undefined':
    case 'boolean':
    case 'string':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : `is ${String(value)}, which JSON cannot carry`;
    case 'bigint':
    case 'symbol':
    case 'function':
      return `is a ${typeof value}`;
  }
  if (value === null) return undefined;
  if (ancestors.length > MAX_DEPTH) return `nests deeper than ${MAX_DEPTH} levels`;
  const object = value as object;
  if (ancestors.includes(object)) return 'refers to itself (circular)';
  if (object instanceof Date) return undefined;
  ancestors.push(object);
  if (Array.isArray(object)) {
    for (let i = 0; i < object.length; i++) {
      segments.push(i);
      const problem = check(object[i], segments, ancestors);
      if (problem) return problem;
      segments.pop();
    }
  } else {
    const proto = Object.getPrototypeOf(object);
    if (proto !== Object.prototype && proto !== null) {
      return `is a ${(object.constructor as { name?: string } | undefined)?.name ?? 'class'} instance, not a plain object`;
    }
    if (Object.getOwnPropertySymbols(object).length) return 'has symbol keys';
    for (const key in object) {
      if (!Object.hasOwn(object, key)) continue;
      segments.push(key);
      const problem = check((object as Record<string, unknown>)[key], segments, ancestors);
      if (problem) return problem;
      segments.pop();
    }
  }
  ancestors.pop();
  return undefined;
}

export function isHandlerMethod(name: unknown): name is HandlerMethod {
  return typeof name === 'string' && (HANDLER_METHODS as readonly string[]).includes(name);
}

/** Throws CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID unless `method` is a known handler and `args` plain data. */
export function checkCall(plugin: string, method: unknown, args: unknown): HandlerMethod {
  if (!isHandlerMethod(method)) {
    throw Errors.pluginMessageInvalid(plugin, 'call', `"${String(method)}" is not a handler of the plugin API (known: ${HANDLER_METHODS.join(', ')})`);
  }
  if (!Array.isArray(args)) throw Errors.pluginMessageInvalid(plugin, `${method} arguments`, 'arguments must be an array');
  const problem = plainDataProblem(args, '');
  if (problem) throw Errors.pluginMessageInvalid(plugin, `${method} arguments`, `${problem}; pass plain data only`);
  return method;
}

function plainDetails(details: unknown): unknown {
  if (details === undefined || !plainDataProblem(details)) return details;
  try {
    return JSON.parse(JSON.stringify(details)) as unknown;
  } catch {
    return undefined;
  }
}

/** Any thrown value as plain data. Connector errors keep code, status and details (duck-typed: the plugin may bundle its own copy of the core). */
export function serializeError(error: unknown): SerializedError {
  if (error && typeof error === 'object') {
    const e = error as Partial<ConnectorError> & { name?: unknown; message?: unknown; stack?: unknown };
    const base: SerializedError = {
      name: typeof e.name === 'string' ? e.name : 'Error',
      message: typeof e.message === 'string' ? e.message : String(error),
      ...(typeof e.stack === 'string' ? { stack: e.stack } : {}),
    };
    if (typeof e.code === 'string') {
      base.code = e.code;
      if (typeof e.statusCode === 'number') base.statusCode = e.statusCode;
      const details = plainDetails(e.details);
      if (details !== undefined) base.details = details;
    }
    return base;
  }
  return { name: 'Error', message: String(error) };
}

export function fail(error: unknown): Envelope<never> {
  return { ok: false, error: serializeError(error) };
}

export function ok<T>(value: T): Envelope<T> {
  return { ok: true, value };
}

/** Back into an error: a ConnectorError when it has a code, else a plain Error with the same name and message. */
export function deserializeError(serialized: SerializedError, allowedCodes?: ReadonlySet<string>): Error {
  if (serialized.code && serialized.code.startsWith('CONNECTOR_ERR_') && (!allowedCodes || allowedCodes.has(serialized.code))) {
    return new ConnectorError(serialized.code, serialized.message, serialized.statusCode ?? 500, serialized.details);
  }
  const error = new Error(serialized.message);
  if (serialized.name && serialized.name !== 'Error') error.name = serialized.name;
  if (serialized.stack) error.stack = serialized.stack;
  return error;
}

/** Is `value` a well-formed envelope? (The plugin's side is not trusted to send one.) */
export function isEnvelope(value: unknown): value is Envelope<unknown> {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (v.ok === true) return 'value' in v;
  if (v.ok !== false || !v.error || typeof v.error !== 'object') return false;
  const e = v.error as Record<string, unknown>;
  return typeof e.message === 'string' && typeof e.name === 'string';
}
