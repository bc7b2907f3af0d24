import { afterEach, describe, expect, it } from 'vitest';
import { FakeNetshoes, type FakeNetshoesOptions } from './netshoes/index.js';

const open: FakeNetshoes[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(opts: FakeNetshoesOptions = {}): Promise<FakeNetshoes> {
  const fake = await FakeNetshoes.start(opts);
  open.push(fake);
  return fake;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

type Auth = { client_id?: string; access_token?: string };

async function call(
  fake: FakeNetshoes,
  method: string,
  path: string,
  body?: unknown,
  auth: Auth = { client_id: fake.clientId, access_token: fake.accessToken },
): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json', ...(auth as Record<string, string>) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${fake.url}/api/v2${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

const PRODUCT = {
  sku: 'VTEX-42',
  productGroup: 'VTEX-P-14',
  department: 'Corrida',
  productType: 'Tênis',
  brand: 'Nike',
  name: 'Tênis Nike Revolution Masculino',
  description: 'Tênis leve para corrida de rua.',
  color: 'Azul Marinho',
  gender: 'Homem',
  manufacturerCode: 'REV-42',
  size: '42',
  eanIsbn: '7891234567895',
  height: 0.12,
  width: '0.2',
  depth: 0.32,
  weight: 0.8,
  images: [{ url: 'https://img.example/tenis-1.jpg' }],
  attributes: [{ name: 'Tecnologias', values: ['Air'] }],
};

describe('FakeNetshoes auth', () => {
  it('rotateAccessToken revokes the static token: the old one gets 401, the new one works', async () => {
    const fake = await start();
    const old = fake.accessToken;
    const renewed = fake.rotateAccessToken();
    expect(renewed).not.toBe(old);
    expect(fake.accessToken).toBe(renewed);
    expect((await call(fake, 'GET', '/products', undefined, { client_id: fake.clientId, access_token: old })).status).toBe(401);
    expect((await call(fake, 'GET', '/products')).status).toBe(200);
    expect(fake.counters.unauthorized).toBe(1);
  });

  it('401s without both static headers, or with wrong ones', async () => {
    const fake = await start();
    for (const auth of [
      {},
      { client_id: fake.clientId },
      { client_id: fake.clientId, access_token: 'wrong' },
      { client_id: 'x', access_token: fake.accessToken },
    ]) {
      const res = await call(fake, 'POST', '/products', PRODUCT, auth);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ type: 'Unauthorized', description: expect.any(String), notifications: [] });
    }
    expect(fake.counters.unauthorized).toBe(4);
    expect(fake.products.size).toBe(0);
  });
});

