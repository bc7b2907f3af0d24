import type { CommandModule } from 'yargs';
import { migrate, openDatabase } from '@connector/core';
import { databaseFrom, databaseOptions } from './shared.js';

const migrateCommand: CommandModule<object, { 'data-dir'?: string }> = {
  command: 'migrate',
  describe: "Apply the connector's database migrations (serve also does this at start)",
  builder: (y) => y.options(databaseOptions) as never,
  handler: async (args) => {
    const db = await openDatabase(databaseFrom(args));
    try {
      const report = await migrate(db);
      process.stdout.write(
        report.applied.length
          ? `Applied migration${report.applied.length > 1 ? 's' : ''} ${report.applied.join(', ')}; schema is at version ${report.current}.\n`
          : `Nothing to apply; schema is at version ${report.current}.\n`,
      );
    } finally {
      await db.close();
    }
  },
};

export const dbMigrateCommand: CommandModule = {
  command: 'db <command>',
  describe: 'Database maintenance (db migrate)',
  builder: (y) => y.command(migrateCommand).demandCommand(1, 'Name a db command: migrate'),
  handler: () => undefined,
};
