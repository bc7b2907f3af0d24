import yargs from 'yargs';
import { dbMigrateCommand } from './commands/db-migrate.js';
import { sandboxCommand } from './commands/sandbox.js';
import { serveCommand } from './commands/serve.js';
import { syncCommand } from './commands/sync.js';

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('connector')
    .usage('$0 <command> [options]\n\nKeeps a VTEX store\'s catalog, prices and stock in sync with marketplaces.')
    .command(serveCommand)
    .command(dbMigrateCommand)
    .command(sandboxCommand)
    .command(syncCommand)
    .demandCommand(1, 'Name a command: serve, sync, dlq, reconcile, db migrate or sandbox (see --help).')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .parseAsync();
}
