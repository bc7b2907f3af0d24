import type { Options } from 'yargs';
import { ConnectorRuntime, createLogger, loadConfigFile, type DatabaseOptions } from '@connector/core';

/** `--data-dir` and the DATABASE_URL rule, the same for every command that opens the database. */
export const databaseOptions = {
  'data-dir': {
    type: 'string',
    describe: 'Embedded database folder (used when DATABASE_URL is not set)',
    default: './.connector/data',
  },
} satisfies Record<string, Options>;

/** CONNECTOR_DB_SCHEMA names the connector's schema (default `connector`; pg-boss uses `<schema>_boss`). */
export function databaseFrom(args: { 'data-dir'?: string }): DatabaseOptions {
  const schema = process.env.CONNECTOR_DB_SCHEMA || undefined;
  return process.env.DATABASE_URL ? { url: process.env.DATABASE_URL, schema } : { dataDir: args['data-dir'], schema };
}

/** Resolves once SIGINT or SIGTERM arrives. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => () => resolve(signal);
    process.once('SIGINT', on('SIGINT'));
    process.once('SIGTERM', on('SIGTERM'));
  });
}

/**
 * A runtime for a CLI command, on the same database `serve` uses. On the embedded database a
 * command cannot run while a server holds it (CONNECTOR_ERR_DATABASE_IN_USE): stop the server, or
 * run both on Postgres (DATABASE_URL).
 */
export async function openRuntime(args: { config: string; 'data-dir'?: string }, options: { workers: boolean }): Promise<ConnectorRuntime> {
  const config = loadConfigFile(args.config);
  const logger = createLogger({ level: process.env.CONNECTOR_LOG_LEVEL ?? (options.workers ? 'warn' : 'error') });
  return ConnectorRuntime.create({ config, database: databaseFrom(args), workers: options.workers, logger });
}
