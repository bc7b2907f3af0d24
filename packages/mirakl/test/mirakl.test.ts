// @connector/mirakl against the fake Mirakl (test/fakes/mirakl, a real HTTP server) on a frozen clock: the test moves
// marketplace time, so imports complete when the test says. The context stands in for the core's: ctx.http is fetch
// with the core's answer → typed error rules (401/403 auth, 429 rate limited, 5xx unavailable, other 4xx rejected).
import { ConnectorError, MarketplaceErrors, type LotItem, type MarketplaceHandlers, type PluginContext } from '@connector/core/plugin';
import { FakeMirakl } from '@connector/fakes';
import { afterEach, describe, expect, it } from 'vitest';
import { field, imageColumns, MiraklClient, miraklHandlers, multipartBody, parseMiraklCsv, toMiraklCsv, type ProductColumn } from '../src/index.js';

const COLUMNS: ProductColumn[] = ['sku', 'name', 'description', 'ean', 'brand', 'category', 'height', 'width', 'depth', 'weight'].map((c) => ({ column: c, value: field(c) }));
COLUMNS.push(...imageColumns('images', 5));

function context(fake: FakeMirakl, settings: Record<string, unknown> = {}, apiKey: string | null = fake.apiKey): PluginContext & { calls: string[] } {
  const calls: string[] = [];
  const mp = fake.name;
  return {
    calls,
    marketplace: mp,
    store: 'teststore',
    settings: { apiBaseUrl: fake.url, ...settings },
    secrets: { names: ['apiKey'], get: async (n: string) => (n === 'apiKey' ? (apiKey ?? undefined) : undefined) },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    state: { get: async () => undefined, set: async () => undefined, delete: async () => false, keys: async () => [] },
    subscriptions: [],
    http: {
      async request<T>(req: { method: string; url: string; headers?: Record<string, string>; body?: unknown }) {
        const url = new URL(req.url, `${fake.url}/`);
        calls.push(`${req.method} ${url.pathname}${url.search}`);
        const isString = typeof req.body === 'string';
        const res = await fetch(url, {
          method: req.method,
          headers: { accept: 'application/json', ...(req.body !== undefined && !isString && { 'content-type': 'application/json' }), ...req.headers },
          ...(req.body !== undefined && { body: isString ? (req.body as string) : JSON.stringify(req.body) }),
        });
        const text = await res.text();
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // CSV
        }
        const message = (body as { message?: string })?.message ?? String(text);
        if (res.status === 429) throw MarketplaceErrors.rateLimited(mp, Number(res.headers.get('retry-after') ?? 1) * 1000);
        if (res.status === 401 || res.status === 403) throw MarketplaceErrors.auth(mp, message);
        if (res.status >= 500) throw MarketplaceErrors.unavailable(mp, message);
        if (res.status >= 400) throw MarketplaceErrors.rejected(mp, message, { status: res.status, body });
        return { status: res.status, headers: res.headers, body: body as T };
      },
    },
  } as PluginContext & { calls: string[] };
}

const open: FakeMirakl[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});
async function start(name = 'carrefour') {
  const fake = await FakeMirakl.start({ name, timeScale: 0 });
  open.push(fake);
  return fake;
}

/** A valid EAN-13 from a 12-digit body. */
function ean13(body: string): string {
  const sum = [...body].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return body + ((10 - (sum % 10)) % 10);
}
function product(sku: string, over: Record<string, unknown> = {}): LotItem {
  return {
    skuId: sku,
    payload: {
      sku,
      name: `Tênis "Aurora"; modelo ${sku}`,
      description: 'Leve;\nrespirável',
      ean: ean13(`789000000${sku.padStart(3, '0')}`),
      brand: 'Aurora',
      category: 'calcados',
      height: 12.5,
      width: 30,
      depth: 20,
      weight: 0.8,
      images: [`https://img.example/${sku}-1.jpg`, `https://img.example/${sku}-2.jpg`],
      price: 199.9,
      quantity: 7,
      state: '11',
      ...over,
    },
  };
}
const offerOf = (item: LotItem): LotItem => ({ ...item, marketplaceId: item.skuId });

async function settle(h: MarketplaceHandlers, fake: FakeMirakl, ref: string, skuIds: string[], stepMs: number) {
  const check = h.checkFeed!;
  const operation = ref.startsWith('P41:') ? 'product' : 'offer';
  expect(await check(ref, { id: '1', operation, skuIds })).toMatchObject({ done: false });
  fake.clock.advance(stepMs);
  const status = await check(ref, { id: '1', operation, skuIds });
  if (!status.done) throw new Error(`not done: ${JSON.stringify(status)}`);
  return status.results;
}

