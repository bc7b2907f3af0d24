/**
 * The plugin through the core's real pipeline (mapping, rules, delivery, 429s, retries, credentials),
 * in this process, against the fake of Vendora Market — no database, no Connector runtime. The test
 * host's clock is virtual: a Retry-After or a retry's backoff takes no real time.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestHost, TestClock, vtexSnapshot, type SkuSnapshot, type SnapshotInput, type TestHost } from '@connector/core/testing';
import plugin from '../src/index.js';
import { FakeVendora } from './fake-vendora.js';

const dir = join(import.meta.dirname, '..');
const fixture = <T>(name: string) => JSON.parse(readFileSync(join(dir, 'test/fixtures', name), 'utf8')) as T;
/** VTEX category 10 is mapped to Vendora Market's VENDORA-100; 20 to a category Vendora Market does not have. */
const CATEGORIES = { '10': 'VENDORA-100', '20': 'VENDORA-999' };

/** A VTEX SKU as the core reads it (see vtexSnapshot for every field it can set). */
const sku = (id: number, more: Partial<SnapshotInput> = {}) =>
  vtexSnapshot({ skuId: id, categoryId: 10, productName: 'Running shoe', name: `size ${id}`, brand: 'Acme', ean: '7891234567895', price: 19_990, stock: 5, ...more });

let clock: TestClock;
let fake: FakeVendora;
let host: TestHost;

async function start(settings: Record<string, unknown> = {}) {
  host = await createTestHost({ plugin, dir, fake, clock, categories: CATEGORIES, settings: { apiKey: fake.apiKey, sellerId: fake.sellerId, ...settings } });
}

beforeEach(async () => {
  clock = new TestClock();
  fake = await FakeVendora.start({ now: () => clock.now() });
  await start();
});

afterEach(async () => {
  await host.close();
  await fake.close();
});

describe('the field mapping', () => {
  it('turns a VTEX snapshot into exactly the Vendora Market payload (golden fixture)', async () => {
    const [mapped] = await host.map(fixture<SkuSnapshot>('sku-1001.snapshot.json'));
    expect(mapped.fixes).toEqual([]);
    expect(mapped.status).toBe('pending');
    expect(mapped.payload).toEqual(fixture('sku-1001.payload.json'));
  });

  it('lists every fix at once, before anything is sent', async () => {
    const [mapped] = await host.map(sku(1, { images: [], ean: '7891234567890', name: 'x'.repeat(130) }));
    expect(mapped.payload).toBeNull();
    expect(mapped.fixes.map((f) => `${f.field}:${f.rule}`).sort()).toEqual(['gtin:ean', 'images:mandatory']);
    expect(fake.counters.requests).toBe(0);
  });

  it('uses the default brand when VTEX has none, and says so in the operation log (A3)', async () => {
    const [mapped] = await host.map(sku(1, { brand: ' ' }));
    expect(mapped.payload?.brand).toBe('Generic');
    expect(mapped.logs.map((l) => l.code)).toContain('A3');
  });
});

