import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeMirakl, type FakeMiraklOptions } from './mirakl/index.js';

const open: FakeMirakl[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Frozen clock: marketplace time moves only when the test advances it. */
async function start(opts: FakeMiraklOptions = {}): Promise<FakeMirakl> {
  const mirakl = await FakeMirakl.start({ name: 'carrefour', timeScale: 0, ...opts });
  open.push(mirakl);
  return mirakl;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(m: FakeMirakl, method: string, path: string, body?: unknown, key: string | null = m.apiKey): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key !== null) headers.authorization = key;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(m.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text };
}

async function upload(m: FakeMirakl, path: string, csv: string, fields: Record<string, string> = {}, key: string | null = m.apiKey): Promise<Answer> {
  const form = new FormData();
  form.append('file', new Blob([csv], { type: 'text/csv' }), 'file.csv');
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (key !== null) headers.authorization = key;
  const res = await fetch(m.url + path, { method: 'POST', headers, body: form });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

const csv = (rows: string[][]) => rows.map((r) => r.map((v) => `"${v.replace(/"/g, '""')}"`).join(';')).join('\n') + '\n';
const readCsv = (text: string) => parse(text, { delimiter: ';', columns: true }) as Record<string, string>[];

const PRODUCT_HEADER = ['sku', 'name', 'description', 'ean', 'brand', 'category', 'height', 'width', 'depth', 'weight', 'image-1', 'image-2', 'image-3', 'image-4', 'image-5', 'image-6', 'variant-group'];
function productRow(sku: string, ean: string, over: Partial<Record<string, string>> = {}): string[] {
  const base: Record<string, string> = {
    sku,
    name: `Tênis Aurora ${sku}`,
    description: 'Tênis de corrida leve',
    ean,
    brand: 'Aurora',
    category: 'calcados',
    height: '12.5',
    width: '30',
    depth: '20',
    weight: '0.8',
    'image-1': `https://img.example/${sku}-1.jpg`,
    ...over,
  };
  return PRODUCT_HEADER.map((c) => base[c] ?? '');
}

// Valid EAN-13s (check digit included).
const EAN_A = '7891234567895';
const EAN_B = '7890000000017';
const EAN_C = '7890000000024';

/** Import products, then advance past WAITING + RUNNING + SENT (defaults 10 s + 20 s + 270 s). */
async function catalogue(m: FakeMirakl, rows: string[][]): Promise<number> {
  const res = await upload(m, '/api/products/imports', csv([PRODUCT_HEADER, ...rows]));
  expect(res.status).toBe(201);
  m.clock.advance(300_000);
  return res.body.import_id as number;
}

const OFFER_HEADER = ['sku', 'product-id', 'product-id-type', 'price', 'quantity', 'state', 'update-delete'];

describe('FakeMirakl auth', () => {
  it('wants the shop API key as the whole Authorization header (no Bearer); a foreign shop_id is 403', async () => {
    const m = await start();
    expect(await call(m, 'GET', '/api/offers', undefined, null)).toMatchObject({ status: 401, body: { status: 401, message: 'Unauthorized' } });
    const bearer = await call(m, 'GET', '/api/offers', undefined, `Bearer ${m.apiKey}`);
    expect(bearer.status).toBe(401);
    expect(bearer.body.message).toContain('without "Bearer"');
    expect((await call(m, 'GET', '/api/offers')).status).toBe(200);
    expect((await call(m, 'GET', `/api/offers?shop_id=${m.shopId + 1}`)).status).toBe(403);
    expect(m.counters.unauthorized).toBe(2);
  });

  it('two instances (Carrefour, Centauro) are separate marketplaces with their own keys and catalogues', async () => {
    const carrefour = await start({ name: 'carrefour' });
    const centauro = await start({ name: 'centauro', productRules: { ...carrefour.rules, required: ['sku', 'name', 'ean'] } });
    expect(carrefour.apiKey).not.toBe(centauro.apiKey);
    expect((await call(centauro, 'GET', '/api/offers', undefined, carrefour.apiKey)).status).toBe(401);
    carrefour.seedProduct({ sku: 'P1', name: 'x', ean: EAN_A });
    expect(carrefour.productStatus('P1')).toBe('catalogued');
    expect(centauro.productStatus('P1')).toBe('unknown');
  });
});

describe('FakeMirakl products (P41 / P42 / P44)', () => {
  it('imports go WAITING → RUNNING → SENT → COMPLETE; valid rows are catalogued, the others listed in the error report', async () => {
    const m = await start();
    const res = await upload(
      m,
      '/api/products/imports',
      csv([
        PRODUCT_HEADER,
        productRow('P1', EAN_A),
        productRow('P2', EAN_B, { description: '' }),
        productRow('P3', EAN_C, { 'image-6': 'https://img.example/6.jpg', 'variant-group': 'G1', weight: '0,8' }),
        productRow('P4', '7890000000011'),
      ]),
    );
    expect(res).toMatchObject({ status: 201, body: { import_id: expect.any(Number) } });
    const id = res.body.import_id;
    const status = async () => (await call(m, 'GET', `/api/products/imports/${id}`)).body;
    expect((await status()).import_status).toBe('WAITING');
    expect(m.productStatus('P1')).toBe('pending');
    m.clock.advance(10_000);
    expect((await status()).import_status).toBe('RUNNING');
    m.clock.advance(20_000);
    expect((await status()).import_status).toBe('SENT');
    expect(m.productStatus('P1')).toBe('pending');
    m.clock.advance(270_000);
    const done = await status();
    expect(done).toMatchObject({
      import_id: id,
      shop_id: m.shopId,
      import_status: 'COMPLETE',
      has_error_report: true,
      has_new_product_report: true,
      transform_lines_read: 4,
      transform_lines_in_success: 1,
      transform_lines_in_error: 3,
      integration_details: { invalid_products: 3, products_successfully_synchronized: 1, products_with_wrong_identifiers: 1, rejected_products: 0 },
    });
    expect(m.getProduct('P1')).toMatchObject({ sku: 'P1', ean: EAN_A, status: 'catalogued', importId: id });
    expect(m.productStatus('P2')).toBe('unknown');

    const report = await call(m, 'GET', `/api/products/imports/${id}/error_report`);
    expect(report.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows = readCsv(report.body);
    expect(rows.map((r) => [r.sku, r['error-line']])).toEqual([
      ['P2', '3'],
      ['P3', '4'],
      ['P4', '5'],
    ]);
    expect(rows[0]!['error-message']).toBe('description is required');
    expect(rows[1]!['error-message']).toContain('weight "0,8" must use "." as decimal separator');
    expect(rows[1]!['error-message']).toContain('image-6: at most 5 images are accepted');
    expect(rows[1]!['error-message']).toContain('only single-SKU products are accepted');
    expect(rows[2]!['error-message']).toContain('not a valid EAN');
    expect(m.counters).toMatchObject({ productImports: 1, productsCatalogued: 1, productsRejected: 3 });

    const p31 = await call(m, 'GET', `/api/products?product_references=EAN|${EAN_A},EAN|${EAN_B}`);
    expect(p31.body.products).toEqual([{ product_sku: 'P1', product_title: 'Tênis Aurora P1', product_references: [{ reference_type: 'EAN', reference: EAN_A }], category_code: 'calcados' }]);
  });

  it('a file without the required columns FAILS with the reason; a malformed CSV too', async () => {
    const m = await start({ minIntervals: { P41: false } });
    const noEan = await upload(m, '/api/products/imports', csv([['sku', 'name'], ['P1', 'x']]));
    const broken = await upload(m, '/api/products/imports', 'sku;name\n"P1;x\n');
    m.clock.advance(30_000);
    const a = (await call(m, 'GET', `/api/products/imports/${noEan.body.import_id}`)).body;
    expect(a).toMatchObject({ import_status: 'FAILED', reason_status: expect.stringContaining('description, ean, height, width, depth, weight, image-1'), has_error_report: false });
    const b = (await call(m, 'GET', `/api/products/imports/${broken.body.import_id}`)).body;
    expect(b).toMatchObject({ import_status: 'FAILED', reason_status: expect.stringContaining('not a valid CSV') });
    expect((await call(m, 'GET', `/api/products/imports/${noEan.body.import_id}/error_report`)).status).toBe(404);
  });

  it('product data is frozen once catalogued: a changed re-import is refused and counted, an identical one is fine', async () => {
    const m = await start({ minIntervals: { P41: false } });
    await catalogue(m, [productRow('P1', EAN_A)]);
    const changed = await catalogue(m, [productRow('P1', EAN_A, { name: 'Novo nome', height: '13' })]);
    expect(m.getProduct('P1')!.name).toBe('Tênis Aurora P1');
    expect(m.frozenProductUpdates).toEqual([{ sku: 'P1', changedColumns: ['height', 'name'], importId: changed, at: expect.any(String) }]);
    const rows = readCsv((await call(m, 'GET', `/api/products/imports/${changed}/error_report`)).body);
    expect(rows[0]!['error-message']).toContain('data is frozen');
    const same = await catalogue(m, [productRow('P1', EAN_A)]);
    expect((await call(m, 'GET', `/api/products/imports/${same}`)).body).toMatchObject({ import_status: 'COMPLETE', has_error_report: false, transform_lines_in_success: 1 });
    expect(m.counters.frozenProductUpdates).toBe(1);
  });

  it('P41 is limited to one import every 15 minutes per shop (429 + Retry-After in real seconds at the clock scale)', async () => {
    const m = await start();
    expect((await upload(m, '/api/products/imports', csv([PRODUCT_HEADER, productRow('P1', EAN_A)]))).status).toBe(201);
    m.clock.advance(14 * 60_000);
    const second = await upload(m, '/api/products/imports', csv([PRODUCT_HEADER, productRow('P2', EAN_B)]));
    expect(second.status).toBe(429);
    expect(second.body).toEqual({ status: 429, message: expect.stringContaining('at most once every 15 minutes') });
    expect(second.headers.get('retry-after')).toBe('60'); // frozen clock: marketplace seconds
    m.clock.advance(60_000);
    expect((await upload(m, '/api/products/imports', csv([PRODUCT_HEADER, productRow('P2', EAN_B)]))).status).toBe(201);
  });

  it('at timeScale 60 the Retry-After of a 15-minute limit is 15 real seconds', async () => {
    const m = await start({ timeScale: 60 });
    await upload(m, '/api/products/imports', csv([PRODUCT_HEADER, productRow('P1', EAN_A)]));
    const limited = await upload(m, '/api/products/imports', csv([PRODUCT_HEADER, productRow('P2', EAN_B)]));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(14);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(15);
  });
});

describe('FakeMirakl offers (OF01 / OF02 / OF03 / OF24 / OF21)', () => {
  it('refuses and counts offers for products not catalogued yet; accepts them once catalogued', async () => {
    const m = await start();
    await upload(m, '/api/products/imports', csv([PRODUCT_HEADER, productRow('P1', EAN_A)]));
    // The product import is only SENT when the offers arrive.
    m.clock.advance(30_000);
    const early = await upload(m, '/api/offers/imports', csv([OFFER_HEADER, ['O1', 'P1', 'SHOP_SKU', '349.90', '5', '11', ''], ['O2', EAN_A, 'EAN', '349.90', '5', '11', '']]));
    expect(early.status).toBe(201);
    m.clock.advance(60_000);
    const status = (await call(m, 'GET', `/api/offers/imports/${early.body.import_id}`)).body;
    expect(status).toMatchObject({ status: 'COMPLETE', mode: 'NORMAL', lines_read: 2, lines_in_success: 0, lines_in_error: 2, offer_inserted: 0, has_error_report: true });
    const rows = readCsv((await call(m, 'GET', `/api/offers/imports/${early.body.import_id}/error_report`)).body);
    expect(rows.map((r) => r['error-message'])).toEqual([
      'The product SHOP_SKU|P1 does not exist in the catalog (yet): offers are accepted only for catalogued products',
      `The product EAN|${EAN_A} does not exist in the catalog (yet): offers are accepted only for catalogued products`,
    ]);
    expect(m.counters.offersBeforeCatalogued).toBe(2);
    expect(m.offersBeforeCatalogued.map((o) => [o.shopSku, o.via])).toEqual([
      ['O1', 'OF01'],
      ['O2', 'OF01'],
    ]);
    expect(m.getOffer('O1')).toBeUndefined();

    m.clock.advance(300_000); // the product is catalogued now
    const later = await upload(m, '/api/offers/imports', csv([OFFER_HEADER, ['O1', 'P1', 'SHOP_SKU', '349.90', '5', '11', '']]));
    m.clock.advance(60_000);
    expect((await call(m, 'GET', `/api/offers/imports/${later.body.import_id}`)).body).toMatchObject({ status: 'COMPLETE', lines_in_success: 1, offer_inserted: 1, has_error_report: false });
    expect(m.getOffer('O1')).toMatchObject({ shopSku: 'O1', productSku: 'P1', price: 349.9, quantity: 5, state: '11' });
    expect(m.counters.offersBeforeCatalogued).toBe(2);
  });

  it('counts an offer received while its product import is still SENT, even if the product is catalogued before the offer is processed', async () => {
    const m = await start();
    await upload(m, '/api/products/imports', csv([PRODUCT_HEADER, productRow('P1', EAN_A)]));
    m.clock.advance(290_000); // SENT; the product is catalogued at 300 s
    const res = await upload(m, '/api/offers/imports', csv([OFFER_HEADER, ['O1', 'P1', 'SHOP_SKU', '10', '1', '11', '']]));
    expect(m.offersBeforeCatalogued).toEqual([{ shopSku: 'O1', productId: 'P1', productIdType: 'SHOP_SKU', via: 'OF01', importId: res.body.import_id, at: expect.any(String) }]);
    m.clock.advance(60_000);
    expect(m.getOffer('O1')).toMatchObject({ productSku: 'P1', quantity: 1 }); // Mirakl would take it: processed after the product
    expect(m.counters.offersBeforeCatalogued).toBe(1);
  });

  it('OF24 resets every field left out: a plugin that forgets quantity or description is caught', async () => {
    const m = await start({ minIntervals: { OF24: false } });
    m.seedProduct({ sku: 'P1', name: 'x', ean: EAN_A });
    const full = await call(m, 'POST', '/api/offers', {
      offers: [{ shop_sku: 'O1', product_id: 'P1', product_id_type: 'SHOP_SKU', price: 199.9, quantity: 8, state_code: '11', description: 'Pronta entrega', leadtime_to_ship: 2, discount: { price: 179.9, start_date: '2026-01-01T00:00:00Z' } }],
    });
    expect(full).toMatchObject({ status: 201, body: { import_id: expect.any(Number) } });
    m.clock.advance(60_000);
    expect(m.getOffer('O1')).toMatchObject({ quantity: 8, description: 'Pronta entrega', leadtimeToShip: 2, discount: { price: 179.9 } });

    await call(m, 'POST', '/api/offers', { offers: [{ shop_sku: 'O1', price: 189.9, state_code: '11' }] });
    m.clock.advance(60_000);
    const reset = m.getOffer('O1')!;
    expect(reset).toMatchObject({ price: 189.9, quantity: 0, productSku: 'P1' });
    expect(reset.description).toBeUndefined();
    expect(reset.leadtimeToShip).toBeUndefined();
    expect(reset.discount).toBeUndefined();

    const listed = await call(m, 'GET', '/api/offers?sku=O1');
    expect(listed.body).toMatchObject({ total_count: 1, offers: [{ shop_sku: 'O1', product_sku: 'P1', price: 189.9, quantity: 0, active: false, description: null, discount: null }] });
  });

  it('OF24 lines are validated per offer and the error report names the line; no product → counted', async () => {
    const m = await start();
    m.seedProduct({ sku: 'P1', name: 'x', ean: EAN_A });
    const res = await call(m, 'POST', '/api/offers', {
      offers: [
        { shop_sku: 'O1', product_id: EAN_A, product_id_type: 'EAN', price: 10, quantity: 1, state_code: '11' },
        { shop_sku: 'O2', product_id: 'P1', product_id_type: 'SHOP_SKU', quantity: 1, state_code: '11' },
        { shop_sku: 'O3', product_id: 'P9', product_id_type: 'SHOP_SKU', price: 10, quantity: 1, state_code: '11' },
        { shop_sku: 'O4', product_id: 'P1', product_id_type: 'SHOP_SKU', price: 10, quantity: -1, state_code: '99' },
      ],
    });
    m.clock.advance(60_000);
    expect((await call(m, 'GET', `/api/offers/imports/${res.body.import_id}`)).body).toMatchObject({ lines_read: 4, lines_in_success: 1, lines_in_error: 3 });
    const rows = readCsv((await call(m, 'GET', `/api/offers/imports/${res.body.import_id}/error_report`)).body);
    expect(rows).toEqual([
      { shop_sku: 'O2', 'error-line': '2', 'error-message': 'price is required' },
      { shop_sku: 'O3', 'error-line': '3', 'error-message': expect.stringContaining('SHOP_SKU|P9 does not exist') },
      { shop_sku: 'O4', 'error-line': '4', 'error-message': expect.stringMatching(/quantity "-1" must be an integer >= 0.*state_code "99" is not an offer state/) },
    ]);
    expect(m.offersBeforeCatalogued).toEqual([{ shopSku: 'O3', productId: 'P9', productIdType: 'SHOP_SKU', via: 'OF24', importId: res.body.import_id, at: expect.any(String) }]);
    expect((await call(m, 'POST', '/api/offers', { offers: [] })).status).toBe(400);
  });

  it('OF01 NORMAL resets omitted columns, PARTIAL_UPDATE keeps them, delete removes, REPLACE drops offers not in the file', async () => {
    const m = await start({ minIntervals: { OF01: false } });
    m.seedProduct({ sku: 'P1', name: 'x', ean: EAN_A });
    m.seedProduct({ sku: 'P2', name: 'y', ean: EAN_B });
    const run = async (rows: string[][], mode?: string) => {
      const res = await upload(m, '/api/offers/imports', csv(rows), mode ? { import_mode: mode } : {});
      expect(res.status).toBe(201);
      m.clock.advance(60_000);
      return (await call(m, 'GET', `/api/offers/imports/${res.body.import_id}`)).body;
    };
    await run([[...OFFER_HEADER, 'description'], ['O1', 'P1', 'SHOP_SKU', '100.00', '3', '11', '', 'desc'], ['O2', 'P2', 'SHOP_SKU', '50', '1', '11', '', '']]);
    expect(m.getOffer('O1')).toMatchObject({ price: 100, quantity: 3, description: 'desc' });

    expect(await run([['sku', 'price'], ['O1', '90']], 'PARTIAL_UPDATE')).toMatchObject({ mode: 'PARTIAL_UPDATE', offer_updated: 1 });
    expect(m.getOffer('O1')).toMatchObject({ price: 90, quantity: 3, description: 'desc' });

    await run([['sku', 'price', 'state'], ['O1', '95', '11']]);
    expect(m.getOffer('O1')).toMatchObject({ price: 95, quantity: 0 });
    expect(m.getOffer('O1')!.description).toBeUndefined();

    expect(await run([OFFER_HEADER, ['O2', '', '', '', '', '', 'delete'], ['O9', '', '', '', '', '', 'delete']])).toMatchObject({ offer_deleted: 1, lines_in_error: 1 });
    expect(m.getOffer('O2')).toBeUndefined();

    await run([OFFER_HEADER, ['O3', 'P2', 'SHOP_SKU', '10', '1', '11', '']]);
    expect(await run([OFFER_HEADER, ['O3', 'P2', 'SHOP_SKU', '11', '1', '11', '']], 'REPLACE')).toMatchObject({ offer_updated: 1, offer_deleted: 1 });
    expect(m.offers().map((o) => o.shopSku)).toEqual(['O3']);
  });

  it('offer imports are limited to one a minute (OF01 and OF24 each); a rejected product keeps refusing offers', async () => {
    const m = await start();
    m.rejectOnImport('P1', 'Imagem fora do padrão');
    await catalogue(m, [productRow('P1', EAN_A)]);
    expect(m.getProduct('P1')).toMatchObject({ status: 'rejected', rejectionReason: 'Imagem fora do padrão' });
    const first = await upload(m, '/api/offers/imports', csv([OFFER_HEADER, ['O1', 'P1', 'SHOP_SKU', '10', '1', '11', '']]));
    expect(first.status).toBe(201);
    const again = await upload(m, '/api/offers/imports', csv([OFFER_HEADER, ['O1', 'P1', 'SHOP_SKU', '10', '1', '11', '']]));
    expect(again.status).toBe(429);
    expect(again.body.message).toContain('OF01 can be called at most once every 1 minute');
    expect((await call(m, 'POST', '/api/offers', { offers: [{ shop_sku: 'O1', price: 1, state_code: '11' }] })).status).toBe(201); // OF24 is counted apart
    expect((await call(m, 'POST', '/api/offers', { offers: [{ shop_sku: 'O1', price: 1, state_code: '11' }] })).status).toBe(429);
    m.clock.advance(60_000);
    const rows = readCsv((await call(m, 'GET', `/api/offers/imports/${first.body.import_id}/error_report`)).body);
    expect(rows[0]!['error-message']).toContain('was rejected by the operator (Imagem fora do padrão)');
    expect(m.counters).toMatchObject({ rateLimited: 2, offersBeforeCatalogued: 1 });
  });

  it('refuses a body that is not multipart with a file part, naming the fix', async () => {
    const m = await start();
    const res = await call(m, 'POST', '/api/offers/imports', { sku: 'O1' });
    expect(res.status).toBe(415);
    expect(res.body.message).toContain('part named "file"');
    const noMode = await upload(m, '/api/offers/imports', csv([OFFER_HEADER]), { import_mode: 'MERGE' });
    expect(noMode.status).toBe(400);
    expect(noMode.body.message).toContain('import_mode must be one of NORMAL, PARTIAL_UPDATE, REPLACE');
  });
});

describe('FakeMirakl faults', () => {
  it('failNext, rateLimitNext and failNextImports', async () => {
    const m = await start();
    m.faults.failNext(1, 503);
    expect(await call(m, 'GET', '/api/offers')).toMatchObject({ status: 503, body: { status: 503 } });
    m.faults.rateLimitNext(1, 3);
    const limited = await call(m, 'GET', '/api/offers');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    m.seedProduct({ sku: 'P1', name: 'x', ean: EAN_A });
    m.failNextImports(1);
    const res = await call(m, 'POST', '/api/offers', { offers: [{ shop_sku: 'O1', product_id: 'P1', product_id_type: 'SHOP_SKU', price: 1, state_code: '11' }] });
    m.clock.advance(60_000);
    expect((await call(m, 'GET', `/api/offers/imports/${res.body.import_id}`)).body).toMatchObject({ status: 'FAILED', reason_status: expect.stringContaining('send it again') });
    expect(m.getOffer('O1')).toBeUndefined();
  });
});
