/**
 * The test host (`@connector/core/testing`) with the plugins and fakes of this repository: the
 * Mercado Livre plugin (items, OAuth state), the feed fixture (lots, product before offer), and
 * plugins that break the boundary. The plugin-template's own tests cover the author's view.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { definePlugin, type PluginContext } from '@connector/core/plugin';
import { createTestHost, TestClock, vtexSnapshot, type SnapshotInput, type TestHost } from '@connector/core/testing';
import mercadolivre from '../../../plugins/mercadolivre/dist/index.js';
import { FakeFeedMarketplace, FakeMercadoLivre } from '../../../test/fakes/index.js';

const REPO = join(import.meta.dirname, '../../..');
const FIXTURES = join(REPO, 'test/fixtures');
const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const mlSku = (id: number, more: Partial<SnapshotInput> = {}) =>
  vtexSnapshot({ skuId: id, categoryId: 7, brand: 'Aurora', ean: '7891234567895', price: 4990, stock: 3, ...more });

describe('createTestHost with the Mercado Livre plugin and its fake', () => {
  async function mlHost(settings: (ml: FakeMercadoLivre) => Record<string, unknown>) {
    const ml = await FakeMercadoLivre.start();
    closers.push(() => ml.close());
    const host = await createTestHost({ plugin: mercadolivre, dir: join(REPO, 'plugins/mercadolivre'), fake: ml, settings: settings(ml), categories: { '7': 'MLB1055' } });
    closers.push(() => host.close());
    return { ml, host };
  }

  it('publishes, updates only what changed, and withdraws — the calls the core makes, in order', async () => {
    const { ml, host } = await mlHost((ml) => ({ accessToken: ml.issueAccessToken() }));
    expect((await host.sync([mlSku(1), mlSku(2)])).skus.map((s) => s.status)).toEqual(['synced', 'synced']);
    await host.sync(mlSku(1, { price: 3990 }));
    await host.sync(mlSku(2, { active: false }));
    expect(host.calls.map((c) => c.method)).toEqual(['publish', 'publish', 'update', 'deactivate']);
    expect(host.calls[2].args[0]).toMatchObject({ skuId: '1', changed: ['price'] });
    expect(ml.getItemBySellerSku('1')).toMatchObject({ price: 39.9 });
    expect(ml.getItemBySellerSku('2')).toMatchObject({ status: 'paused', available_quantity: 0 });
    expect(host.logs.filter((l) => l.code === 'S1')).toHaveLength(4);
  });

  it('keeps the plugin\'s ctx.state across calls (the OAuth refresh token it rotates)', async () => {
    const { ml, host } = await mlHost((ml) => ({ clientId: ml.clientId, clientSecret: ml.clientSecret, refreshToken: ml.refreshToken }));
    await host.sync([mlSku(1), mlSku(2)]);
    expect((await host.states()).map((s) => s.status)).toEqual(['synced', 'synced']);
    // One refresh served every call: the rotated pair was kept in ctx.state and reused.
    expect(ml.counters.tokenRefreshes).toBe(1);
  });

  it('runs the integration settings through the plugin\'s schema, as the runtime does', async () => {
    const ml = await FakeMercadoLivre.start();
    closers.push(() => ml.close());
    await expect(createTestHost({ plugin: mercadolivre, dir: join(REPO, 'plugins/mercadolivre'), fake: ml, settings: { siteId: 'MLA' } })).rejects.toMatchObject({
      code: 'CONNECTOR_ERR_SETTINGS_INVALID',
    });
  });
});

describe('createTestHost with a feed plugin (lots, product before offer)', () => {
  it('sends products first, then offers once the products are confirmed, polling each feed on the virtual clock', async () => {
    const fm = await FakeFeedMarketplace.start({ maxItems: 40, pollsToFinish: 2 });
    closers.push(() => fm.close());
    const feedmarket = await import(join(FIXTURES, 'plugins/feedmarket/index.js'));
    const clock = new TestClock();
    const host = await createTestHost({
      plugin: feedmarket,
      dir: join(FIXTURES, 'plugins/feedmarket'),
      fake: fm,
      clock,
      settings: { clientId: fm.clientId, clientSecret: fm.clientSecret, refreshToken: fm.refreshToken },
      categories: { '20': 'shoes' },
    });
    closers.push(() => host.close());
    const report = await host.sync(Array.from({ length: 50 }, (_, i) => vtexSnapshot({ skuId: i + 1, categoryId: 20, price: 1990 + i, stock: 4 })));
    expect(report.skus.filter((s) => s.status === 'synced')).toHaveLength(50);
    expect(fm.counters.offersBeforeProduct).toBe(0);
    expect(fm.offers.get('7')).toMatchObject({ price: 19.96, quantity: 4 });
    const lots = await host.lots();
    expect(lots.filter((l) => l.operation === 'product').map((l) => l.item_count).sort()).toEqual([10, 40]);
    expect(lots.filter((l) => l.operation === 'offer').reduce((n, l) => n + l.item_count, 0)).toBe(50);
    expect(lots.every((l) => l.status === 'done' && l.polls >= 2)).toBe(true);
    // Polls wait feedPollSeconds (5 s) and more, on virtual time.
    expect(report.elapsedMs).toBeGreaterThanOrEqual(10_000);
  });
});

describe('the boundary checks of the extension host apply in-process', () => {
  const manifest = (id: string) => JSON.parse(JSON.stringify({ ...testManifest, contributes: { marketplace: { ...testManifest.contributes.marketplace, id } } }));
  const testManifest = {
    name: '@fixtures/test-host-boundary',
    version: '1.0.0',
    main: './index.js',
    engines: { connector: '^1.0.0' },
    contributes: {
      marketplace: {
        id: 'boundary',
        displayName: 'Boundary',
        allowedHosts: ['api.boundary.example'],
        settings: { type: 'object', properties: { apiBaseUrl: { type: 'string' } } },
        capabilities: { mode: 'item', canDeactivate: false, needsProductBeforeOffer: false },
        fieldMappings: [{ vtexField: 'SKU ID', howToFill: 'Set by VTEX', vtexApi: '/api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}', source: 'sku.Id', target: 'sku', transform: [{ op: 'toString' }], mandatory: true, buyBox: false }],
      },
    },
  };

  async function boundaryHost(id: string, handlers: (ctx: PluginContext) => Record<string, unknown>): Promise<TestHost> {
    const host = await createTestHost({
      plugin: definePlugin({ activate: (ctx) => ({ update: async () => ({}), delete: async () => ({}), ...handlers(ctx) }) as never }),
      manifest: manifest(id),
      dir: FIXTURES,
      categories: { '1': 'C1' },
    });
    closers.push(() => host.close());
    return host;
  }

  it('a result that is not plain data is refused (CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID), and the delivery is retried', async () => {
    const host = await boundaryHost('boundary-class', () => ({ publish: async () => ({ marketplaceId: 'X', response: new Map([['a', 1]]) }) }));
    const report = await host.sync(vtexSnapshot({ skuId: 1 }));
    expect(host.calls[0].error).toMatchObject({ code: 'CONNECTOR_ERR_PLUGIN_MESSAGE_INVALID', message: expect.stringContaining('/response is a Map instance') });
    expect(report.skus[0].status).toBe('dead');
  });

  it('a result of the wrong shape is refused with what was expected', async () => {
    const host = await boundaryHost('boundary-shape', () => ({ publish: async () => ({ id: 'X' }) }));
    await host.sync(vtexSnapshot({ skuId: 1 }));
    expect(host.calls[0].error?.message).toContain('must be { marketplaceId: string, response? }');
  });

  it('ctx.http to a host the manifest does not allow is refused before anything is sent, and is final', async () => {
    const host = await boundaryHost('boundary-host', (ctx) => ({ publish: async () => (await ctx.http.request<{ id: string }>({ method: 'POST', url: 'https://evil.example/items' })).body && { marketplaceId: 'never' } }));
    const report = await host.sync(vtexSnapshot({ skuId: 1 }));
    expect(host.calls[0].error?.code).toBe('CONNECTOR_ERR_PLUGIN_HOST_NOT_ALLOWED');
    expect(report.skus[0]).toMatchObject({ status: 'failed', attempts: 1 });
  });

  it('refuses a manifest the runtime would refuse at load, with the rules that found it', async () => {
    await expect(createTestHost({ plugin: { activate: () => ({}) }, dir: join(FIXTURES, 'authoring/mapping-faults') })).rejects.toMatchObject({
      code: 'CONNECTOR_ERR_PLUGIN_INVALID',
      message: expect.stringContaining('/contributes/marketplace/fieldMappings/0/source'),
    });
  });
});

describe('TestClock', () => {
  it('wakes concurrent sleepers in time order, advancing to the latest, not the sum', async () => {
    const clock = new TestClock('2030-01-01T00:00:00Z');
    const woke: Array<[string, number]> = [];
    await Promise.all([
      clock.sleep(3000).then(() => woke.push(['a', clock.now()])),
      clock.sleep(1000).then(() => woke.push(['b', clock.now()])),
      clock.sleep(2000).then(() => woke.push(['c', clock.now()])),
    ]);
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    expect(woke).toEqual([['b', t0 + 1000], ['c', t0 + 2000], ['a', t0 + 3000]]);
  });

  it('an aborted sleep rejects and does not move the clock', async () => {
    const clock = new TestClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(clock.now()).toBe(0);
  });
});
