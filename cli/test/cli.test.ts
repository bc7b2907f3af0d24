import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PgDatabase } from '@connector/core';
import { runCli } from '../../test/support/processes.js';

describe('connector CLI', () => {
  const schema = `t_cli_${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    if (!process.env.DATABASE_URL) return;
    const db = new PgDatabase(process.env.DATABASE_URL, schema, 1);
    await db.query(`drop schema if exists ${schema} cascade`);
    await db.close();
  });

  it('--help lists the commands', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['serve', 'db', 'sandbox']) expect(stdout).toMatch(new RegExp(`connector ${command}`));
  });

  it('refuses an unknown command with a suggestion and a non-zero exit', async () => {
    const { code, stderr } = await runCli(['serv']);
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/serve/);
  });

  it('db migrate applies the schema once, then reports nothing to apply', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'connector-cli-'));
    const env = { CONNECTOR_DB_SCHEMA: schema };
    const first = await runCli(['db', 'migrate', '--data-dir', dataDir], env);
    expect(first.stderr).toBe('');
    expect(first.stdout).toMatch(/Applied migration/);
    const second = await runCli(['db', 'migrate', '--data-dir', dataDir], env);
    expect(second.stdout).toMatch(/Nothing to apply; schema is at version \d+/);
  });

  it('serve refuses a bad config listing every error, and exits 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'connector-cli-'));
    const file = join(dir, 'bad.json');
    (await import('node:fs')).writeFileSync(file, JSON.stringify({ stores: [{ account: 'x', vtex: {} }], extra: 1 }));
    const { code, stderr } = await runCli(['serve', '--config', file, '--data-dir', join(dir, 'data')]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/CONNECTOR_ERR_CONFIG_INVALID/);
    for (const path of ['/extra', '/stores/0/webhookToken', '/stores/0/integrations', '/stores/0/vtex/appKey']) expect(stderr).toContain(path);
  });
});
