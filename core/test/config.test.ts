import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectorError, loadConfigFile, parseConfig } from '@connector/core';

const store = (over: Record<string, unknown> = {}) => ({
  account: 'mystore',
  webhookToken: 'secret-webhook',
  vtex: { appKey: 'key', appToken: 'token', affiliateId: 'ABC', salesChannel: 1 },
  integrations: [{ marketplace: 'mercadolivre', settings: { accessToken: 'x' } }],
  ...over,
});

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    const e = error as ConnectorError;
    expect(e.code).toBe('CONNECTOR_ERR_CONFIG_INVALID');
    return { message: e.message, problems: e.details as Array<{ path: string; message: string }> };
  }
  throw new Error('expected the config to be refused');
}

describe('configuration', () => {
  it('applies defaults and resolves {"env": NAME} secrets', () => {
    const config = parseConfig(
      { stores: [store({ webhookToken: { env: 'HOOK' }, vtex: { appKey: { env: 'KEY' }, appToken: 'token', affiliateId: 'ABC', salesChannel: 2 } })] },
      { env: { HOOK: 'from-env', KEY: 'key-from-env' } },
    );
    const s = config.stores[0];
    expect(s.webhookToken).toBe('from-env');
    expect(s.vtex.appKey).toBe('key-from-env');
    expect(s.vtex.baseUrl).toBe('https://mystore.vtexcommercestable.com.br');
    expect(s.integrations[0]).toMatchObject({ enabled: true, minimumStock: 0, categoryMappings: {} });
  });

  it('lists all three errors of a config with three errors, each with its path', () => {
    const { message, problems } = problemsOf(() =>
      parseConfig({
        stores: [
          store({
            account: 'Bad Account!',
            vtex: { appKey: 'key', appToken: 'token', affiliateId: 'ABC' },
            integrations: [{ marketplace: 'mercadolivre', minimumStock: -1 }],
          }),
        ],
      }),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(['/stores/0/account', '/stores/0/integrations/0/minimumStock', '/stores/0/vtex/salesChannel'].sort());
    expect(message).toContain('3 errors');
    for (const p of problems) expect(message).toContain(p.path);
  });

  it('lists missing environment variables, duplicate stores and duplicate integrations together', () => {
    const { problems } = problemsOf(() =>
      parseConfig(
        {
          stores: [
            store({ webhookToken: { env: 'NOPE_1' } }),
            store({ integrations: [{ marketplace: 'mercadolivre' }, { marketplace: 'mercadolivre' }] }),
          ],
        },
        { env: {} },
      ),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(['/stores/0/webhookToken', '/stores/1/account', '/stores/1/integrations/1/marketplace']);
    expect(problems[0].message).toMatch(/NOPE_1/);
  });

  it('names unknown properties so typos are caught', () => {
    const { problems } = problemsOf(() => parseConfig({ stores: [store({ webhookTokn: 'x' })] }));
    expect(problems).toContainEqual({ path: '/stores/0/webhookTokn', message: expect.stringContaining('not a known property') });
  });

  it('reads a file and says which file is unreadable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'connector-config-'));
    const file = join(dir, 'connector.json');
    writeFileSync(file, JSON.stringify({ stores: [store()], plugins: { paths: ['./more-plugins'] } }));
    expect(loadConfigFile(file).plugins.paths).toEqual([join(dir, 'more-plugins')]);
    writeFileSync(file, '{ not json');
    expect(() => loadConfigFile(file)).toThrow(/CONNECTOR_ERR_CONFIG_UNREADABLE|Cannot read the configuration file/);
    try {
      loadConfigFile(join(dir, 'missing.json'));
    } catch (error) {
      expect((error as ConnectorError).code).toBe('CONNECTOR_ERR_CONFIG_UNREADABLE');
    }
  });
});

describe('connector.example.json', () => {
  it('is a valid config once its environment variables are set', () => {
    const file = join(import.meta.dirname, '../../connector.example.json');
    const env = { MYSTORE_WEBHOOK_TOKEN: 'w', MYSTORE_VTEX_APP_KEY: 'k', MYSTORE_VTEX_APP_TOKEN: 't', MYSTORE_ML_ACCESS_TOKEN: 'a', CONNECTOR_ADMIN_TOKEN: 'an-admin-token-of-32-characters!' };
    const config = loadConfigFile(file, env);
    expect(config.stores[0].integrations[0].settings).toEqual({ accessToken: 'a' });
  });
});