describe('Mirakl CSV', () => {
  it('writes and reads the dialect: ";" separated, quoted, "." decimals, empty for undefined', () => {
    const text = toMiraklCsv(['sku', 'name', 'price', 'x'], [['1', 'a "quoted"; name\nwith a line break', 19.9, undefined], ['2', 'b', 1e-7, null]]);
    expect(text.split('\n')[0]).toBe('"sku";"name";"price";"x"');
    const { columns, rows } = parseMiraklCsv(text);
    expect(columns).toEqual(['sku', 'name', 'price', 'x']);
    expect(rows.map((r) => r.values)).toEqual([
      { sku: '1', name: 'a "quoted"; name\nwith a line break', price: '19.9', x: '' },
      { sku: '2', name: 'b', price: '0.0000001', x: '' },
    ]);
  });

  it('builds a multipart body the marketplace reads (part "file" plus fields)', async () => {
    const { body, contentType } = await multipartBody('"sku"\n"1"\n', 'offers.csv', { import_mode: 'NORMAL' });
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
    expect(await (form.get('file') as Blob).text()).toBe('"sku"\n"1"\n');
    expect(form.get('import_mode')).toBe('NORMAL');
  });
});

describe('Mirakl feed handlers against the fake', () => {
  it('product lot: P41, P42 until COMPLETE, refusals from P44 with their message, marketplace id = shop SKU', async () => {
    const fake = await start();
    const ctx = context(fake);
    const h = miraklHandlers(ctx, { displayName: 'Carrefour', productColumns: COLUMNS });
    const good = product('1');
    const badEan = product('2', { ean: '7890000000001' });
    fake.rejectOnImport('3', 'Imagem fora do padrão do operador');
    const rejected = product('3');
    const { feedRef } = await h.submitFeed!({ id: '10', operation: 'product', items: [good, badEan, rejected] });
    expect(feedRef).toMatch(/^P41:\d+$/);
    expect(ctx.calls).toContain('POST /api/products/imports');
    const results = await settle(h, fake, feedRef, ['1', '2', '3'], 5 * 60_000);
    expect(results).toEqual([
      { skuId: '1', ok: true, marketplaceId: '1' },
      { skuId: '2', ok: false, message: expect.stringMatching(/ean "7890000000001" is not a valid EAN/) },
      { skuId: '3', ok: false, message: 'Imagem fora do padrão do operador' },
    ]);
    expect(fake.getProduct('1')).toMatchObject({ status: 'catalogued', data: { name: 'Tênis "Aurora"; modelo 1', description: 'Leve;\nrespirável', weight: '0.8', 'image-2': 'https://img.example/1-2.jpg' } });
  });

  it('offer lot: OF01 with every offer field; a withdrawal deletes the offer; the offer comes back with the next line', async () => {
    const fake = await start();
    const h = miraklHandlers(context(fake), { displayName: 'Carrefour', productColumns: COLUMNS });
    const item = product('5', { leadtimeToShip: 3 });
    fake.seedProduct({ sku: '5', name: 'x', ean: String(item.payload.ean) });
    let ref = (await h.submitFeed!({ id: '11', operation: 'offer', items: [offerOf(item)] })).feedRef;
    expect(ref).toMatch(/^OF01:\d+$/);
    expect(await settle(h, fake, ref, ['5'], 60_000)).toEqual([{ skuId: '5', ok: true }]);
    expect(fake.getOffer('5')).toMatchObject({ productSku: '5', productIdType: 'SHOP_SKU', price: 199.9, quantity: 7, state: '11', leadtimeToShip: 3 });

    fake.clock.advance(60_000);
    ref = (await h.submitFeed!({ id: '12', operation: 'offer', items: [{ skuId: '5', marketplaceId: '5', payload: {}, withdraw: true }] })).feedRef;
    expect(await settle(h, fake, ref, ['5'], 60_000)).toEqual([{ skuId: '5', ok: true }]);
    expect(fake.getOffer('5')).toBeUndefined();
    expect(fake.getProduct('5')?.status).toBe('catalogued');

    fake.clock.advance(60_000);
    ref = (await h.submitFeed!({ id: '13', operation: 'offer', items: [offerOf(product('5', { quantity: 2 }))] })).feedRef;
    expect(await settle(h, fake, ref, ['5'], 60_000)).toEqual([{ skuId: '5', ok: true }]);
    expect(fake.getOffer('5')).toMatchObject({ quantity: 2 });
    expect(fake.counters.offersBeforeCatalogued).toBe(0);
  });

  it('an offer for a product not catalogued is refused per line with the report message', async () => {
    const fake = await start();
    const h = miraklHandlers(context(fake), { displayName: 'Carrefour', productColumns: COLUMNS });
    fake.seedProduct({ sku: '7', name: 'x' });
    const ref = (await h.submitFeed!({ id: '14', operation: 'offer', items: [offerOf(product('7')), offerOf(product('8'))] })).feedRef;
    const results = await settle(h, fake, ref, ['7', '8'], 60_000);
    expect(results[0]).toEqual({ skuId: '7', ok: true });
    expect(results[1]).toMatchObject({ skuId: '8', ok: false, message: expect.stringMatching(/SHOP_SKU\|8 does not exist in the catalog/) });
  });

  it('an import Mirakl fails as a whole fails every item of the lot with its reason', async () => {
    const fake = await start();
    const h = miraklHandlers(context(fake), { displayName: 'Carrefour', productColumns: COLUMNS });
    fake.failNextImports(1);
    const ref = (await h.submitFeed!({ id: '15', operation: 'product', items: [product('1'), product('2')] })).feedRef;
    const results = await settle(h, fake, ref, ['1', '2'], 5 * 60_000);
    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(results[0]!.message).toMatch(/Carrefour could not process the product import \d+: Internal error/);
  });

  it('import frequency and credentials come back as the typed errors the core acts on', async () => {
    const fake = await start();
    const h = miraklHandlers(context(fake), { displayName: 'Carrefour', productColumns: COLUMNS });
    await h.submitFeed!({ id: '16', operation: 'product', items: [product('1')] });
    const again = await h.submitFeed!({ id: '17', operation: 'product', items: [product('2')] }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConnectorError);
    expect((again as ConnectorError).code).toBe(MarketplaceErrors.rateLimited('x', 1).code);

    const wrong = miraklHandlers(context(fake, {}, 'not-the-key'), { displayName: 'Carrefour', productColumns: COLUMNS });
    const refused = await wrong.submitFeed!({ id: '18', operation: 'offer', items: [offerOf(product('1'))] }).catch((e: unknown) => e);
    expect((refused as ConnectorError).code).toBe(MarketplaceErrors.auth('x', '').code);
    const none = miraklHandlers(context(fake, {}, null), { displayName: 'Carrefour', productColumns: COLUMNS });
    expect(((await none.checkFeed!('P41:1').catch((e: unknown) => e)) as ConnectorError).code).toBe(MarketplaceErrors.auth('x', '').code);
  });

  it('sends shop_id when the settings give one (a key for several shops)', async () => {
    const fake = await start();
    const ctx = context(fake, { shopId: fake.shopId });
    await new MiraklClient(ctx, { displayName: 'Carrefour' }).listOffers();
    expect(ctx.calls.at(-1)).toMatch(new RegExp(`shop_id=${fake.shopId}`));
    const other = context(fake, { shopId: fake.shopId + 1 });
    const refused = await new MiraklClient(other, { displayName: 'Carrefour' }).listOffers().catch((e: unknown) => e);
    expect((refused as ConnectorError).code).toBe(MarketplaceErrors.auth('x', '').code);
  });

  it('reads offers back (OF21): one call per SKU for a few, pages of 100 for many', async () => {
    const fake = await start();
    const ctx = context(fake);
    const h = miraklHandlers(ctx, { displayName: 'Carrefour', productColumns: COLUMNS, lookupPageAbove: 2 });
    const items = ['21', '22', '23'].map((s) => product(s));
    for (const i of items) fake.seedProduct({ sku: i.skuId, name: 'x', ean: String(i.payload.ean) });
    const ref = (await h.submitFeed!({ id: '19', operation: 'offer', items: items.map(offerOf) })).feedRef;
    await settle(h, fake, ref, ['21', '22', '23'], 60_000);
    ctx.calls.length = 0;
    expect(await h.fetchRemoteState!([{ skuId: '21', marketplaceId: '21' }, { skuId: '99' }])).toEqual([
      { skuId: '21', found: true, marketplaceId: '21', fields: { price: 199.9, quantity: 7 } },
      { skuId: '99', found: false },
    ]);
    expect(ctx.calls).toHaveLength(2);
    ctx.calls.length = 0;
    const many = await h.fetchRemoteState!([{ skuId: '21' }, { skuId: '22' }, { skuId: '23' }]);
    expect(many.map((r) => r.found)).toEqual([true, true, true]);
    expect(ctx.calls).toEqual(['GET /api/offers?max=100&offset=0']);
  });

  it('OF24: every field of each offer is sent, so nothing is reset by omission', async () => {
    const fake = await start();
    const client = new MiraklClient(context(fake), { displayName: 'Carrefour' });
    fake.seedProduct({ sku: '31', name: 'x' });
    const id = await client.updateOffers([{ shop_sku: '31', product_id: '31', product_id_type: 'SHOP_SKU', price: 10.5, quantity: 4, state_code: '11', update_delete: 'update', leadtime_to_ship: 2 }]);
    fake.clock.advance(60_000);
    expect(await client.offerImport(id)).toMatchObject({ status: 'COMPLETE', lines_in_success: 1 });
    expect(fake.getOffer('31')).toMatchObject({ price: 10.5, quantity: 4, leadtimeToShip: 2 });
  });
});
