import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino';

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

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino({
    level: process.env.CONNECTOR_LOG_LEVEL ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    base: { service: 'connector' },
    ...options,
  });
}
