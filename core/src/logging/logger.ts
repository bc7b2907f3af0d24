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
    ...options,
  };
  return destination ? pino(opts, destination) : pino(opts);
}
