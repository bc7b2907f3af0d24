import { afterEach, describe, expect, it } from 'vitest';
import { FakeSkyhub, type FakeSkyhubOptions } from './skyhub/index.js';

const open: FakeSkyhub[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(opts: FakeSkyhubOptions = {}): Promise<FakeSkyhub> {
  const fake = await FakeSkyhub.start(opts);
  open.push(fake);
  return fake;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

function credentials(fake: FakeSkyhub): Record<string, string> {
  return { 'X-User-Email': fake.userEmail, 'X-Api-Key': fake.apiKey, 'X-Accountmanager-Key': fake.accountManagerKey };
}

async function call(fake: FakeSkyhub, method: string, path: string, body?: unknown, auth = credentials(fake)): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json', ...auth };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(fake.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const PRODUCT = {
  sku: 'VTEX-14',
  name: 'Tênis de Corrida Aurora Pro',
  description: 'Tênis leve para corrida de rua.',
  status: 'enabled',
  qty: 10,
  price: 399.9,
  promotional_price: 349.9,
  weight: 0.8,
  height: 12,
  width: 20,
  length: 32,
  brand: '1001',
  ean: '7891234567895',
  nbm: '64041100',
  crossdocking: 2,
  categories: [{ code: '2001' }],
  images: ['https://img.example/tenis-1.jpg'],
  specifications: [
    { key: 'Gênero', value: 'Masculino' },
    { key: 'Cor', value: 'Azul Marinho' },
  ],
  variation_attributes: ['Tamanho'],
  variations: [
    { sku: 'VTEX-42', qty: 4, ean: '7891234567901', images: ['https://img.example/tenis-42.jpg'], specifications: [{ key: 'Tamanho', value: '42' }] },
    { sku: 'VTEX-43', qty: 6, price: 409.9, promotional_price: 359.9, specifications: [{ key: 'Tamanho', value: '43' }] },
  ],
};

describe('FakeSkyhub auth', () => {
  it('rotateApiKey revokes the key: the old one gets 401, the new one works', async () => {
    const fake = await start();
    const old = credentials(fake);
    expect(fake.rotateApiKey()).not.toBe(old['X-Api-Key']);
    expect((await call(fake, 'GET', '/products', undefined, old)).status).toBe(401);
    expect((await call(fake, 'GET', '/products')).status).toBe(200);
    expect(fake.counters.unauthorized).toBe(1);
  });

  it('401s unless all three headers match', async () => {
    const fake = await start();
    const good = credentials(fake);
    for (const drop of ['X-User-Email', 'X-Api-Key', 'X-Accountmanager-Key']) {
      const auth = { ...good };
      delete auth[drop];
      expect(await call(fake, 'POST', '/products', { product: PRODUCT }, auth)).toMatchObject({
        status: 401,
        body: { error: expect.stringContaining('X-Api-Key') },
      });
    }
    expect((await call(fake, 'GET', '/products/VTEX-14', undefined, { ...good, 'X-Api-Key': 'wrong' })).status).toBe(401);
    expect(fake.counters.unauthorized).toBe(4);
    expect(fake.products.size).toBe(0);
  });
});

describe('FakeSkyhub products', () => {
  it('creates a product with variations (201) and answers it with inherited variation prices', async () => {
    const fake = await start();
    expect((await call(fake, 'POST', '/products', { product: PRODUCT })).status).toBe(201);
    const got = await call(fake, 'GET', '/products/VTEX-14');
    expect(got.body).toMatchObject({
      sku: 'VTEX-14',
      status: 'enabled',
      qty: 10,
      price: 399.9,
      promotional_price: 349.9,
      brand: '1001',
      categories: [{ code: '2001', name: 'Calçados > Tênis > Corrida' }],
      variation_attributes: ['Tamanho'],
    });
    expect(got.body.variations).toEqual([
      expect.objectContaining({ sku: 'VTEX-42', qty: 4, price: 399.9, promotional_price: 349.9 }),
      expect.objectContaining({ sku: 'VTEX-43', qty: 6, price: 409.9, promotional_price: 359.9 }),
    ]);
    expect(fake.getProduct('VTEX-43')?.sku).toBe('VTEX-14');
    expect(fake.getVariation('VTEX-42')).toMatchObject({ price: null, qty: 4 });
    const dup = await call(fake, 'POST', '/products', { product: { ...PRODUCT, sku: 'OTHER', variations: [{ ...PRODUCT.variations[0], sku: 'VTEX-42' }] } });
    expect(dup).toMatchObject({ status: 422, body: { error: 'sku "VTEX-42" already exists' } });
    expect((await call(fake, 'POST', '/products', PRODUCT)).status).toBe(400);
    expect(fake.counters).toMatchObject({ creates: 1, rejected: 2 });
  });

  it('refuses a zero or null price and promotional_price (since 2025-03-31), listing every problem in {error}', async () => {
    const fake = await start();
    const res = await call(fake, 'POST', '/products', {
      product: {
        ...PRODUCT,
        price: 0,
        promotional_price: null,
        brand: 'Aurora',
        categories: [{ code: '9999' }],
        specifications: [{ key: 'Gênero', value: 'Masculino' }],
        ean: '7891234567890',
        qty: -1,
        name: '',
        variations: [{ sku: 'VTEX-42', qty: 1, price: 0 }],
      },
    });
    expect(res.status).toBe(422);
    expect(Object.keys(res.body)).toEqual(['error']);
    const problems: string[] = res.body.error.split('; ');
    expect(problems).toEqual(
      expect.arrayContaining([
        'product.name is required',
        'product.qty must be an integer >= 0',
        'product.price must be greater than 0',
        'product.promotional_price cannot be null',
        'product.ean "7891234567890" is not a valid EAN (check digit)',
        'product.brand "Aurora" is not in SkyHub\'s brand list (send its id, 1001)',
        "product.categories: category 9999 does not exist in SkyHub's category list",
        'product.variations[0].price must be greater than 0',
      ]),
    );
    expect(problems).toHaveLength(8);
    expect(fake.products.size).toBe(0);
  });

  it('enforces the category’s attributes: required ones, unknown keys, closed value lists', async () => {
    const fake = await start();
    const res = await call(fake, 'POST', '/products', {
      product: {
        ...PRODUCT,
        specifications: [
          { key: 'Gênero', value: 'Homem' },
          { key: 'Voltagem', value: '220V' },
        ],
        variations: [],
      },
    });
    expect(res.body.error.split('; ')).toEqual([
      'product.specifications: "Homem" is not a valid value of "Gênero" (one of: Masculino, Feminino, Unissex)',
      'product.specifications: "Voltagem" is not an attribute of category 2001 (Calçados > Tênis > Corrida)',
      'product.specifications: required attribute "Cor" of category 2001 is missing',
    ]);
    const noCategory = await call(fake, 'POST', '/products', { product: { ...PRODUCT, categories: undefined } });
    expect(noCategory.body.error).toContain("product.categories must hold exactly one {code} from SkyHub's category list");
  });

  it('PUT /products/{sku} updates qty, prices and status in one {"product":{…}} (204); status disabled deactivates', async () => {
    const fake = await start();
    await call(fake, 'POST', '/products', { product: PRODUCT });
    expect((await call(fake, 'PUT', '/products/VTEX-14', { product: { qty: 3, price: 379.9, promotional_price: 329.9 } })).status).toBe(204);
    expect(fake.getProduct('VTEX-14')).toMatchObject({ qty: 3, price: 379.9, promotional_price: 329.9, name: PRODUCT.name });
    expect((await call(fake, 'PUT', '/products/VTEX-14', { product: { price: 0 } })).body).toEqual({ error: 'product.price must be greater than 0' });
    expect((await call(fake, 'PUT', '/products/VTEX-14', { product: { promotional_price: null } })).body).toEqual({
      error: 'product.promotional_price cannot be null',
    });
    expect((await call(fake, 'PUT', '/products/VTEX-14', { product: { promotional_price: 500 } })).body.error).toBe(
      'product.promotional_price (500) cannot be greater than product.price (379.9)',
    );
    expect((await call(fake, 'PUT', '/products/VTEX-14', { product: { status: 'disabled' } })).status).toBe(204);
    expect((await call(fake, 'GET', '/products/VTEX-14')).body.status).toBe('disabled');
    expect((await call(fake, 'PUT', '/products/NOPE', { product: { qty: 1 } })).status).toBe(404);
    expect(fake.counters).toMatchObject({ updates: 2, priceUpdates: 1, stockUpdates: 1, deactivations: 1 });
  });

  it('PUT /variations/{sku} updates a variation; DELETE removes variations and products', async () => {
    const fake = await start();
    await call(fake, 'POST', '/products', { product: PRODUCT });
    expect((await call(fake, 'PUT', '/variations/VTEX-42', { variation: { qty: 9, price: 389.9, promotional_price: 339.9 } })).status).toBe(204);
    expect(fake.getVariation('VTEX-42')).toMatchObject({ qty: 9, price: 389.9, promotional_price: 339.9 });
    expect((await call(fake, 'PUT', '/variations/VTEX-42', { variation: { promotional_price: 0 } })).body).toEqual({
      error: 'variation.promotional_price must be greater than 0',
    });
    expect((await call(fake, 'PUT', '/variations/NOPE', { variation: { qty: 1 } })).status).toBe(404);
    expect((await call(fake, 'DELETE', '/variations/VTEX-43')).status).toBe(204);
    expect(fake.getProduct('VTEX-14')?.variations.map((v) => v.sku)).toEqual(['VTEX-42']);
    expect((await call(fake, 'DELETE', '/products/VTEX-14')).status).toBe(204);
    expect((await call(fake, 'GET', '/products/VTEX-14')).body).toEqual({ error: 'Product VTEX-14 not found' });
    expect(fake.counters).toMatchObject({ deletions: 2, priceUpdates: 1, stockUpdates: 1 });
  });

  it('lists products by page', async () => {
    const fake = await start();
    for (const sku of ['A', 'B', 'C']) await call(fake, 'POST', '/products', { product: { ...PRODUCT, sku, variations: [] } });
    expect((await call(fake, 'GET', '/products?page=1&per_page=2')).body).toMatchObject({ total: 3, products: [{ sku: 'A' }, { sku: 'B' }] });
    expect((await call(fake, 'GET', '/products?page=2&per_page=2')).body.products.map((p: any) => p.sku)).toEqual(['C']);
    expect((await call(fake, 'GET', '/products?per_page=101')).status).toBe(400);
  });
});

describe('FakeSkyhub throttling and faults', () => {
  it('allows 9 requests per second per endpoint and method, then 429 until the next window', async () => {
    let now = 0;
    const fake = await start({ clock: () => now });
    await call(fake, 'POST', '/products', { product: { ...PRODUCT, variations: [] } });
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await call(fake, 'PUT', '/products/VTEX-14', { product: { qty: i } })).status);
    expect(statuses).toEqual([...Array(9).fill(204), 429]);
    now = 400;
    const limited = await call(fake, 'PUT', '/products/VTEX-14', { product: { qty: 99 } });
    expect(limited).toMatchObject({ status: 429, body: { error: 'Too many requests: wait for the next request window' } });
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(fake.getProduct('VTEX-14')?.qty).toBe(8);
    // Other methods and endpoints have windows of their own; GET list and GET one share one.
    expect((await call(fake, 'GET', '/products/VTEX-14')).status).toBe(200);
    expect((await call(fake, 'PUT', '/variations/NOPE', { variation: { qty: 1 } })).status).toBe(404);
    now = 1000; // the next window
    expect((await call(fake, 'PUT', '/products/VTEX-14', { product: { qty: 99 } })).status).toBe(204);
    expect(fake.counters).toMatchObject({ rateLimited: 2, maxObservedPerSecond: 12 });
  });

  it('GET list and GET one share a window; requestsPerSecond is configurable', async () => {
    let now = 5000;
    const fake = await start({ requestsPerSecond: 2, clock: () => now });
    expect((await call(fake, 'GET', '/products')).status).toBe(200);
    expect((await call(fake, 'GET', '/products/X')).status).toBe(404);
    expect((await call(fake, 'GET', '/products')).status).toBe(429);
    now += 999;
    expect((await call(fake, 'GET', '/products')).status).toBe(429);
    now += 1;
    expect((await call(fake, 'GET', '/products')).status).toBe(200);
  });

  it('failNext, rateLimitNext and timeoutNext script the next answers', async () => {
    const fake = await start();
    fake.faults.failNext(1, 502);
    expect(await call(fake, 'POST', '/products', { product: PRODUCT })).toMatchObject({ status: 502, body: { error: 'Internal server error' } });
    expect(fake.products.size).toBe(0);
    fake.faults.rateLimitNext(1);
    expect((await call(fake, 'GET', '/products')).headers.get('retry-after')).toBe('1');
    const held = fake.faults.timeoutNext(1);
    const outcome = call(fake, 'POST', '/products', { product: PRODUCT }).then(
      () => 'answered',
      () => 'dropped',
    );
    await held;
    await fake.close();
    expect(await outcome).toBe('dropped');
  });
});
