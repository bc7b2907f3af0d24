/**
 * The plugin through the core's real pipeline (mapping, rules, lots, feed polling, 429s, retries),
 * in this process, against the fake of Vendora Market — no database, no Connector runtime. The test
 * host's clock is virtual: feed processing, polls and Retry-After take no real time.
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
/** Vendora Market processes a feed in 30 seconds (of the fake's clock, i.e. virtual time). */
const PROCESSING_MS = 30_000;

const sku = (id: number, more: Partial<SnapshotInput> = {}) =>
  vtexSnapshot({ skuId: id, categoryId: 10, productName: 'Running shoe', name: `size ${id}`, brand: 'Acme', ean: '7891234567895', price: 19_990, stock: 5, ...more });

let clock: TestClock;
let fake: FakeVendora;
let host: TestHost;

beforeEach(async () => {
  clock = new TestClock();
  fake = await FakeVendora.start({ now: () => clock.now(), feedProcessingMs: PROCESSING_MS });
  host = await createTestHost({ plugin, dir, fake, clock, categories: CATEGORIES, settings: { apiKey: fake.apiKey, sellerId: fake.sellerId } });
});

afterEach(async () => {
  await host.close();
  await fake.close();
});

describe('the field mapping', () => {
  it('turns a VTEX snapshot into exactly the Vendora Market payload (golden fixture)', async () => {
    const [mapped] = await host.map(fixture<SkuSnapshot>('sku-1001.snapshot.json'));
    expect(mapped.fixes).toEqual([]);
    expect(mapped.payload).toEqual(fixture('sku-1001.payload.json'));
  });

  it('lists every fix at once, before anything is sent', async () => {
    const [mapped] = await host.map(sku(1, { images: [], ean: '7891234567890' }));
    expect(mapped.payload).toBeNull();
    expect(mapped.fixes.map((f) => `${f.field}:${f.rule}`).sort()).toEqual(['gtin:ean', 'images:mandatory']);
  });
});

describe('delivery to Vendora Market in feeds', () => {
  it('sends SKUs in lots of at most 100, polls each feed until it is processed, and records every item', async () => {
    const report = await host.sync(Array.from({ length: 150 }, (_, i) => sku(i + 1)));
    expect(report.skus.filter((s) => s.status === 'synced')).toHaveLength(150);
    const lots = await host.lots();
    expect(lots.map((l) => [l.status, l.item_count]).sort()).toEqual([['done', 100], ['done', 50]]);
    expect(fake.counters.feeds).toBe(2);
    expect(report.elapsedMs).toBeGreaterThanOrEqual(PROCESSING_MS);
    expect(report.skus[0].marketplaceId).toBe(fake.itemBySku('1')!.id);
    expect(fake.itemBySku('150')).toMatchObject({ category: 'VENDORA-100', price: { amount: 199.9, currency: 'BRL' }, stock: 5 });
  });

  it("shows the seller Vendora Market's refusal of one item; the rest of its lot goes through", async () => {
    const report = await host.sync([sku(1), sku(2, { categoryId: 20 }), sku(3)]);
    expect(report.skus.map((s) => s.status)).toEqual(['synced', 'failed', 'synced']);
    expect(report.skus[1].fixes[0].message).toContain('VENDORA-999');
  });

  it('sends a new price and stock in a later lot, updating the same item', async () => {
    await host.sync(sku(1));
    const id = fake.itemBySku('1')!.id;
    await host.sync(sku(1, { price: 17_990, sellingPrice: 17_990, stock: 2 }));
    expect(fake.items.size).toBe(1);
    expect(fake.items.get(id)).toMatchObject({ price: { amount: 179.9 }, stock: 2 });
  });

  it('deactivates a SKU VTEX no longer sells', async () => {
    await host.sync(sku(1));
    const report = await host.sync(sku(1, { active: false }));
    expect(report.skus[0].deliveredOperation).toBe('deactivate');
    expect(fake.itemBySku('1')).toMatchObject({ status: 'inactive', stock: 0 });
  });

  it('waits out a 429 on submission for its Retry-After, without counting a failure', async () => {
    fake.rateLimitNext(2, 5);
    const report = await host.sync(sku(1));
    expect(report.skus[0].status).toBe('synced');
    expect(fake.counters.rateLimited).toBe(2);
    expect(report.deadLetters).toBe(0);
  });
});
