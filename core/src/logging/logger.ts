import { pino, type DestinationStream, type Logger as PinoLogger, type LoggerOptions } from 'pino';

export type Logger = PinoLogger;

/**
 * Structured logs (pino, the logger fastify uses). Secrets are redacted by path wherever they could
 * appear in a logged object; the code never logs settings or tokens on purpose either.
 */
export const REDACT_PATHS = [
  'appKey', 'appToken', 'webhookToken', 'accessToken', 'refreshToken', 'clientSecret', 'token', 'password',
  '*.appKey', '*.appToken', '*.webhookToken', '*.accessToken', '*.refreshToken', '*.clientSecret', '*.token', '*.password',
  'req.headers.authorization', 'req.headers["x-connector-token"]', 'req.headers["x-vtex-api-apptoken"]',
  'req.query.token', 'settings', '*.settings',
];

/** `destination`: where lines go (default stdout); tests capture them to check no secret is logged. */
export function createLogger(options: LoggerOptions = {}, destination?: DestinationStream): Logger {
  const opts = {
    level: process.env.CONNECTOR_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'connector' },
    serializers: { err: serializeError },
    ...options,
  };
  return destination ? pino(opts, destination) : pino(opts);
}

/** Plain-data fields an error may carry besides its own scalars: our errors' details, and the cause chain. */
const NESTED = new Set(['details', 'cause']);

/**
 * Errors are logged by their own fields only — name, message, stack, code and the other scalar properties,
 * a ConnectorError's `details`, the `cause` chain — never by the objects they point to. A driver's error can
 * carry its connection (pg's `client`, with the connection parameters and the password): walking into it
 * would write the secret to the log, and, in the storm of errors a database outage raises, cost more CPU than
 * the process can spare (it starved the event loop until /ready stopped answering).
 */
export function serializeError(err: unknown, depth = 0): unknown {
  if (!(err instanceof Error)) return err;
  const out: Record<string, unknown> = { type: err.constructor?.name ?? 'Error', message: err.message, stack: err.stack };
  for (const [key, value] of Object.entries(err)) {
    if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) out[key] = value;
    else if (NESTED.has(key) && depth < 3) out[key] = value instanceof Error ? serializeError(value, depth + 1) : plainData(value);
  }
  if (err.cause !== undefined && out.cause === undefined && depth < 3) out.cause = serializeError(err.cause, depth + 1);
  if (err instanceof AggregateError && depth < 3) out.errors = err.errors.slice(0, 5).map((e) => serializeError(e, depth + 1));
  return out;
}

/** `details` as JSON data (our errors put plain data there); anything else is reduced to its description. */
function plainData(value: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}