describe('FakeNetshoes products', () => {
  it('creates a product (201 + Location) and answers it, with images/attributes only when expanded', async () => {
    const fake = await start();
    const created = await call(fake, 'POST', '/products', PRODUCT);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/v2/products/VTEX-42');
    expect(fake.getProduct('VTEX-42')).toMatchObject({ name: PRODUCT.name, width: 0.2, color: 'Azul Marinho', flavor: null, review: 'APPROVED' });
    const plain = await call(fake, 'GET', '/products/VTEX-42');
    expect(plain.body).toMatchObject({ sku: 'VTEX-42', brand: 'Nike', expands: [], links: [{ rel: 'self', href: '/api/v2/products/VTEX-42' }] });
    expect(plain.body.images).toBeUndefined();
    const expanded = await call(fake, 'GET', '/products/VTEX-42?expands=images,attributes');
    expect(expanded.body).toMatchObject({ images: PRODUCT.images, attributes: PRODUCT.attributes });
    expect((await call(fake, 'POST', '/products', PRODUCT)).body).toMatchObject({ type: 'Business_Logic_Error' });
    expect(await call(fake, 'GET', '/products/NOPE')).toMatchObject({ status: 404, body: { type: 'Resource_Not_Found', description: 'Resource not found.' } });
  });

  it('lists every problem of a bad product in notifications', async () => {
    const fake = await start();
    const res = await call(fake, 'POST', '/products', {
      ...PRODUCT,
      sku: '',
      brand: 'Naike',
      name: 'Tênis Naike Cor Avermelhado Masculino ou Feminino para esportes muito leve com apenas 100 gramas',
      gender: 'homem',
      flavor: 'Chocolate',
      height: '0,15',
      weight: -1,
      images: [{ url: '' }],
      video: 'www.netshoes.com',
      eanIsbn: '7891234567890',
      productType: 'Chuteira',
      description: undefined,
    });
    expect(res.status).toBe(400);
    expect(res.body.type).toBe('Parameter_Error');
    expect(res.body.notifications.map((n: string) => n.split(':')[0]).sort()).toEqual(
      ['sku', 'description', 'name', 'brand', 'gender', 'productType', 'color/flavor', 'height', 'weight', 'images[0].url', 'video', 'eanIsbn'].sort(),
    );
    expect(res.body.notifications).toContain('color/flavor: cannot set flavor and color on the same product');
    expect(res.body.notifications).toContainEqual(expect.stringMatching(/^name: size must be between 1 and 70 \(got 9\d\)$/));
    const neither = await call(fake, 'POST', '/products', { ...PRODUCT, color: undefined });
    expect(neither.body.notifications).toEqual(['color/flavor: one of color or flavor is required']);
    expect((await call(fake, 'POST', '/products', { ...PRODUCT, color: undefined, flavor: 'Baunilha' })).status).toBe(201);
    expect(fake.counters).toMatchObject({ rejected: 2, creates: 1 });
  });

  it('PUT replaces a product (sku must match the URL); the list pages from 0', async () => {
    const fake = await start();
    await call(fake, 'POST', '/products', PRODUCT);
    await call(fake, 'POST', '/products', { ...PRODUCT, sku: 'VTEX-43', size: '43' });
    expect((await call(fake, 'PUT', '/products/VTEX-42', { ...PRODUCT, name: 'Tênis Nike Revolution 6 Masculino' })).status).toBe(204);
    expect(fake.getProduct('VTEX-42')?.name).toBe('Tênis Nike Revolution 6 Masculino');
    expect((await call(fake, 'PUT', '/products/VTEX-42', { ...PRODUCT, sku: 'VTEX-43' })).body.notifications).toEqual([
      'sku: "VTEX-43" differs from the sku in the URL ("VTEX-42")',
    ]);
    expect((await call(fake, 'GET', '/products?page=0&size=1')).body.items.map((p: any) => p.sku)).toEqual(['VTEX-42']);
    expect((await call(fake, 'GET', '/products?page=1&size=1')).body.items.map((p: any) => p.sku)).toEqual(['VTEX-43']);
    expect((await call(fake, 'GET', '/products?page=2&size=1')).body.items).toEqual([]);
    expect((await call(fake, 'GET', '/products?size=101')).status).toBe(400);
    expect(fake.counters.updates).toBe(1);
  });

  it('sets prices and stocks, answers them, and the status reflects review, price and stock', async () => {
    const fake = await start();
    await call(fake, 'POST', '/products', PRODUCT);
    expect((await call(fake, 'GET', '/products/VTEX-42/prices')).status).toBe(404);
    expect((await call(fake, 'GET', '/products/VTEX-42/status')).body).toEqual({ status: 'INACTIVE', reviews: [] });
    expect((await call(fake, 'POST', '/products/VTEX-42/prices', { listPrice: 399.9, salePrice: 349.9 })).status).toBe(204);
    expect((await call(fake, 'POST', '/products/VTEX-42/prices', { listPrice: 1 })).body.type).toBe('Business_Logic_Error');
    expect((await call(fake, 'PUT', '/products/VTEX-42/prices', { salePrice: 299.9 })).status).toBe(204);
    expect((await call(fake, 'GET', '/products/VTEX-42/prices')).body).toEqual({
      listPrice: 399.9,
      salePrice: 299.9,
      links: [{ rel: 'self', href: '/api/v2/products/VTEX-42/prices' }],
    });
    expect((await call(fake, 'PUT', '/products/VTEX-42/prices', { salePrice: 499.9 })).body.notifications).toEqual([
      'salePrice: 499.9 is greater than listPrice 399.9',
    ]);
    expect((await call(fake, 'PUT', '/products/VTEX-42/prices', { listPrice: 0, salePrice: 'x' })).body.notifications).toHaveLength(2);

    expect((await call(fake, 'PUT', '/products/VTEX-42/stocks', { available: -5 })).body.notifications).toEqual([
      'available: must be an integer greater than or equal to 0',
    ]);
    expect((await call(fake, 'PUT', '/products/VTEX-42/stocks', { available: 12 })).status).toBe(204);
    expect((await call(fake, 'GET', '/products/VTEX-42/stocks')).body).toMatchObject({ available: 12 });
    expect((await call(fake, 'GET', '/products/VTEX-42/status')).body.status).toBe('ACTIVE');
    expect((await call(fake, 'PUT', '/products/VTEX-42/stocks', { available: 0 })).status).toBe(204);
    expect((await call(fake, 'GET', '/products/VTEX-42/status')).body.status).toBe('INACTIVE');
    expect(fake.counters).toMatchObject({ priceUpdates: 2, stockUpdates: 2, deactivations: 1 });
    expect((await call(fake, 'PUT', '/products/NOPE/stocks', { available: 1 })).status).toBe(404);
  });

  it('with manual review, products stay PENDING until approved or rejected (sandbox status endpoint too)', async () => {
    const fake = await start({ catalogReview: 'manual' });
    await call(fake, 'POST', '/products', PRODUCT);
    await call(fake, 'POST', '/products', { ...PRODUCT, sku: 'VTEX-43' });
    expect((await call(fake, 'GET', '/products/VTEX-42/status')).body).toEqual({ status: 'PENDING', reviews: [] });
    fake.reject('VTEX-42', ['Imagem com marca d’água']);
    expect((await call(fake, 'GET', '/products/VTEX-42/status')).body).toEqual({
      status: 'REJECTED',
      reviews: [{ message: 'Imagem com marca d’água', date: expect.any(String) }],
    });
    fake.approve('VTEX-42');
    expect((await call(fake, 'GET', '/products/VTEX-42/status')).body.status).toBe('INACTIVE');
    expect((await call(fake, 'PUT', '/products/VTEX-43/status', { status: 'APPROVED' })).body).toEqual({ status: 'INACTIVE', reviews: [] });
    expect((await call(fake, 'PUT', '/products/VTEX-43/status', { status: 'LIVE' })).status).toBe(400);
    const production = await start({ sandbox: false });
    expect((await call(production, 'PUT', '/products/X/status', { status: 'APPROVED' })).body.type).toBe('Method_Not_Allowed');
  });
});

