import type { CommandModule } from 'yargs';
import { ConnectorRuntime, loadConfigFile } from '@connector/core';
import { buildServer } from '@connector/server';
import { databaseFrom, databaseOptions, untilSignal } from './shared.js';

interface Args {
  config: string;
  port?: number;
  host?: string;
  'data-dir'?: string;
  workers: boolean;
}

export const serveCommand: CommandModule<object, Args> = {
  command: 'serve',
  describe: 'Run the connector: the VTEX webhook and the sync pipeline (Postgres when DATABASE_URL is set, else embedded)',
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'JSON config file (schema: core/schema/config.schema.json)' })
      .option('port', { type: 'number', describe: 'HTTP port (default: config server.port, else 8080)' })
      .option('host', { type: 'string', describe: 'HTTP host (default: config server.host, else 0.0.0.0)' })
      .option('workers', { type: 'boolean', default: true, describe: 'Run the pipeline workers; --no-workers serves the webhook only (scale ingest apart)' })
      .options(databaseOptions) as never,
  handler: async (args) => {
    const config = loadConfigFile(args.config);
    const runtime = await ConnectorRuntime.create({ config, database: databaseFrom(args), workers: args.workers });
    await runtime.start();
    const app = buildServer(runtime);
    const address = await app.listen({ port: args.port ?? config.server.port ?? 8080, host: args.host ?? config.server.host ?? '0.0.0.0' });
    runtime.log.info({ address }, `connector listening; webhook at ${address}/api/notification?token=…, admin UI at ${address}/admin`);
    if (!config.admin.tokens.length) runtime.log.warn('no admin.tokens in the config: the admin API and UI refuse every request (docs/admin.md)');
    const signal = await untilSignal();
    runtime.log.info({ signal }, 'shutting down');
    await app.close();
    await runtime.stop();
  },
};
