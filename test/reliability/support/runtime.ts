import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ConnectorRuntime, createLogger, parseConfig, PgDatabase, PgliteDatabase, type Database, type PluginHostOptions } from '@connector/core';
import { buildServer } from '@connector/server';
import { FakeVtex } from '../../fakes/index.js';
import { openTestDatabase, type TestDatabase } from '../../support/database.js';
import { serve, type Served } from '../../support/processes.js';
import { CATEGORY_ID, WEBHOOK_TOKEN } from '../../support/stack.js';
import type { MarketplaceTarget } from './targets.js';

/** A fake VTEX store seeded with `skus` sellable SKUs in the category every target maps. */
export async function startVtex(account: string, skus: number): Promise<FakeVtex> {
  const vtex = await FakeVtex.start({ account });
  vtex.seed(skus, { categoryId: CATEGORY_ID, salesChannel: 1 });
  return vtex;
}

/** The raw config of one store delivering to every target; `extra` adds or overrides top-level sections. */
export function reliabilityConfig(vtex: FakeVtex, targets: MarketplaceTarget[], extra: Record<string, unknown> = {}) {
  const { delivery, ...rest } = extra as { delivery?: Record<string, unknown> };
  return {
    stores: [
      {
        account: vtex.account,
        webhookToken: WEBHOOK_TOKEN,
        vtex: { baseUrl: vtex.url, appKey: vtex.appKey, appToken: vtex.appToken, affiliateId: 'TST', salesChannel: 1 },
        integrations: targets.map((t) => t.integration()),
      },
    ],
    plugins: { paths: targets.flatMap((t) => t.pluginPaths) },
    // Feed status polled often: the fake finishes a feed after two polls.
    delivery: { feedPollSeconds: 0.2, feedMaxPollSeconds: 1, ...delivery },
    reconciliation: { enabled: false },
    ...rest,
  };
}

export interface InProcess {
  runtime: ConnectorRuntime;
  app: FastifyInstance;
  /** `http://127.0.0.1:PORT` of the server. */
  baseUrl: string;
  tdb: TestDatabase;
  close(): Promise<void>;
}

/** A runtime in this process, on this file's own database, with its HTTP server listening. */
export async function startInProcess(raw: Record<string, unknown>, options: { pluginHost?: PluginHostOptions; workers?: boolean } = {}): Promise<InProcess> {
  const tdb = await openTestDatabase();
  const runtime = await ConnectorRuntime.create({
    config: parseConfig(raw),
    database: tdb.db,
    logger: createLogger({ level: process.env.CONNECTOR_TEST_LOG ?? 'silent' }),
    workers: options.workers ?? true,
    ...(options.pluginHost && { pluginHost: options.pluginHost }),
  });
  await runtime.start();
  const app = buildServer(runtime);
  const baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    runtime,
    app,
    baseUrl,
    tdb,
    async close() {
      await app.close();
      await runtime.stop();
      await tdb.cleanup();
    },
  };
}

/**
 * Where `connector serve` child processes keep their data: a fresh schema pair on `databaseUrl` (Postgres,
 * any number of processes), or else a PGlite data dir of their own (one process at a time).
 */
export interface ChildDatabase {
  env: Record<string, string>;
  args: string[];
  /** Opens the same database from the test (for PGlite only once no child holds it). */
  open(): Promise<Database>;
  cleanup(): Promise<void>;
}

export async function childDatabase(dir: string, databaseUrl = process.env.DATABASE_URL): Promise<ChildDatabase> {
  if (databaseUrl) {
    const tdb = await withUrl(databaseUrl, openTestDatabase);
    return { env: tdb.env, args: [], open: async () => tdb.db, cleanup: () => tdb.cleanup() };
  }
  const dataDir = join(dir, 'data');
  let opened: Database | undefined;
  return {
    env: {},
    args: ['--data-dir', dataDir],
    open: async () => (opened ??= await PgliteDatabase.open(dataDir, 'connector')),
    cleanup: async () => void (await opened?.close()),
  };
}

/** Runs `fn` with DATABASE_URL set to `url` (openTestDatabase reads it). */
async function withUrl<T>(url: string, fn: () => Promise<T>): Promise<T> {
  const before = process.env.DATABASE_URL;
  process.env.DATABASE_URL = url;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = before;
  }
}

/** A temporary folder holding the config file of child processes. */
export function writeConfig(raw: Record<string, unknown>): { dir: string; file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'connector-reliability-'));
  const file = join(dir, 'connector.json');
  writeFileSync(file, JSON.stringify(raw));
  return { dir, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `connector serve` with the config and database given (info logs: `serve()` waits for the listening line). */
export function serveChild(configFile: string, db: ChildDatabase, extraArgs: string[] = []): Promise<Served> {
  return serve(['--config', configFile, ...db.args, ...extraArgs], { CONNECTOR_LOG_LEVEL: 'info', ...db.env });
}

/** Opens `url`'s default connector schema (a private instance's database) from the test. */
export function openPostgres(url: string, schema = 'connector'): Database {
  return new PgDatabase(url, schema, 2);
}