describe('FakeNetshoes call plans and faults', () => {
  it('answers 429 with Retry-After past the plan’s calls per minute, until the next minute', async () => {
    let now = 0;
    const fake = await start({ callsPerMinute: 5, clock: () => now });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await call(fake, 'GET', '/products?page=0&size=1'));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers[5]!.headers.get('retry-after')).toBe('60');
    expect(answers[5]!.body).toEqual({ type: 'Too_Many_Requests', description: expect.any(String), notifications: [] });
    now = 45_500;
    expect((await call(fake, 'GET', '/products')).headers.get('retry-after')).toBe('15');
    now = 60_000;
    expect((await call(fake, 'GET', '/products')).status).toBe(200);
    expect(fake.counters).toMatchObject({ rateLimited: 2, maxObservedPerMinute: 5, maxObservedPerSecond: 5 });
  });

  it('defaults to the 50 calls/min starter plan', async () => {
    const fake = await start();
    const answers = await Promise.all(Array.from({ length: 52 }, () => call(fake, 'GET', '/products')));
    expect(answers.filter((a) => a.status === 429)).toHaveLength(2);
  });

  it('failNext and timeoutNext script the next answers', async () => {
    const fake = await start();
    fake.faults.failNext(1, 503);
    expect(await call(fake, 'POST', '/products', PRODUCT)).toMatchObject({ status: 503, body: { type: 'Internal_Architecture_Error' } });
    expect(fake.products.size).toBe(0);
    fake.faults.rateLimitNext(1, 30);
    expect((await call(fake, 'GET', '/products')).headers.get('retry-after')).toBe('30');
    const held = fake.faults.timeoutNext(1);
    const outcome = call(fake, 'POST', '/products', PRODUCT).then(
      () => 'answered',
      () => 'dropped',
    );
    await held;
    await fake.close();
    expect(await outcome).toBe('dropped');
    expect(fake.products.size).toBe(0);
  });
});
