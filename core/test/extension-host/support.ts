import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import {
  PluginHost,
  REDACT_PATHS,
  systemClock,
  type ConnectorConfig,
  type Database,
  type HttpCallRecord,
  type HttpMeter,
  type HostLimits,
  type Logger,
  type MeteredCall,
  type StoreConfig,
} from '@connector/core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../../..');
export const FIXTURES = join(REPO, 'test/fixtures/plugins');
export const fixture = (name: string) => join(FIXTURES, name);

/** A logger whose lines (after pino's redaction) a test can read. */
export function captureLogger(): { log: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const log = pino({ level: 'debug', redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, stream);
  const text = () => chunks.join('');
  return {
    log,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** An HttpMeter that remembers what it saw (the issue-5 rate budget plugs in here). */
export class RecordingMeter implements HttpMeter {
  readonly acquired: MeteredCall[] = [];
  readonly records: HttpCallRecord[] = [];
  async acquire(call: MeteredCall) {
    this.acquired.push(call);
  }
  record(call: HttpCallRecord) {
    this.records.push(call);
  }
}

export function store(account: string, integrations: Array<{ marketplace: string; settings?: Record<string, unknown> }>): StoreConfig {
  return {
    account,
    webhookToken: 'x',
    vtex: { baseUrl: 'http://127.0.0.1:9', appKey: 'k', appToken: 't', affiliateId: 'TST', salesChannel: 1 },
    integrations: integrations.map((i) => ({ marketplace: i.marketplace, enabled: true, minimumStock: 0, categoryMappings: {}, settings: i.settings ?? {} })),
  };
}

export function makeHost(options: {
  db: Database;
  paths: string[];
  stores: StoreConfig[];
  log?: Logger;
  meter?: HttpMeter;
  limits?: Partial<HostLimits>;
}): PluginHost {
  const config: ConnectorConfig = { stores: options.stores, plugins: { paths: options.paths }, server: {}, source: '(test)' };
  const host = new PluginHost(
    config,
    options.log ?? pino({ level: 'silent' }),
    options.db,
    systemClock,
    options.meter ?? { acquire: async () => undefined, record: () => undefined },
    { discovery: { pluginFolders: [], npmFrom: [] }, limits: options.limits },
  );
  // As the runtime does: settings checked against each plugin's schema, defaults applied.
  const problems = host.validateIntegrations(options.stores);
  if (problems.length) throw new Error(`invalid test integrations: ${JSON.stringify(problems)}`);
  return host;
}

/**
 * A copy of a fixture in a temporary folder (with @connector/core linked in, so it resolves the plugin
 * API), optionally with manifest changes.
 */
export function copyFixture(name: string, patch: (pkg: Record<string, unknown>) => void = () => undefined): { dir: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), `connector-${name}-`));
  const dir = join(root, name);
  cpSync(fixture(name), dir, { recursive: true });
  mkdirSync(join(root, 'node_modules/@connector'), { recursive: true });
  symlinkSync(join(REPO, 'core'), join(root, 'node_modules/@connector/core'), 'dir');
  const pkgFile = join(dir, 'package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as Record<string, unknown>;
  patch(pkg);
  writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
  return { dir, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

/** Is the process still there? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** How many worker ports this process holds (a live worker thread holds one). */
export function workerPorts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
}
