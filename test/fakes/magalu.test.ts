import { afterEach, describe, expect, it } from 'vitest';
import { FakeMagalu, type FakeMagaluOptions, MAGALU_SCOPES } from './magalu/index.js';

const open: FakeMagalu[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(opts: FakeMagaluOptions = {}): Promise<FakeMagalu> {
  const fake = await FakeMagalu.start(opts);
  open.push(fake);
  return fake;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(fake: FakeMagalu, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(fake.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function refresh(fake: FakeMagalu, params: Record<string, string>, as: 'form' | 'json' = 'form'): Promise<Answer> {
  const res = await fetch(`${fake.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': as === 'form' ? 'application/x-www-form-urlencoded' : 'application/json' },
    body: as === 'form' ? new URLSearchParams(params).toString() : JSON.stringify(params),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

function grant(fake: FakeMagalu, refreshToken = fake.refreshToken): Record<string, string> {
  return { grant_type: 'refresh_token', client_id: fake.clientId, client_secret: fake.clientSecret, refresh_token: refreshToken };
}

function validSku(fake: FakeMagalu, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sku: 'VTEX-42',
    title: 'Tênis de Corrida Aurora Pro Azul Marinho 42',
    description: 'Tênis leve para corrida de rua.',
    brand: 'Aurora',
    condition: 'NEW',
    channels: [{ id: fake.channels[0] }],
    identifiers: [{ type: 'ean', value: '7891234567895' }],
    group: { id: 'VTEX-P-14', main_variation: true },
    images: [{ reference: 'https://img.example/1.jpg', type: 'image/jpeg' }],
    ...overrides,
  };
}

describe('FakeMagalu OAuth', () => {
  it('refresh grant issues JWT-shaped Bearer tokens with expiry and rotates the refresh token', async () => {
    const fake = await start({ initialRefreshToken: 'initial-refresh' });
    const first = await refresh(fake, grant(fake));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      access_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      token_type: 'Bearer',
      expires_in: 7200,
      refresh_token: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      scope: expect.stringContaining(MAGALU_SCOPES.skusWrite),
      created_at: expect.any(Number),
    });
    const payload = JSON.parse(Buffer.from(first.body.access_token.split('.')[1], 'base64url').toString());
    expect(payload).toMatchObject({ iss: 'https://id.magalu.com', sub: fake.tenantId, typ: 'access' });
    expect(payload.exp - payload.iat).toBe(7200);
    expect(fake.refreshToken).toBe(first.body.refresh_token);

    const reused = await refresh(fake, grant(fake, 'initial-refresh'));
    expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant', error_description: expect.any(String) } });

    const second = await refresh(fake, grant(fake), 'json');
    expect(second.status).toBe(200);
    expect((await call(fake, 'GET', '/seller/v1/portfolios/me', second.body.access_token)).status).toBe(200);
    expect(fake.counters.tokenRefreshes).toBe(2);
  });

  it('refuses a wrong client, missing parameters and other grants without burning the refresh token', async () => {
    const fake = await start();
    expect((await refresh(fake, { ...grant(fake), client_secret: 'nope' })).body.error).toBe('invalid_client');
    const missing = await refresh(fake, { grant_type: 'refresh_token', client_id: fake.clientId });
    expect(missing).toMatchObject({ status: 400, body: { error: 'invalid_request', error_description: 'Missing parameters: client_secret, refresh_token' } });
    expect((await refresh(fake, { ...grant(fake), grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    expect((await refresh(fake, grant(fake))).status).toBe(200);
  });

  it('401s without a token, with a forged or expired one; refresh then works again', async () => {
    const fake = await start();
    const UNAUTHORIZED = { slug: 'UNAUTHORIZED', message: 'Unauthorized' };
    expect(await call(fake, 'GET', '/seller/v1/portfolios/skus')).toMatchObject({ status: 401, body: UNAUTHORIZED });
    expect((await call(fake, 'GET', '/seller/v1/portfolios/skus', 'a.b.c')).status).toBe(401);
    const token = fake.issueAccessToken();
    expect((await call(fake, 'GET', '/seller/v1/portfolios/skus', token)).status).toBe(200);
    fake.expireAccessTokens();
    expect(await call(fake, 'POST', '/seller/v1/portfolios/skus', token, validSku(fake))).toMatchObject({ status: 401, body: UNAUTHORIZED });
    expect(fake.skus.size).toBe(0);
    const renewed = await refresh(fake, grant(fake));
    expect((await call(fake, 'GET', '/seller/v1/portfolios/skus', renewed.body.access_token)).status).toBe(200);
    expect(fake.counters.unauthorized).toBe(3);
  });

  it('access tokens die after accessTokenTtlSeconds; a token without the route scope gets 403', async () => {
    const short = await start({ accessTokenTtlSeconds: 0 });
    expect((await call(short, 'GET', '/seller/v1/portfolios/me', short.issueAccessToken())).status).toBe(401);
    const fake = await start();
    const readOnly = fake.issueAccessToken([MAGALU_SCOPES.skusRead]);
    const res = await call(fake, 'POST', '/seller/v1/portfolios/skus', readOnly, validSku(fake));
    expect(res).toMatchObject({ status: 403, body: { slug: 'FORBIDDEN', details: [expect.objectContaining({ slug: 'MISSING_SCOPE' })] } });
    expect(fake.counters.forbidden).toBe(1);
  });
});

describe('FakeMagalu portfolio', () => {
  it('creates a SKU (202 + trace_id) and answers it by code and in the paged list', async () => {
    const fake = await start();
    const token = fake.issueAccessToken();
    const created = await call(fake, 'POST', '/seller/v1/portfolios/skus', token, validSku(fake));
    expect(created).toMatchObject({ status: 202, body: { trace_id: expect.any(String) } });
    expect(fake.getSku('VTEX-42')).toMatchObject({ title: 'Tênis de Corrida Aurora Pro Azul Marinho 42', active: true, status: 'PUBLISHED', has_ean: true });
    const got = await call(fake, 'GET', '/seller/v1/portfolios/skus/VTEX-42', token);
    expect(got.body).toMatchObject({
      sku: 'VTEX-42',
      brand: 'Aurora',
      channels: [{ id: fake.channels[0] }],
      identifiers: [{ type: 'ean', value: '7891234567895' }],
      group: { id: 'VTEX-P-14', main_variation: true },
      images: [{ reference: 'https://img.example/1.jpg', type: 'image/jpeg' }],
      url_marketplace: [{ channel: fake.channels[0], url: expect.stringContaining('magazineluiza.com.br') }],
    });
    for (let i = 0; i < 4; i++) await call(fake, 'POST', '/seller/v1/portfolios/skus', token, validSku(fake, { sku: `S-${i}` }));
    const first = await call(fake, 'GET', '/seller/v1/portfolios/skus?_limit=2&_offset=0', token);
    expect(first.body.meta).toEqual({
      page: { limit: 2, offset: 0, count: 5, max_limit: 100 },
      links: {
        previous: '/seller/v1/portfolios/skus?_limit=2&_offset=0',
        self: '/seller/v1/portfolios/skus?_limit=2&_offset=0',
        next: '/seller/v1/portfolios/skus?_limit=2&_offset=2',
      },
    });
    const last = await call(fake, 'GET', '/seller/v1/portfolios/skus?_limit=2&_offset=4', token);
    expect(last.body.results.map((s: any) => s.sku)).toHaveLength(1);
    expect(last.body.meta.links.next).toBeUndefined();
    expect((await call(fake, 'GET', '/seller/v1/portfolios/skus?_limit=101', token)).body).toMatchObject({
      slug: 'BAD_REQUEST',
      details: [{ field: '_limit', location: 'query', slug: 'INVALID_PARAMETER', message: expect.any(String) }],
    });
    expect((await call(fake, 'POST', '/seller/v1/portfolios/skus', token, validSku(fake))).body).toMatchObject({
      slug: 'CONFLICT',
      details: [expect.objectContaining({ slug: 'ENTITY_WITH_SAME_KEY_ALREADY_EXISTS' })],
    });
    expect(fake.counters).toMatchObject({ creates: 5, rejected: 2 });
  });

  it('lists every validation problem at once, in Magalu’s error shape', async () => {
    const fake = await start();
    const token = fake.issueAccessToken();
    const res = await call(fake, 'POST', '/seller/v1/portfolios/skus', token, {
      sku: 'x'.repeat(51),
      title: 't'.repeat(151),
      description: '',
      channels: [{ id: '00000000-0000-4000-8000-000000000000' }],
      identifiers: [
        { type: 'ean', value: '7891234567890' },
        { type: 'gtin', value: '12' },
      ],
      condition: 'BROKEN',
    });
    expect(res.status).toBe(422);
    expect(res.body.slug).toBe('UNPROCESSABLE_ENTITY');
    expect(res.body.message).toBe('Unprocessable entity');
    expect(res.body.details.map((d: any) => d.field).sort()).toEqual(
      ['sku', 'title', 'description', 'brand', 'channels.0.id', 'identifiers.0.value', 'identifiers.1.type', 'identifiers.1.value', 'condition'].sort(),
    );
    expect(res.body.details).toContainEqual({
      field: 'title',
      location: 'body',
      slug: 'INVALID_PARAMETER_VALUE',
      message: 'String should have at most 150 characters',
    });
    expect(res.body.details).toContainEqual({ field: 'brand', location: 'body', slug: 'MISSING_REQUIRED_FIELD', message: 'Field required' });
    expect(res.body.details).toContainEqual(expect.objectContaining({ field: 'identifiers.0.value', message: 'Invalid EAN 7891234567890: wrong check digit' }));
    const empty = await call(fake, 'POST', '/seller/v1/portfolios/skus', token, {});
    expect(empty.body.details.map((d: any) => d.field)).toEqual(['sku', 'title', 'description', 'brand', 'channels', 'identifiers']);
    const malformed = await fetch(`${fake.url}/seller/v1/portfolios/skus`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '{' });
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).slug).toBe('BAD_REQUEST');
    expect(fake.counters).toMatchObject({ rejected: 3, creates: 0 });
    expect(fake.skus.size).toBe(0);
  });

  it('sets prices in cents per channel (PUT upserts, POST creates, PATCH updates) and answers them', async () => {
    const fake = await start();
    const token = fake.issueAccessToken();
    await call(fake, 'POST', '/seller/v1/portfolios/skus', token, validSku(fake));
    const price = { channel: { id: fake.channels[0] }, currency: 'BRL', price: 29990, list_price: 34990, normalizer: 100 };
    expect((await call(fake, 'PATCH', '/seller/v1/portfolios/prices/VTEX-42', token, price)).status).toBe(404);
    expect(await call(fake, 'PUT', '/seller/v1/portfolios/prices/VTEX-42', token, price)).toMatchObject({
      status: 202,
      body: { trace_id: expect.any(String) },
    });
    expect((await call(fake, 'POST', '/seller/v1/portfolios/prices/VTEX-42', token, price)).body.details[0].slug).toBe('PRICE_ALREADY_EXISTS');
    expect((await call(fake, 'PATCH', '/seller/v1/portfolios/prices/VTEX-42', token, { ...price, price: 27990 })).status).toBe(202);
    expect(fake.getPrice('VTEX-42')).toMatchObject({ price: 27990, list_price: 34990, currency: 'BRL', normalizer: 100 });
    const got = await call(fake, 'GET', '/seller/v1/portfolios/prices/VTEX-42', token);
    expect(got.body.results).toEqual([expect.objectContaining({ sku: 'VTEX-42', channel: { id: fake.channels[0] }, price: 27990, list_price: 34990 })]);
    expect((await call(fake, 'PUT', '/seller/v1/portfolios/prices/NOPE', token, price)).status).toBe(404);
    expect(fake.counters.priceUpdates).toBe(2);
  });

  it('rejects prices in reais, without BRL, below zero or with list_price under price — all problems together', async () => {
    const fake = await start();
    const token = fake.issueAccessToken();
    await call(fake, 'POST', '/seller/v1/portfolios/skus', token, validSku(fake));
    const res = await call(fake, 'PUT', '/seller/v1/portfolios/prices/VTEX-42', token, {
      channel: { id: 'not-a-uuid' },
      price: 299.9,
      list_price: 0,
      normalizer: 1,
    });
    expect(res.status).toBe(422);
    expect(res.body.details.map((d: any) => d.field).sort()).toEqual(['channel.id', 'currency', 'list_price', 'normalizer', 'price'].sort());
    const inverted = await call(fake, 'PUT', '/seller/v1/portfolios/prices/VTEX-42', token, {
      channel: { id: fake.channels[0] },
      currency: 'BRL',
      price: 500,
      list_price: 400,
    });
    expect(inverted.body.details).toEqual([expect.objectContaining({ field: 'list_price' })]);
    expect(fake.getPrice('VTEX-42')).toBeUndefined();
  });

  it('sets stock ({quantity, type: AVAILABLE} → 202), deactivates with PATCH active:false, and reads both back', async () => {
    const fake = await start();
    const token = fake.issueAccessToken();
    await call(fake, 'POST', '/seller/v1/portfolios/skus', token, validSku(fake));
    expect((await call(fake, 'PUT', '/seller/v1/portfolios/stocks/VTEX-42', token, { quantity: 7 })).body.details).toEqual([
      expect.objectContaining({ field: 'type', message: 'Field required' }),
    ]);
    expect((await call(fake, 'PUT', '/seller/v1/portfolios/stocks/VTEX-42', token, { quantity: -1, type: 'RESERVED' })).body.details).toHaveLength(2);
    expect(
      (await call(fake, 'PUT', '/seller/v1/portfolios/stocks/VTEX-42', token, { channel: { id: fake.channels[0] }, quantity: 7, type: 'AVAILABLE' })).status,
    ).toBe(202);
    expect(fake.getStock('VTEX-42')?.quantity).toBe(7);
    const stock = await call(fake, 'GET', '/seller/v1/portfolios/stocks/VTEX-42', token);
    expect(stock.body.results).toEqual([expect.objectContaining({ sku: 'VTEX-42', quantity: 7, type: 'AVAILABLE', channel: { id: fake.channels[0] } })]);

    expect((await call(fake, 'PATCH', '/seller/v1/portfolios/skus/VTEX-42', token, { active: false })).status).toBe(202);
    expect((await call(fake, 'GET', '/seller/v1/portfolios/skus/VTEX-42', token)).body).toMatchObject({ active: false, status: 'UNPUBLISHED' });
    expect((await call(fake, 'PATCH', '/seller/v1/portfolios/skus/VTEX-42', token, { sku: 'OTHER', title: '' })).body.details).toHaveLength(2);
    expect(fake.counters).toMatchObject({ stockUpdates: 1, deactivations: 1, updates: 1 });
  });
});

describe('FakeMagalu rate limit and faults', () => {
  it('answers 429 with Retry-After past the bucket and records the peak rates', async () => {
    let now = 0;
    const fake = await start({ rateLimit: { perSecond: 2, burst: 3 }, clock: () => now });
    const token = fake.issueAccessToken();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await call(fake, 'GET', '/seller/v1/portfolios/me', token));
    expect(statuses.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(statuses[3]!.headers.get('retry-after')).toBe('1');
    expect(statuses[3]!.body).toEqual({ slug: 'TOO_MANY_REQUESTS', message: 'You have sent too many requests in a given amount of time' });
    now = 500; // one token refilled
    expect((await call(fake, 'GET', '/seller/v1/portfolios/me', token)).status).toBe(200);
    expect((await call(fake, 'GET', '/seller/v1/portfolios/me', token)).status).toBe(429);
    expect(fake.counters).toMatchObject({ rateLimited: 3, maxObservedPerSecond: 4, maxObservedPerMinute: 4 });
    fake.resetCounters();
    expect(fake.counters).toMatchObject({ maxObservedPerSecond: 0, rateLimited: 0, requests: 0 });
  });

  it('a fixed Retry-After can be configured', async () => {
    const fake = await start({ rateLimit: { perSecond: 1, retryAfterSeconds: 9 }, clock: () => 0 });
    const token = fake.issueAccessToken();
    await call(fake, 'GET', '/seller/v1/portfolios/me', token);
    expect((await call(fake, 'GET', '/seller/v1/portfolios/me', token)).headers.get('retry-after')).toBe('9');
  });

  it('failNext, rateLimitNext and timeoutNext script the next answers', async () => {
    const fake = await start({ rateLimit: false });
    const token = fake.issueAccessToken();
    fake.faults.failNext(1, 500);
    expect(await call(fake, 'POST', '/seller/v1/portfolios/skus', token, validSku(fake))).toMatchObject({ status: 500, body: { slug: 'SERVER_ERROR' } });
    expect(fake.skus.size).toBe(0);
    fake.faults.rateLimitNext(1, 7);
    const limited = await call(fake, 'GET', '/seller/v1/portfolios/me', token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    const held = fake.faults.timeoutNext(1);
    const outcome = fetch(`${fake.url}/seller/v1/portfolios/me`, { headers: { authorization: `Bearer ${token}` } }).then(
      () => 'answered',
      () => 'dropped',
    );
    await held;
    await fake.close();
    expect(await outcome).toBe('dropped');
  });
});
