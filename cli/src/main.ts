import yargs from 'yargs';
import { Errors } from '@connector/core';
import { dbMigrateCommand } from './commands/db-migrate.js';
import { sandboxCommand } from './commands/sandbox.js';
import { serveCommand } from './commands/serve.js';
import { syncCommand } from './commands/sync.js';
import { deliveryCommand } from './commands/delivery.js';
import { dlqCommand } from './commands/dlq.js';
import { pluginCommand } from './commands/plugin.js';
import { reconcileCommand } from './commands/reconcile.js';

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('connector')
    .usage('$0 <command> [options]\n\nKeeps a VTEX store\'s catalog, prices and stock in sync with marketplaces.')
    .command(serveCommand)
    .command(dbMigrateCommand)
    .command(sandboxCommand)
    .command(syncCommand)
    .command(dlqCommand)
    .command(reconcileCommand)
    .command(deliveryCommand)
    .command(pluginCommand)
    .demandCommand(1, 'Name a command: serve, sync, dlq, reconcile, db migrate or sandbox (see --help).')
    .recommendCommands()
    // Usage mistakes get the help; errors from a command go to bin.ts, which prints their code and message.
    .fail((message, error, y) => {
      if (error) throw error;
      y.showHelp();
      process.stderr.write(`\n${message}\n`);
      process.exit(1);
    })
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    // A failing command reports its own error (bin.ts prints it); usage mistakes get the hint.
    .fail((message, error) => {
      if (error) throw error;
      throw Errors.invalidArgument('command line', `${message}\nRun "connector --help" for the commands and their options.`);
    })
    .parseAsync();
}
