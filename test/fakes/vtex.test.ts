import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, readJsonObject, sendJson } from './http.js';
import { ean13, FakeVtex, type FakeVtexOptions } from './vtex/index.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(opts: FakeVtexOptions = {}): Promise<FakeVtex> {
  const vtex = await FakeVtex.start(opts);
  open.push(vtex);
  return vtex;
}

function keys(vtex: FakeVtex): Record<string, string> {
  return { 'X-VTEX-API-AppKey': vtex.appKey, 'X-VTEX-API-AppToken': vtex.appToken, accept: 'application/json' };
}

async function get(vtex: FakeVtex, path: string, headers = keys(vtex)): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(vtex.url + path, { headers });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function simulate(vtex: FakeVtex, path: string, body: unknown, headers: Record<string, string> = keys(vtex)) {
  const res = await fetch(vtex.url + path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

const SIMULATION = '/api/checkout/pub/orderForms/simulation';
const FULFILLMENT_SIMULATION = '/api/fulfillment/pvt/orderForms/simulation';

/** The `required` fields of GetSKUandContext in VTEX's Catalog OpenAPI, plus the ones its example and the connector use. */
const SKU_CONTEXT_FIELDS = [
  'Id', 'ProductId', 'NameComplete', 'ComplementName', 'ProductName', 'ProductDescription', 'ProductRefId', 'TaxCode', 'SkuName',
  'IsActive', 'IsTransported', 'IsInventoried', 'IsGiftCardRecharge', 'ImageUrl', 'DetailUrl', 'CSCIdentification', 'BrandId',
  'BrandName', 'IsBrandActive', 'Dimension', 'RealDimension', 'ManufacturerCode', 'IsKit', 'KitItems', 'Services', 'Categories',
  'CategoriesFullPath', 'Attachments', 'Collections', 'SkuSellers', 'SalesChannels', 'Images', 'Videos', 'SkuSpecifications',
  'ProductSpecifications', 'ProductClustersIds', 'PositionsInClusters', 'ProductClusterNames', 'ProductCategoryIds',
  'IsDirectCategoryActive', 'ProductGlobalCategoryId', 'ProductCategories', 'CommercialConditionId', 'RewardValue', 'AlternateIds',
  'AlternateIdValues', 'EstimatedDateArrival', 'MeasurementUnit', 'UnitMultiplier', 'InformationSource', 'ModalType', 'KeyWords',
  'ReleaseDate', 'ProductIsVisible', 'ShowIfNotAvailable', 'IsProductActive', 'ProductFinalScore',
];
const PRODUCT_FIELDS = [
  'Id', 'Name', 'DepartmentId', 'CategoryId', 'BrandId', 'LinkId', 'RefId', 'IsVisible', 'Description', 'DescriptionShort', 'ReleaseDate',
  'KeyWords', 'Title', 'IsActive', 'TaxCode', 'MetaTagDescription', 'SupplierId', 'ShowWithoutStock', 'AdWordsRemarketingCode',
  'LomadeeCampaignCode', 'Score',
];

describe('FakeVtex auth', () => {
  it('rejects missing or wrong app keys with 401 JSON, on every private route', async () => {
    const vtex = await start();
    vtex.seed(1);
    const paths = [
      '/api/catalog_system/pvt/sku/stockkeepingunitbyid/1',
      '/api/catalog/pvt/product/1000000',
      '/api/catalog_system/pvt/sku/stockkeepingunitidsbysaleschannel?sc=1',
      '/api/catalog_system/pvt/sku/stockkeepingunitids?page=1&pagesize=10',
    ];
    for (const path of paths) {
      const none = await get(vtex, path, {});
      expect(none.status).toBe(401);
      expect(none.body.error.message).toMatch(/AppKey/);
      const wrong = await get(vtex, path, { ...keys(vtex), 'X-VTEX-API-AppToken': 'nope' });
      expect(wrong.status).toBe(401);
    }
    const sim = await simulate(vtex, FULFILLMENT_SIMULATION, { items: [{ id: '1', quantity: 1, seller: '1' }] }, {});
    expect(sim.status).toBe(401);
    expect(vtex.counters.rejectedAuth).toBe(9);
    expect(vtex.counters.skuReads).toBe(0);
    expect((await get(vtex, paths[0]!)).status).toBe(200);
  });

  it('serves the public checkout simulation without keys', async () => {
    const vtex = await start();
    vtex.seed(1);
    const sim = await simulate(vtex, `${SIMULATION}?sc=1`, { items: [{ id: '1', quantity: 1, seller: '1' }] }, {});
    expect(sim.status).toBe(200);
    expect(sim.body.items).toHaveLength(1);
  });
});

describe('FakeVtex catalog', () => {
  it('answers SKU and context with the OpenAPI field names and no top-level Name/EAN/RefId', async () => {
    const vtex = await start({ account: 'lojateste' });
    const [sku] = vtex.seed(1, { startId: 42 });
    const { status, body } = await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitbyid/42?sc=1');
    expect(status).toBe(200);
    for (const field of SKU_CONTEXT_FIELDS) expect(body, field).toHaveProperty(field);
    expect(body).not.toHaveProperty('Name');
    expect(body).not.toHaveProperty('Ean');
    expect(body).not.toHaveProperty('RefId');
    expect(body).toMatchObject({
      Id: 42,
      ProductId: sku!.productId,
      NameComplete: `${sku!.productName} ${sku!.skuName}`,
      BrandId: String(sku!.brandId),
      SalesChannels: [1],
      ProductCategoryIds: `/${sku!.categoryId}/`,
      ProductCategories: { [sku!.categoryId]: sku!.categoryName },
      AlternateIds: { Ean: sku!.ean, RefId: sku!.refId },
      IsActive: true,
      IsProductActive: true,
    });
    expect(Object.keys(body.Dimension).sort()).toEqual(['cubicweight', 'height', 'length', 'weight', 'width']);
    expect(Object.keys(body.RealDimension).sort()).toEqual(['realCubicWeight', 'realHeight', 'realLength', 'realWeight', 'realWidth']);
    expect(body.Images[0]).toEqual({ ImageUrl: sku!.images[0], ImageName: '', FileId: expect.any(Number) });
    expect(body.Images[0].ImageUrl).toMatch(/^https:\/\/lojateste\.vteximg\.com\.br\/arquivos\/ids\/\d+\//);
    expect(body.SkuSpecifications).toContainEqual(
      expect.objectContaining({ FieldName: 'Cor', FieldValues: [sku!.specifications!.Cor], FieldValueIds: [expect.any(Number)] }),
    );
    expect(vtex.counters.skuReads).toBe(1);
    expect(vtex.counters.perSkuReads.get(42)).toBe(1);
  });

  it('returns a SKU outside the requested sales channel (the connector checks SalesChannels) and 404s unknown ones', async () => {
    const vtex = await start();
    vtex.seed(1, { startId: 7, salesChannel: 3 });
    const other = await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitbyid/7?sc=1');
    expect(other.status).toBe(200);
    expect(other.body.SalesChannels).toEqual([3]);
    expect((await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitbyid/8')).status).toBe(404);
    vtex.removeSku(7);
    expect((await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitbyid/7')).status).toBe(404);
    expect(vtex.counters.perSkuReads.get(7)).toBe(2);
  });

  it('leaves AlternateIds.Ean out when the SKU has no EAN', async () => {
    const vtex = await start();
    vtex.seed(1, { startId: 5, make: () => ({ ean: undefined }) });
    const { body } = await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitbyid/5');
    expect(body.AlternateIds).toEqual({ RefId: 'REF-5' });
  });

  it('answers Get product with the OpenAPI fields, 404 when unknown', async () => {
    const vtex = await start();
    const [sku] = vtex.seed(3, { startId: 30 });
    const { status, body } = await get(vtex, `/api/catalog/pvt/product/${sku!.productId}`);
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual([...PRODUCT_FIELDS].sort());
    expect(body).toMatchObject({ Id: sku!.productId, Name: sku!.productName, CategoryId: sku!.categoryId, BrandId: sku!.brandId, IsActive: true });
    expect((await get(vtex, '/api/catalog/pvt/product/999')).status).toBe(404);
    expect(vtex.counters.productReads).toBe(2);
  });
});

describe('FakeVtex simulation', () => {
  it('prices in cents, caps quantity at stock, reports stockBalance, and needs no postalCode', async () => {
    const vtex = await start();
    vtex.seed(3, { startId: 1, make: (i) => [{ price: 4990, listPrice: 5990, sellingPrice: 4490, stock: 3 }, { stock: 0 }, {}][i]! });
    const { status, body } = await simulate(vtex, `${FULFILLMENT_SIMULATION}?sc=1&affiliateId=CNT`, {
      items: [
        { id: '1', quantity: 5, seller: '1' },
        { id: '2', quantity: 1, seller: '1' },
      ],
    });
    expect(status).toBe(200);
    expect(body.items[0]).toMatchObject({
      id: '1',
      requestIndex: 0,
      quantity: 3,
      seller: '1',
      price: 4990,
      listPrice: 5990,
      sellingPrice: 4490,
      availability: 'available',
      measurementUnit: 'un',
      unitMultiplier: 1,
      priceTags: [],
    });
    expect(Date.parse(body.items[0].priceValidUntil)).toBeGreaterThan(Date.now());
    expect(body.items[1]).toMatchObject({ id: '2', requestIndex: 1, quantity: 0, availability: 'withoutStock' });
    expect(body.logisticsInfo).toEqual([
      expect.objectContaining({ itemIndex: 0, quantity: 3, stockBalance: 3, slas: [] }),
      expect.objectContaining({ itemIndex: 1, quantity: 0, stockBalance: 0, slas: [] }),
    ]);
    expect(body.messages).toEqual([]);
    expect(vtex.counters).toMatchObject({ simulations: 1, simulatedItems: 2 });
  });

  it('leaves out unknown, inactive, out-of-policy and inSimulation:false items, with a message each', async () => {
    const vtex = await start();
    vtex.seed(5, { startId: 1, make: (i) => [{}, { inSimulation: false }, { isActive: false }, { salesChannels: [2] }, { isProductActive: false }][i]! });
    const items = ['1', '2', '3', '4', '5', '99'].map((id) => ({ id, quantity: 1, seller: '1' }));
    const { body } = await simulate(vtex, `${SIMULATION}?sc=1`, { items });
    expect(body.items.map((i: any) => i.id)).toEqual(['1']);
    expect(body.logisticsInfo).toHaveLength(1);
    expect(body.messages).toHaveLength(5);
    expect(body.messages[0]).toMatchObject({ status: 'error', text: expect.stringContaining('2') });
  });

  it('itemIndex follows the answer, requestIndex the request', async () => {
    const vtex = await start();
    vtex.seed(2, { startId: 1, make: (i) => (i === 0 ? { inSimulation: false } : {}) });
    const { body } = await simulate(vtex, SIMULATION, { items: [{ id: '1', quantity: 1, seller: '1' }, { id: '2', quantity: 1, seller: '1' }] });
    expect(body.items[0]).toMatchObject({ id: '2', requestIndex: 1 });
    expect(body.logisticsInfo[0]).toMatchObject({ itemIndex: 0 });
  });

  it('rejects malformed bodies with 400, naming every problem', async () => {
    const vtex = await start();
    for (const bad of [{}, { items: [] }, { items: 'x' }]) expect((await simulate(vtex, SIMULATION, bad)).status).toBe(400);
    const { status, body } = await simulate(vtex, SIMULATION, { items: [{ id: 1, quantity: 0, seller: '1' }, { id: '2', quantity: 1.5 }] });
    expect(status).toBe(400);
    expect(body.error.message).toContain('items[0].id');
    expect(body.error.message).toContain('items[0].quantity');
    expect(body.error.message).toContain('items[1].quantity');
    expect(body.error.message).toContain('items[1].seller');
    const res = await fetch(vtex.url + SIMULATION, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"items": [' });
    expect(res.status).toBe(400);
    expect(vtex.counters.simulations).toBe(0);
  });
});

describe('FakeVtex SKU lists', () => {
  it('pages the SKUs of a sales channel (1-based) until []', async () => {
    const vtex = await start();
    vtex.seed(25, { startId: 1, salesChannel: 1 });
    vtex.seed(5, { startId: 100, salesChannel: 2 });
    const page = (n: number, sc = 1) => get(vtex, `/api/catalog_system/pvt/sku/stockkeepingunitidsbysaleschannel?sc=${sc}&page=${n}&pageSize=10&onlyAssigned=true`);
    expect((await page(1)).body).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await page(3)).body).toEqual([21, 22, 23, 24, 25]);
    expect((await page(4)).body).toEqual([]);
    expect((await page(1, 2)).body).toEqual([100, 101, 102, 103, 104]);
    expect((await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitidsbysaleschannel?page=1')).status).toBe(400);
    expect(vtex.counters.listCalls).toBe(4);
  });

  it('pages all SKU ids with pagesize <= 1000', async () => {
    const vtex = await start();
    vtex.seed(12, { startId: 1 });
    expect((await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitids?page=2&pagesize=5')).body).toEqual([6, 7, 8, 9, 10]);
    expect((await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitids?page=1&pagesize=1000')).body).toHaveLength(12);
    const tooBig = await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitids?page=1&pagesize=1001');
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error.message).toMatch(/1000/);
  });
});

describe('FakeVtex rate limits and faults', () => {
  it('rateLimitNext forces 429 with Retry-After and X-VTEX-Ratelimit-Reset, then recovers', async () => {
    const vtex = await start();
    vtex.seed(1, { startId: 1 });
    vtex.faults.rateLimitNext(2, 7);
    for (let i = 0; i < 2; i++) {
      const res = await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitbyid/1');
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.headers.get('x-vtex-ratelimit-reset')).toBe('7');
    }
    expect((await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitbyid/1')).status).toBe(200);
    expect(vtex.counters.rateLimited).toBe(2);
  });

  it('a token bucket answers 429 past perSecond', async () => {
    const vtex = await start({ rateLimit: { perSecond: 2 } });
    vtex.seed(1, { startId: 1 });
    const answers = await Promise.all(Array.from({ length: 8 }, () => get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitbyid/1')));
    const limited = answers.filter((a) => a.status === 429);
    expect(answers.filter((a) => a.status === 200).length).toBeGreaterThanOrEqual(2);
    expect(limited.length).toBeGreaterThanOrEqual(4); // 2 in the bucket, +1 per 500 ms of test time
    for (const a of limited) expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(vtex.counters.rateLimited).toBe(limited.length);
  });

  it('failNext answers 503 by default (or the given status), in order', async () => {
    const vtex = await start();
    vtex.seed(1, { startId: 1 });
    vtex.faults.failNext(1);
    vtex.faults.failNext(1, 500);
    const path = '/api/catalog_system/pvt/sku/stockkeepingunitbyid/1';
    expect((await get(vtex, path)).status).toBe(503);
    expect((await get(vtex, path)).status).toBe(500);
    expect((await get(vtex, path)).status).toBe(200);
  });

  it('delayMs delays every answer', async () => {
    const vtex = await start();
    vtex.seed(1, { startId: 1 });
    vtex.faults.delayMs = 60;
    const t0 = performance.now();
    expect((await get(vtex, '/api/catalog_system/pvt/sku/stockkeepingunitbyid/1')).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('timeoutNext holds a request unanswered until close() drops it', async () => {
    const vtex = await start();
    const held = vtex.faults.timeoutNext(1);
    const outcome = fetch(`${vtex.url}/api/catalog/pvt/product/1`, { headers: keys(vtex) }).then(() => 'answered', () => 'dropped');
    await held;
    await vtex.close();
    expect(await outcome).toBe('dropped');
  });
});

describe('FakeVtex notifications', () => {
  it('POSTs VTEX’s PascalCase payload to the target and returns the status', async () => {
    const vtex = await start({ account: 'minhaloja' });
    const [sku] = vtex.seed(1, { startId: 15 });
    const received: { url: string; body: Record<string, unknown>; headers: IncomingMessage['headers'] }[] = [];
    const receiver = await listen(
      async (req, res, url) => {
        received.push({ url: url.pathname + url.search, body: await readJsonObject(req), headers: req.headers });
        sendJson(res, 202, { ok: true });
      },
      { errorBody: (_status, message) => ({ message }) },
    );
    open.push(receiver);

    const status = await vtex.notify(`${receiver.url}/api/notification/?token=s3cret`, 15, { StockModified: true }, { idAffiliate: 'MLV', headers: { 'x-test': '1' } });
    expect(status).toBe(202);
    expect(received).toHaveLength(1);
    expect(received[0]!.url).toBe('/api/notification/?token=s3cret');
    expect(received[0]!.headers['x-test']).toBe('1');
    expect(received[0]!.body).toEqual({
      IdSku: '15',
      ProductId: sku!.productId,
      An: 'minhaloja',
      IdAffiliate: 'MLV',
      Version: expect.stringMatching(/^[0-9a-f]{32}$/),
      DateModified: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/),
      IsActive: true,
      StockModified: true,
      PriceModified: false,
      HasStockKeepingUnitModified: false,
      HasStockKeepingUnitRemovedFromAffiliate: false,
    });
  });

  it('reports an unknown (removed) SKU as inactive, without ProductId', async () => {
    const payload = (await start()).notificationPayload(404, { HasStockKeepingUnitRemovedFromAffiliate: true });
    expect(payload).toMatchObject({ IdSku: '404', IsActive: false, HasStockKeepingUnitRemovedFromAffiliate: true });
    expect(payload).not.toHaveProperty('ProductId');
  });
});

describe('FakeVtex.seed', () => {
  it('is deterministic, with names <= 60 chars, valid EAN-13s, cent prices, stock and images', async () => {
    const a = (await start({ account: 'x' })).seed(300);
    const b = (await start({ account: 'x' })).seed(300);
    expect(a).toEqual(b);
    expect(new Set(a.map((s) => s.productId)).size).toBe(101); // ids 1..300, three SKUs a product
    for (const sku of a) {
      expect(`${sku.productName} ${sku.skuName}`.length).toBeLessThanOrEqual(60);
      expect(sku.ean).toMatch(/^789\d{10}$/);
      expect(ean13(sku.ean!.slice(0, 12))).toBe(sku.ean);
      expect(Number.isInteger(sku.price) && sku.price > 0).toBe(true);
      expect(sku.listPrice).toBeGreaterThanOrEqual(sku.price);
      expect(sku.stock).toBeGreaterThan(0);
      expect(sku.images.length).toBeGreaterThan(0);
    }
    expect(ean13('789100000001')).toBe('7891000000014'); // 7·1+8·3+9·1+1·3+0+…+1·3 = 46 → 4
  });

  it('continues after the highest id, applies make() and keeps stored SKUs isolated from callers', async () => {
    const vtex = await start();
    vtex.seed(2);
    const [third] = vtex.seed(1, { make: () => ({ stock: 0, categoryId: 77 }) });
    expect(third).toMatchObject({ id: 3, stock: 0, categoryId: 77 });
    third!.stock = 50;
    expect(vtex.getSku(3)!.stock).toBe(0);
    expect(vtex.updateSku(3, { stock: 9 }).stock).toBe(9);
    expect(vtex.listSkus().map((s) => s.id)).toEqual([1, 2, 3]);
    expect(() => vtex.updateSku(404, {})).toThrow();
  });
});
