import { assertSchemaName, DEFAULT_DATA_DIR, DEFAULT_SCHEMA, type Database, type DatabaseOptions } from './database.js';
import { PgDatabase } from './pg-database.js';
import { PgliteDatabase } from './pglite-database.js';

/** `pg` when a URL is given (or DATABASE_URL is set), the embedded PGlite otherwise. */
export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  const schema = assertSchemaName(options.schema ?? DEFAULT_SCHEMA);
  const url = options.url ?? process.env.DATABASE_URL;
  if (url) {
    // The schema itself is created by the migrator, under its advisory lock.
    return new PgDatabase(url, schema, options.poolSize);
  }
  return PgliteDatabase.open(options.dataDir ?? DEFAULT_DATA_DIR, schema);
}
