import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PluginHost, PluginStatusChange, StoreConfig } from '@connector/core';
import { FakeMercadoLivre } from '../../../test/fakes/index.js';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database.js';
import { waitFor } from '../../../test/support/wait.js';
import { alive, captureLogger, copyFixture, fixture, makeHost, RecordingMeter, store, workerPorts } from './support.js';

const ML_ITEM = {
  title: 'Fixture item',
  category_id: 'MLB1055',
  price: 10.5,
  currency_id: 'BRL',
  available_quantity: 3,
  buying_mode: 'buy_it_now',
  listing_type_id: 'gold_special',
  condition: 'new',
};

/** Rejects with a connector error of `code`; returns it. */
async function failsWith(promise: Promise<unknown>, code: string): Promise<Error & { code: string; message: string }> {
  const error = await promise.then(
    () => {
      throw new Error(`expected ${code}, but the call succeeded`);
    },
    (e: unknown) => e as Error & { code: string },
  );
  expect(error.code, error.message).toBe(code);
  return error;
}

let tdb: TestDatabase;
let ml: FakeMercadoLivre;
/** Counts every request it receives: the undeclared host nothing may reach. */
let outsider: Server;
let outsiderHits = 0;
let outsiderUrl = '';

beforeAll(async () => {
  tdb = await openTestDatabase();
  ml = await FakeMercadoLivre.start();
  outsider = createServer((_req, res) => {
    outsiderHits++;
    res.end('{}');
  });
  await new Promise<void>((r) => outsider.listen(0, '127.0.0.1', r));
  // `localhost` reaches the same server, but it is not the integration's apiBaseUrl host (127.0.0.1).
  outsiderUrl = `http://localhost:${(outsider.address() as AddressInfo).port}/collect`;
});
afterAll(async () => {
  await new Promise((r) => outsider?.close(r));
  await ml?.close();
  await tdb?.cleanup();
});

const stateOf = async (marketplace: string, storeId: string, key: string) => {
  const [row] = await tdb.db.query<{ value: unknown }>(`select value from plugin_state where marketplace = $1 and store = $2 and key = $3`, [marketplace, storeId, key]);
  return row?.value as Record<string, unknown> | undefined;
};