describe('delivery to Vendora Market', () => {
  it('publishes new SKUs, then updates price and stock without creating again', async () => {
    const first = await host.sync([sku(1), sku(2)]);
    expect(first.skus.map((s) => s.status)).toEqual(['synced', 'synced']);
    expect(fake.counters.creates).toBe(2);
    const item = fake.itemBySku('1')!;
    expect(item).toMatchObject({ title: 'Running shoe size 1', category: 'VENDORA-100', price: { amount: 199.9, currency: 'BRL' }, stock: 5, status: 'active' });
    expect(first.skus[0].marketplaceId).toBe(item.id);

    await host.sync(sku(1, { price: 17_990, sellingPrice: 17_990, stock: 3 }));
    expect(fake.counters.creates).toBe(2);
    expect(fake.itemBySku('1')).toMatchObject({ price: { amount: 179.9 }, stock: 3 });
    // Only what changed (price and stock are always sent).
    expect(fake.requests.at(-1)).toEqual({ method: 'PATCH', path: `/v1/items/${item.id}`, body: { price: { amount: 179.9, currency: 'BRL' }, stock: 3 } });
  });

  it('sends nothing when VTEX notifies a SKU that did not change', async () => {
    await host.sync(sku(1));
    const requests = fake.counters.requests;
    await host.sync(sku(1));
    expect(fake.counters.requests).toBe(requests);
  });

  it('deactivates a SKU VTEX no longer sells, and puts it back on sale later', async () => {
    await host.sync(sku(1));
    const withdrawn = await host.sync(sku(1, { active: false }));
    expect(withdrawn.skus[0]).toMatchObject({ status: 'blocked', deliveredOperation: 'deactivate' });
    expect(fake.itemBySku('1')).toMatchObject({ status: 'inactive', stock: 0 });

    const back = await host.sync(sku(1, { stock: 8 }));
    expect(back.skus[0].status).toBe('synced');
    expect(fake.itemBySku('1')).toMatchObject({ status: 'active', stock: 8 });
  });

  it('waits out a 429 for its Retry-After, on the virtual clock, without counting a failure', async () => {
    fake.rateLimitNext(3, 2);
    const started = clock.now();
    const report = await host.sync(sku(1));
    expect(report.skus[0]).toMatchObject({ status: 'synced', attempts: 1 });
    expect(fake.counters.rateLimited).toBe(3);
    expect(clock.now() - started).toBeGreaterThanOrEqual(6_000);
  });

  it('keeps to the declared rate: 80 SKUs arrive without a single 429', async () => {
    const report = await host.sync(Array.from({ length: 80 }, (_, i) => sku(i + 1)));
    expect(report.skus.filter((s) => s.status === 'synced')).toHaveLength(80);
    expect(fake.counters.rateLimited).toBe(0);
    // 10 per second after the burst: the core paced the calls, on virtual time.
    expect(report.elapsedMs).toBeGreaterThanOrEqual(5_000);
  });

  it('retries a Vendora Market outage with backoff, then parks the SKU in the dead letters', async () => {
    fake.failNext(11, 503);
    const report = await host.sync(sku(1));
    expect(report.skus[0]).toMatchObject({ status: 'dead', attempts: 11 });
    expect(report.deadLetters).toBe(1);
    expect(fake.counters.creates).toBe(0);
  });

  it('recovers from a short outage on a retry', async () => {
    fake.failNext(2, 502);
    const report = await host.sync(sku(1));
    expect(report.skus[0]).toMatchObject({ status: 'synced', attempts: 3 });
  });

  it("shows the seller Vendora Market's refusal as the fix (final, not retried)", async () => {
    const report = await host.sync(sku(1, { categoryId: 20 }));
    expect(report.skus[0].status).toBe('failed');
    expect(report.skus[0].fixes[0].message).toContain('VENDORA-999');
    expect(fake.counters.rejected).toBe(1);
  });

  it('waits for a category mapping (pending-category) instead of sending', async () => {
    const report = await host.sync(sku(1, { categoryId: 77 }));
    expect(report.skus[0].status).toBe('pending-category');
    expect(fake.counters.requests).toBe(0);
  });

  it('pauses the integration when Vendora Market refuses the API key, and resumes with a new one', async () => {
    await host.close();
    await start({ apiKey: 'revoked-key' });
    const paused = await host.sync(sku(1));
    expect(paused.paused).toContain('invalid API key');
    expect(paused.skus[0].status).toBe('pending');
    expect(fake.counters.creates).toBe(0);

    await host.updateSettings({ apiKey: fake.apiKey, sellerId: fake.sellerId });
    const resumed = await host.run();
    expect(resumed.paused).toBeUndefined();
    expect(await host.state(1)).toMatchObject({ status: 'synced' });
    expect(fake.counters.creates).toBe(1);
  });
});
