import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VtexClient, type Clock } from '@connector/core';
import { FakeVtex } from '../../test/fakes/index.js';

describe('VtexClient against the fake VTEX', () => {
  let vtex: FakeVtex;
  const waits: number[] = [];
  // Records the waits it is asked for and returns at once: the test checks the client honours
  // Retry-After without spending the time.
  const clock: Clock = { now: () => Date.now(), sleep: async (ms) => void waits.push(ms) };
  const client = () => new VtexClient({ account: vtex.account, baseUrl: vtex.url, appKey: vtex.appKey, appToken: vtex.appToken, salesChannel: 1, affiliateId: 'TST', clock });

  beforeAll(async () => {
    vtex = await FakeVtex.start({ account: 'clientstore' });
    vtex.seed(30, { categoryId: 3, salesChannel: 1 });
  });
  afterAll(async () => vtex?.close());

  it('reads SKU and context, product and the simulation (prices in cents, stock from stockBalance)', async () => {
    const sku = vtex.listSkus()[0];
    const c = client();
    const got = await c.getSkuAndContext(String(sku.id));
    expect(got).toMatchObject({ Id: sku.id, ProductId: sku.productId, AlternateIds: { Ean: sku.ean } });
    expect(await c.getProduct(sku.productId)).toMatchObject({ Id: sku.productId, IsActive: true });
    const offers = await c.simulate(vtex.listSkus().slice(0, 5).map((s) => String(s.id)));
    expect(offers.size).toBe(5);
    expect(offers.get(String(sku.id))).toMatchObject({ price: sku.price, stock: sku.stock });
  });

  it('returns null for an unknown SKU and leaves SKUs without an offer out of the simulation', async () => {
    const c = client();
    expect(await c.getSkuAndContext('999999')).toBeNull();
    const noOffer = vtex.listSkus()[1];
    vtex.updateSku(noOffer.id, { inSimulation: false });
    const offers = await c.simulate([String(noOffer.id), String(vtex.listSkus()[2].id)]);
    expect([...offers.keys()]).toEqual([String(vtex.listSkus()[2].id)]);
  });

  it("reads each item's stock from its own logistics entry when VTEX leaves an item out of the answer", async () => {
    const [a, dropped, b, c] = vtex.listSkus().slice(10, 14);
    vtex.updateSku(a.id, { stock: 11 });
    vtex.updateSku(dropped.id, { isActive: false, stock: 22 });
    vtex.updateSku(b.id, { stock: 33 });
    vtex.updateSku(c.id, { stock: 44 });
    // logisticsInfo[].itemIndex points into the answer's items (3 of them), not into the request (4).
    const offers = await client().simulate([a, dropped, b, c].map((s) => String(s.id)));
    expect([...offers].map(([id, o]) => [id, o.stock])).toEqual([
      [String(a.id), 11],
      [String(b.id), 33],
      [String(c.id), 44],
    ]);
  });

  it('lists the SKU ids of the trade policy page by page until []', async () => {
    const c = client();
    const ids: number[] = [];
    for (let page = 1; ; page++) {
      const chunk = await c.listSkuIds(page, 7);
      if (!chunk.length) break;
      ids.push(...chunk);
    }
    expect(ids.sort((a, b) => a - b)).toEqual(vtex.listSkus().map((s) => s.id).sort((a, b) => a - b));
  });

  it('waits out 429s for the time VTEX asks, then succeeds', async () => {
    waits.length = 0;
    vtex.faults.rateLimitNext(2, 3);
    const sku = vtex.listSkus()[4];
    expect(await client().getSkuAndContext(String(sku.id))).toMatchObject({ Id: sku.id });
    expect(waits).toEqual([3000, 3000]);
  });

  it('reports refused credentials with the store name and the fix', async () => {
    const bad = new VtexClient({ account: 'clientstore', baseUrl: vtex.url, appKey: 'nope', appToken: 'nope', salesChannel: 1, affiliateId: 'TST', clock });
    await expect(bad.getSkuAndContext('1')).rejects.toMatchObject({ code: 'CONNECTOR_ERR_VTEX_AUTH', message: expect.stringContaining('appKey') });
  });
});