describe('a well-behaved plugin in its worker', () => {
  let host: PluginHost;
  let stores: StoreConfig[];
  const meter = new RecordingMeter();
  const logs = captureLogger();
  let token = '';
  let portsBefore = 0;

  beforeAll(() => {
    token = ml.issueAccessToken();
    stores = [store('store-a', [{ marketplace: 'fixture-valid', settings: { accessToken: token, apiBaseUrl: ml.url } }])];
    portsBefore = workerPorts();
    host = makeHost({ db: tdb.db, paths: [fixture('valid')], stores, meter, log: logs.log, limits: { ackTimeoutMs: 2_000 } });
  });
  afterAll(() => host?.dispose());

  it('publishes through ctx.http with its own secret, metered and recorded, and keeps state per integration', async () => {
    expect(host.status()[0]).toMatchObject({ marketplace: 'fixture-valid', state: 'idle', activationEvents: ['onMarketplace:fixture-valid'] });
    const handlers = await host.handlers(stores[0], 'fixture-valid');
    expect(Object.keys(handlers).sort()).toEqual(['fetchRemoteState', 'publish', 'transform', 'update']);

    const published = await handlers.publish({ skuId: '1', payload: ML_ITEM });
    expect(published.marketplaceId).toMatch(/^MLB\d+$/);
    expect(ml.items.get(published.marketplaceId)).toMatchObject({ title: 'Fixture item', price: 10.5 });
    await handlers.update({ skuId: '1', marketplaceId: published.marketplaceId, payload: { ...ML_ITEM, price: 12, available_quantity: 1 } });
    expect(ml.items.get(published.marketplaceId)).toMatchObject({ price: 12, available_quantity: 1 });
    expect(await handlers.fetchRemoteState!([{ skuId: '1', marketplaceId: published.marketplaceId }])).toEqual([
      { skuId: '1', found: true, marketplaceId: published.marketplaceId, fields: { available_quantity: 1, price: 12, status: 'active' } },
    ]);
    expect(await handlers.transform!([{ op: 'plugin:upper', value: 'abc' }, { op: 'plugin:upper', value: 3 }])).toEqual(['ABC', 3]);

    // Every ctx.http call went through the meter, labelled with the handler that made it.
    expect(meter.acquired.map((c) => c.operation)).toEqual(['publish', 'update', 'fetchRemoteState']);
    expect(meter.records).toEqual([
      expect.objectContaining({ store: 'store-a', marketplace: 'fixture-valid', operation: 'publish', method: 'POST', url: `${ml.url}/items`, status: 201 }),
      expect.objectContaining({ operation: 'update', method: 'PUT', status: 200 }),
      expect.objectContaining({ operation: 'fetchRemoteState', method: 'GET', status: 200 }),
    ]);

    // The context saw its settings without the secret, and the secret's name only.
    expect(await stateOf('fixture-valid', 'store-a', 'activated')).toMatchObject({ settings: { apiBaseUrl: ml.url, currencyId: 'BRL' }, secretNames: ['accessToken'] });
    expect(JSON.stringify(await stateOf('fixture-valid', 'store-a', 'activated'))).not.toContain(token);
  });

  it('masks the integration\'s secrets in whatever the plugin logs', async () => {
    await waitFor(() => logs.text().includes('activated with token'));
    const line = logs.lines().find((l) => String(l.msg).startsWith('activated with token'))!;
    expect(line).toMatchObject({ plugin: '@fixtures/plugin-valid@1.2.3', store: 'store-a', marketplace: 'fixture-valid', source: 'plugin' });
    expect(logs.text()).not.toContain(token);
    expect(line.msg).toBe('activated with token [redacted]');
  });

  it('validates every message crossing the boundary, both ways, without hurting the host', async () => {
    const [s] = stores;
    await failsWith(host.call(s, 'fixture-valid', 'constructor', []), 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID');
    await failsWith(host.call(s, 'fixture-valid', 'publish', [{ skuId: '1', payload: new Map() }]), 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID');
    await failsWith(host.call(s, 'fixture-valid', 'publish', [{ skuId: '1', payload: { at: () => 1 } }]), 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID');
    const missing = await failsWith(host.call(s, 'fixture-valid', 'submitFeed', [{ operation: 'publish', items: [] }]), 'CONNECTOR_ERR_PLUGIN_HANDLER_MISSING');
    expect(missing.message).toContain('submitFeed');
    // The plugin's answer is checked too: a class instance is not plain data.
    const request = { op: 'class-instance', args: {}, value: 1, skuId: '1', target: 'title' };
    const bad = await failsWith(host.call(s, 'fixture-valid', 'transform', [[request]]), 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID');
    expect(bad.message).toContain('transform result');
    // The marketplace's own refusals keep their code across the boundary.
    await failsWith(host.call(s, 'fixture-valid', 'publish', [{ skuId: '2', payload: { ...ML_ITEM, price: -1 } }]), 'CONNECTOR_ERR_MARKETPLACE_REJECTED');
    expect(host.status()[0].host).toMatchObject({ restarts: 0, strikes: [] });
  });

  it('on shutdown runs deactivate() then the disposables, and leaves no worker behind', async () => {
    const worker = host.hostOf('fixture-valid')!;
    expect(worker.kind).toBe('worker');
    expect(workerPorts()).toBeGreaterThan(portsBefore);
    await host.dispose();
    const deactivated = await stateOf('fixture-valid', 'store-a', 'deactivated');
    const disposed = await stateOf('fixture-valid', 'store-a', 'disposed');
    expect(deactivated?.seq).toBeLessThan(disposed!.seq as number);
    expect(await worker.exited).toMatchObject({ code: 1 }); // terminate()d
    expect(host.status()[0].state).toBe('stopped');
    expect(workerPorts()).toBe(portsBefore);
    await failsWith(host.handlers(stores[0], 'fixture-valid'), 'CONNECTOR_ERR_PLUGIN_CRASHED');
  });
});

describe('messages from the plugin are validated by the core', () => {
  it('refuses malformed context calls with a clear code, keeps the host running, and scopes state and secrets', async () => {
    const stores = [store('store-m', [{ marketplace: 'fixture-misbehaving', settings: { apiBaseUrl: ml.url, accessToken: 'mine-1234' } }])];
    const host = makeHost({ db: tdb.db, paths: [fixture('misbehaving')], stores });
    try {
      const result = (await host.call(stores[0], 'fixture-misbehaving', 'publish', [{ skuId: '1', payload: {} }])) as { response: Record<string, unknown> };
      expect(result.response).toEqual({
        httpMethod: 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID',
        httpScheme: 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID',
        httpHeader: 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID',
        stateValue: 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID',
        stateKey: 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID',
        stateTooBig: 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID',
        otherSecret: 'undefined',
        token: 'mine-1234',
        stateRoundTrip: { value: { a: [1, 'b', null] }, keys: ['n'], deleted: true, after: null },
      });
      expect(host.status()[0].host).toMatchObject({ restarts: 0, strikes: [] });
    } finally {
      await host.dispose();
    }
  });
});

describe('a refused plugin', () => {
  it('is listed with its problems, and its integrations are paused with the refusal as the reason', async () => {
    const stores = [store('store-x', [{ marketplace: 'fixture-incompatible' }, { marketplace: 'fixture-valid', settings: { accessToken: 'x' } }])];
    const host = makeHost({ db: tdb.db, paths: [fixture('incompatible-engine'), fixture('invalid-manifest'), fixture('valid')], stores });
    try {
      expect(host.list().map((p) => p.manifest.contributes.marketplace.id)).toEqual(['fixture-valid']);
      const refused = host.status().filter((p) => p.state === 'refused');
      expect(refused.map((p) => [p.plugin, p.refusal?.code])).toEqual([
        ['@fixtures/plugin-incompatible-engine@2.0.0', 'CONNECTOR_ERR_PLUGIN_INCOMPATIBLE'],
        ['@fixtures/plugin-invalid-manifest@not-a-version', 'CONNECTOR_ERR_PLUGIN_INVALID'],
      ]);
      expect(refused[0].refusal?.problems[0]).toMatchObject({ path: '/engines/connector', fix: expect.stringContaining('^1.0.0') });
      expect(refused[0].integrations).toEqual([{ store: 'store-x', marketplace: 'fixture-incompatible', paused: true, reason: expect.stringContaining('requires plugin API ^2.0.0') }]);
      expect(host.isPaused('store-x', 'fixture-incompatible')).toBe(true);
      await failsWith(host.handlers(stores[0], 'fixture-incompatible'), 'CONNECTOR_ERR_PLUGIN_REFUSED');
      // The other plugin loads and works.
      expect(await (await host.handlers(stores[0], 'fixture-valid')).transform!([{ op: 'x', value: 'y' }])).toEqual(['Y']);
      // An integration naming a marketplace nobody provides is a config error, as before.
      expect(host.validateIntegrations([store('store-y', [{ marketplace: 'nobody' }])])).toEqual([
        { path: '/stores/0/integrations/0/marketplace', message: 'no plugin provides "nobody" (installed: fixture-valid)' },
      ]);
    } finally {
      await host.dispose();
    }
  });

  it('hands out a rotated secret at once, without a restart', async () => {
    const stores = [store('store-s', [{ marketplace: 'fixture-misbehaving', settings: { apiBaseUrl: ml.url, accessToken: 'first-token' } }])];
    const host = makeHost({ db: tdb.db, paths: [fixture('misbehaving')], stores });
    const token = async () => ((await host.call(stores[0], 'fixture-misbehaving', 'publish', [{ skuId: '1', payload: {} }])) as { response: { token: string } }).response.token;
    try {
      expect(await token()).toBe('first-token');
      stores[0].integrations[0].settings.accessToken = 'second-token';
      expect(await token()).toBe('second-token');
      expect(host.status()[0].host).toMatchObject({ restarts: 0 });
    } finally {
      await host.dispose();
    }
  });
});

describe('reload', () => {
  it('deactivates the plugin and loads its code afresh on the next work', async () => {
    const lazy = copyFixture('lazy');
    const marker = join(lazy.dir, 'evaluated.log');
    const stores = [store('store-r', [{ marketplace: 'fixture-lazy' }])];
    const host = makeHost({ db: tdb.db, paths: [lazy.dir], stores });
    try {
      await host.handlers(stores[0], 'fixture-lazy');
      const first = host.hostOf('fixture-lazy')!;
      await host.reload('fixture-lazy');
      expect(await first.exited).toBeDefined();
      expect(host.status()[0].state).toBe('idle');
      expect(await (await host.handlers(stores[0], 'fixture-lazy')).publish({ skuId: '3', payload: {} })).toEqual({ marketplaceId: 'LAZY-3' });
      expect(readFileSync(marker, 'utf8').trim().split('\n')).toHaveLength(2);
    } finally {
      await host.dispose();
      lazy.cleanup();
    }
  });
});

describe('lazy activation', () => {
  it('never evaluates a plugin\'s module until one of its integrations has work', async () => {
    const lazy = copyFixture('lazy');
    const marker = join(lazy.dir, 'evaluated.log');
    const stores = [store('store-a', [{ marketplace: 'fixture-lazy' }, { marketplace: 'fixture-valid', settings: { accessToken: 'x', apiBaseUrl: ml.url } }])];
    const host = makeHost({ db: tdb.db, paths: [lazy.dir, fixture('valid')], stores });
    try {
      await host.start();
      // Another plugin working does not load this one.
      await (await host.handlers(stores[0], 'fixture-valid')).transform!([{ op: 'x', value: 'a' }]);
      expect(existsSync(marker)).toBe(false);
      expect(host.status().find((s) => s.marketplace === 'fixture-lazy')?.state).toBe('idle');

      const handlers = await host.handlers(stores[0], 'fixture-lazy');
      expect(readFileSync(marker, 'utf8').trim().split('\n')).toHaveLength(1);
      expect(await handlers.publish({ skuId: '9', payload: {} })).toEqual({ marketplaceId: 'LAZY-9' });
      await host.handlers(stores[0], 'fixture-lazy');
      expect(readFileSync(marker, 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      await host.dispose();
      lazy.cleanup();
    }
  });

  it('activates onStartup plugins when the host starts', async () => {
    const eager = copyFixture('lazy', (pkg) => (pkg.activationEvents = ['onStartup']));
    const stores = [store('store-a', [{ marketplace: 'fixture-lazy' }])];
    const host = makeHost({ db: tdb.db, paths: [eager.dir], stores });
    try {
      await host.start();
      await waitFor(() => host.status()[0].host?.activeIntegrations.includes('store-a/fixture-lazy'));
      expect(existsSync(join(eager.dir, 'evaluated.log'))).toBe(true);
    } finally {
      await host.dispose();
      eager.cleanup();
    }
  });
});

describe('faulty plugins: each gives its documented outcome, and the healthy plugin keeps working', () => {
  let host: PluginHost;
  const changes: PluginStatusChange[] = [];
  const stores = [
    store('store-a', [
      { marketplace: 'fixture-valid', settings: { accessToken: 'x', apiBaseUrl: 'http://127.0.0.1:9' } },
      { marketplace: 'fixture-throws' },
      { marketplace: 'fixture-hangs' },
      { marketplace: 'fixture-oom' },
      { marketplace: 'fixture-undeclared' },
      { marketplace: 'fixture-crash-once' },
    ]),
  ];
  const [s] = stores;
  const healthy = async () => (await host.handlers(s, 'fixture-valid')).transform!([{ op: 'x', value: 'ok' }]);

  beforeAll(async () => {
    for (const integration of s.integrations.slice(1)) integration.settings.exfiltrateUrl = outsiderUrl;
    stores[0].integrations[4].settings.apiBaseUrl = ml.url;
    host = makeHost({
      db: tdb.db,
      paths: ['valid', 'throws-in-activate', 'hangs', 'oom', 'undeclared-host', 'crash-once'].map(fixture),
      stores,
      limits: { ackTimeoutMs: 1_000, memoryLimitMb: 48, crashBudget: { max: 3, windowMs: 60_000 } },
    });
    host.onDidChangeStatus((change) => changes.push(change));
    await host.start();
  });
  afterAll(() => host?.dispose());

  it('activate() throwing: a retryable activation error each time, then quarantine with a visible reason', async () => {
    for (let i = 0; i < 3; i++) {
      const error = await failsWith(host.handlers(s, 'fixture-throws'), 'CONNECTOR_ERR_PLUGIN_ACTIVATION_FAILED');
      expect(error.message).toContain('cannot start: the partner key is missing');
    }
    const quarantined = await failsWith(host.handlers(s, 'fixture-throws'), 'CONNECTOR_ERR_PLUGIN_QUARANTINED');
    expect(quarantined.message).toContain('3 failures');
    const status = host.status().find((p) => p.marketplace === 'fixture-throws')!;
    expect(status).toMatchObject({ state: 'quarantined', integrations: [{ store: 'store-a', marketplace: 'fixture-throws', paused: true, reason: expect.stringContaining('partner key') }] });
    expect(status.host?.strikes.map((x) => x.kind)).toEqual(['activation', 'activation', 'activation']);
    expect(host.isPaused('store-a', 'fixture-throws')).toBe(true);
    expect(changes).toContainEqual(expect.objectContaining({ marketplace: 'fixture-throws', change: 'quarantined', integrations: [{ store: 'store-a', marketplace: 'fixture-throws' }] }));
    await waitFor(async () => (await tdb.db.query(`select 1 from plugin_health where marketplace = 'fixture-throws' and status = 'quarantined'`)).length === 1);
    expect(await healthy()).toEqual(['OK']);

    // Released: a fresh budget and a fresh try (which fails again, as the plugin is still broken).
    await host.release('fixture-throws');
    expect(host.isPaused('store-a', 'fixture-throws')).toBe(false);
    expect(changes.at(-1)).toMatchObject({ marketplace: 'fixture-throws', change: 'released' });
    await failsWith(host.handlers(s, 'fixture-throws'), 'CONNECTOR_ERR_PLUGIN_ACTIVATION_FAILED');
    expect((await tdb.db.query<{ status: string }>(`select status from plugin_health where marketplace = 'fixture-throws'`))[0].status).toBe('released');
  });

  it('a hung call: the host stops responding, so it is restarted and the call fails retryable; quarantine after the budget', async () => {
    const handlers = await host.handlers(s, 'fixture-hangs');
    const started = Date.now();
    const [hung] = await Promise.all([failsWith(handlers.publish({ skuId: '1', payload: {} }), 'CONNECTOR_ERR_PLUGIN_CRASHED'), healthy()]);
    expect(hung.message).toContain('stopped responding while publish was in flight (no answer within 1000 ms');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await healthy()).toEqual(['OK']);
    // The same handlers object keeps working against the next host (which hangs again).
    await failsWith(handlers.publish({ skuId: '1', payload: {} }), 'CONNECTOR_ERR_PLUGIN_CRASHED');
    expect(host.status().find((p) => p.marketplace === 'fixture-hangs')?.host?.restarts).toBe(1);
    await failsWith(handlers.publish({ skuId: '1', payload: {} }), 'CONNECTOR_ERR_PLUGIN_CRASHED');
    await failsWith(handlers.publish({ skuId: '1', payload: {} }), 'CONNECTOR_ERR_PLUGIN_QUARANTINED');
    const status = host.status().find((p) => p.marketplace === 'fixture-hangs')!;
    expect(status.state).toBe('quarantined');
    expect(status.host?.strikes.map((x) => x.kind)).toEqual(['unresponsive', 'unresponsive', 'unresponsive']);
    expect(status.host?.host).toBeUndefined(); // no host left running
  });

  it('out of memory: the host dies at its heap limit and is restarted; the core is untouched', async () => {
    const before = process.memoryUsage().heapUsed;
    const error = await failsWith(host.call(s, 'fixture-oom', 'publish', [{ skuId: '1', payload: {} }]), 'CONNECTOR_ERR_PLUGIN_CRASHED');
    expect(error.message).toContain('out of memory');
    expect(host.status().find((p) => p.marketplace === 'fixture-oom')?.host?.strikes.map((x) => x.kind)).toEqual(['out-of-memory']);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 * 1024 * 1024);
    expect(await healthy()).toEqual(['OK']);
  });

  it('an undeclared host: global fetch, node:http and ctx.http are all refused, and nothing reaches the host', async () => {
    const error = await failsWith(host.call(s, 'fixture-undeclared', 'publish', [{ skuId: '1', payload: {} }]), 'CONNECTOR_ERR_PLUGIN_HOST_NOT_ALLOWED');
    expect(error.message).toContain('localhost');
    expect(error.message).toContain('api.fixture.example');
    const attempts = await stateOf('fixture-undeclared', 'store-a', 'attempts');
    expect(attempts).toEqual({
      fetch: expect.stringContaining('cannot use the global fetch'),
      nodeHttp: expect.stringContaining('cannot use node:http'),
      ctxHttp: 'CONNECTOR_ERR_PLUGIN_HOST_NOT_ALLOWED',
    });
    expect(outsiderHits).toBe(0);
    // A policy refusal is not a crash: no strike.
    expect(host.status().find((p) => p.marketplace === 'fixture-undeclared')?.host).toMatchObject({ restarts: 0, strikes: [] });
  });

  it('a crash mid-call: the in-flight call fails retryable, and its retry succeeds in a fresh host', async () => {
    await failsWith(host.call(s, 'fixture-crash-once', 'publish', [{ skuId: '7', payload: {} }]), 'CONNECTOR_ERR_PLUGIN_CRASHED');
    expect(await host.call(s, 'fixture-crash-once', 'publish', [{ skuId: '7', payload: {} }])).toEqual({ marketplaceId: 'CRASH-ONCE-7' });
    const status = host.status().find((p) => p.marketplace === 'fixture-crash-once')!;
    expect(status).toMatchObject({ state: 'running', host: { restarts: 1, strikes: [expect.objectContaining({ kind: 'crash', reason: expect.stringContaining('deliberate uncaught exception') })] } });
  });

  it('a quarantine survives a restart of the runtime (same version), and shows in plugin_health', async () => {
    const again = makeHost({ db: tdb.db, paths: [fixture('hangs')], stores: [store('store-a', [{ marketplace: 'fixture-hangs' }])] });
    try {
      await again.start();
      expect(again.isPaused('store-a', 'fixture-hangs')).toBe(true);
      await failsWith(again.handlers(stores[0], 'fixture-hangs'), 'CONNECTOR_ERR_PLUGIN_QUARANTINED');
    } finally {
      await again.dispose();
    }
    const upgraded = copyFixture('hangs', (pkg) => (pkg.version = '1.0.1'));
    const fixed = makeHost({ db: tdb.db, paths: [upgraded.dir], stores: [store('store-a', [{ marketplace: 'fixture-hangs' }])] });
    try {
      await fixed.start();
      expect(fixed.isPaused('store-a', 'fixture-hangs')).toBe(false);
    } finally {
      await fixed.dispose();
      upgraded.cleanup();
    }
  });
});

describe('a plugin that asks for a child process', () => {
  it('runs in its own process under the permission model, and the process is gone after shutdown', async () => {
    const copy = copyFixture('valid', (pkg) => (pkg.isolation = 'process'));
    const stores = [store('store-p', [{ marketplace: 'fixture-valid', settings: { accessToken: ml.issueAccessToken(), apiBaseUrl: ml.url } }])];
    const host = makeHost({ db: tdb.db, paths: [copy.dir], stores });
    try {
      const handlers = await host.handlers(stores[0], 'fixture-valid');
      const { marketplaceId } = await handlers.publish({ skuId: '1', payload: ML_ITEM });
      expect(ml.items.has(marketplaceId)).toBe(true);
      const child = host.hostOf('fixture-valid')!;
      expect(child.kind).toBe('process');
      expect(child.pid).not.toBe(process.pid);
      expect(alive(child.pid)).toBe(true);
      await host.dispose();
      expect(await stateOf('fixture-valid', 'store-p', 'disposed')).toBeDefined();
      expect(alive(child.pid)).toBe(false);
    } finally {
      await host.dispose();
      copy.cleanup();
    }
  });
});
