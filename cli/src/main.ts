import yargs from 'yargs';
import { Errors } from '@connector/core';
import { dbMigrateCommand } from './commands/db-migrate.js';
import { sandboxCommand } from './commands/sandbox.js';
import { serveCommand } from './commands/serve.js';

export async function main(argv: string[]): Promise<void> {
  await yargs(argv)
    .scriptName('connector')
    .usage('$0 <command> [options]\n\nKeeps a VTEX store\'s catalog, prices and stock in sync with marketplaces.')
    .command(serveCommand)
    .command(dbMigrateCommand)
    .command(sandboxCommand)
    .demandCommand(1, 'Name a command: serve, db migrate or sandbox (see --help).')
    .recommendCommands()
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
