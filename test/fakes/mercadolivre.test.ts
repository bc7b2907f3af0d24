import { afterEach, describe, expect, it } from 'vitest';
import { FakeMercadoLivre, type FakeMercadoLivreOptions } from './mercadolivre/index.js';

const open: FakeMercadoLivre[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(opts: FakeMercadoLivreOptions = {}): Promise<FakeMercadoLivre> {
  const ml = await FakeMercadoLivre.start(opts);
  open.push(ml);
  return ml;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(ml: FakeMercadoLivre, method: string, path: string, token?: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(ml.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function refresh(ml: FakeMercadoLivre, params: Record<string, string>, as: 'form' | 'json' = 'form'): Promise<Answer> {
  const res = await fetch(`${ml.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': as === 'form' ? 'application/x-www-form-urlencoded' : 'application/json', accept: 'application/json' },
    body: as === 'form' ? new URLSearchParams(params).toString() : JSON.stringify(params),
  });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

function grant(ml: FakeMercadoLivre, refreshToken = ml.refreshToken): Record<string, string> {
  return { grant_type: 'refresh_token', client_id: ml.clientId, client_secret: ml.clientSecret, refresh_token: refreshToken };
}

const VALID_ITEM = {
  title: 'Tênis de Corrida Aurora Pro Azul Marinho 42',
  category_id: 'MLB23332',
  price: 349.9,
  currency_id: 'BRL',
  available_quantity: 10,
  buying_mode: 'buy_it_now',
  listing_type_id: 'gold_special',
  condition: 'new',
  pictures: [{ source: 'https://fakestore.vteximg.com.br/arquivos/ids/10/tenis-1.jpg' }],
  attributes: [
    { id: 'BRAND', value_name: 'Aurora' },
    { id: 'SELLER_SKU', value_name: '42' },
  ],
};

async function created(ml: FakeMercadoLivre, token: string, overrides: Record<string, unknown> = {}): Promise<any> {
  const res = await call(ml, 'POST', '/items', token, { ...VALID_ITEM, ...overrides });
  expect(res.status).toBe(201);
  return res.body;
}

describe('FakeMercadoLivre OAuth', () => {
  it('rotates the refresh token: each one works once, the old one is then invalid_grant', async () => {
    const ml = await start({ initialRefreshToken: 'TG-initial' });
    expect(ml.refreshToken).toBe('TG-initial');
    const first = await refresh(ml, grant(ml));
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      access_token: expect.stringMatching(/^APP_USR-/),
      token_type: 'Bearer',
      expires_in: 21600,
      scope: expect.any(String),
      user_id: ml.userId,
      refresh_token: expect.stringMatching(/^TG-/),
    });
    expect(first.body.refresh_token).not.toBe('TG-initial');
    expect(ml.refreshToken).toBe(first.body.refresh_token);

    const reused = await refresh(ml, grant(ml, 'TG-initial'));
    expect(reused.status).toBe(400);
    expect(reused.body).toEqual({
      error: 'invalid_grant',
      message: 'Error validating grant. Your authorization code or refresh token may be expired or it was already used',
      status: 400,
      cause: [],
    });

    const second = await refresh(ml, grant(ml, first.body.refresh_token), 'json');
    expect(second.status).toBe(200);
    expect((await call(ml, 'GET', '/items?ids=MLB1', second.body.access_token)).status).toBe(200);
    expect(ml.counters.tokenRefreshes).toBe(2);
  });

  it('rejects a wrong client (invalid_client) and missing parameters (invalid_request)', async () => {
    const ml = await start();
    const wrong = await refresh(ml, { ...grant(ml), client_secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe('invalid_client');
    const missing = await refresh(ml, { grant_type: 'refresh_token', client_id: ml.clientId });
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: 'invalid_request', message: expect.stringContaining('client_secret, refresh_token') });
    expect((await refresh(ml, { ...grant(ml), grant_type: 'password' })).body.error).toBe('unsupported_grant_type');
    expect(ml.counters.tokenRefreshes).toBe(0);
    expect((await refresh(ml, grant(ml))).status).toBe(200); // failed attempts do not burn the refresh token
  });
});

describe('FakeMercadoLivre bearer auth', () => {
  const UNAUTHORIZED = { message: 'invalid access token', error: 'unauthorized', status: 401, cause: [] };

  it('401s without a valid token, and once tokens are expired', async () => {
    const ml = await start();
    expect(await call(ml, 'GET', '/items/MLB1')).toMatchObject({ status: 401, body: UNAUTHORIZED });
    expect((await call(ml, 'GET', '/items/MLB1', 'APP_USR-forged')).status).toBe(401);
    const token = ml.issueAccessToken();
    expect((await call(ml, 'GET', '/items/MLB1', token)).status).toBe(404);
    ml.expireAccessTokens();
    expect(await call(ml, 'POST', '/items', token, VALID_ITEM)).toMatchObject({ status: 401, body: UNAUTHORIZED });
    expect(ml.counters.unauthorized).toBe(3);
    expect(ml.items.size).toBe(0);
  });

  it('access tokens expire after accessTokenTtlSeconds', async () => {
    const ml = await start({ accessTokenTtlSeconds: 0 });
    expect((await call(ml, 'GET', '/items/MLB1', ml.issueAccessToken())).status).toBe(401);
  });
});

describe('FakeMercadoLivre items', () => {
  it('creates an item in ML’s shape', async () => {
    const ml = await start();
    const item = await created(ml, ml.issueAccessToken(), { seller_custom_field: '42' });
    expect(item).toMatchObject({
      id: expect.stringMatching(/^MLB\d{10}$/),
      site_id: 'MLB',
      title: VALID_ITEM.title,
      seller_id: ml.userId,
      category_id: 'MLB23332',
      price: 349.9,
      base_price: 349.9,
      currency_id: 'BRL',
      initial_quantity: 10,
      available_quantity: 10,
      sold_quantity: 0,
      buying_mode: 'buy_it_now',
      listing_type_id: 'gold_special',
      condition: 'new',
      permalink: expect.stringMatching(/^https:\/\/produto\.mercadolivre\.com\.br\/MLB-\d{10}-/),
      status: 'active',
      seller_custom_field: '42',
      attributes: expect.arrayContaining([{ id: 'SELLER_SKU', value_id: null, value_name: '42' }]),
    });
    expect(item.pictures[0].url).toBe(VALID_ITEM.pictures[0]!.source);
    expect(Date.parse(item.date_created)).not.toBeNaN();
    expect(ml.items.get(item.id)).toEqual(item);
    expect(ml.getItemBySellerSku('42')?.id).toBe(item.id);
    expect(ml.counters.creates).toBe(1);
  });

  it('lists every validation problem at once', async () => {
    const ml = await start();
    const res = await call(ml, 'POST', '/items', ml.issueAccessToken(), {
      title: 'x'.repeat(61),
      category_id: 'Tênis',
      price: 0,
      currency_id: 'USD',
      available_quantity: -1,
      buying_mode: 'haggle',
      listing_type_id: 'platinum',
      condition: 'refurbished',
      pictures: Array.from({ length: 11 }, (_, i) => ({ source: `https://img.example/${i}.jpg` })),
      attributes: [{ value_name: 'no id' }],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ message: 'Validation error', error: 'validation_error', status: 400 });
    expect(res.body.cause.map((c: any) => c.code).sort()).toEqual(
      [
        'item.title.length.invalid',
        'item.category_id.invalid',
        'item.price.invalid',
        'item.currency_id.invalid',
        'item.available_quantity.invalid',
        'item.buying_mode.invalid',
        'item.listing_type_id.invalid',
        'item.condition.invalid',
        'item.pictures.max',
        'item.attributes.invalid',
      ].sort(),
    );
    expect(res.body.cause).toContainEqual({
      department: 'items',
      cause_id: expect.any(Number),
      type: 'error',
      code: 'item.title.length.invalid',
      references: ['item.title'],
      message: 'Title length must be 60 characters or less',
    });
    const empty = await call(ml, 'POST', '/items', ml.issueAccessToken(), {});
    expect(empty.body.cause).toHaveLength(8);
    expect(empty.body.cause.every((c: any) => c.code.endsWith('.required'))).toBe(true);
    expect(ml.counters).toMatchObject({ rejected: 2, creates: 0 });
    expect(ml.items.size).toBe(0);
  });

  it('updates stock, price and status; ML pauses at zero stock and reactivates on restock', async () => {
    const ml = await start();
    const token = ml.issueAccessToken();
    const { id } = await created(ml, token);
    const updated = await call(ml, 'PUT', `/items/${id}`, token, { price: 299.9, available_quantity: 0 });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ price: 299.9, base_price: 299.9, available_quantity: 0, status: 'paused', sub_status: ['out_of_stock'] });
    expect((await call(ml, 'PUT', `/items/${id}`, token, { available_quantity: 4 })).body).toMatchObject({ status: 'active', sub_status: [] });
    expect((await call(ml, 'PUT', `/items/${id}`, token, { status: 'paused' })).body.status).toBe('paused');
    expect((await call(ml, 'PUT', `/items/${id}`, token, { available_quantity: 1.5, status: 'gone' })).body.cause).toHaveLength(2);
    expect((await call(ml, 'PUT', `/items/${id}`, token, { currency_id: 'BRL' })).body.cause[0].code).toBe('item.field.not_modifiable');
    expect(ml.counters.updates).toBe(3);
  });

  it('refuses a new title once the item has sold', async () => {
    const ml = await start();
    const token = ml.issueAccessToken();
    const { id } = await created(ml, token);
    expect((await call(ml, 'PUT', `/items/${id}`, token, { title: 'Tênis Aurora Pro' })).status).toBe(200);
    ml.sell(id, 2);
    expect(ml.items.get(id)).toMatchObject({ sold_quantity: 2, available_quantity: 8 });
    const res = await call(ml, 'PUT', `/items/${id}`, token, { title: 'Tênis Aurora Pro 2' });
    expect(res.status).toBe(400);
    expect(res.body.cause).toEqual([expect.objectContaining({ code: 'item.title.not_modifiable', references: ['item.title'] })]);
    expect((await call(ml, 'PUT', `/items/${id}`, token, { title: 'Tênis Aurora Pro', price: 10 })).status).toBe(200); // unchanged title is fine
  });

  it('deletes only closed items, and never reopens them', async () => {
    const ml = await start();
    const token = ml.issueAccessToken();
    const { id } = await created(ml, token);
    const early = await call(ml, 'PUT', `/items/${id}`, token, { deleted: 'true' });
    expect(early.status).toBe(400);
    expect(early.body.cause[0].code).toBe('item.deleted.not_allowed');
    expect((await call(ml, 'PUT', `/items/${id}`, token, { status: 'closed' })).body.status).toBe('closed');
    expect((await call(ml, 'PUT', `/items/${id}`, token, { status: 'active' })).body.cause[0].code).toBe('item.status.not_modifiable');
    expect((await call(ml, 'PUT', `/items/${id}`, token, { price: 1 })).status).toBe(400);
    const deleted = await call(ml, 'PUT', `/items/${id}`, token, { deleted: 'true' });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ status: 'closed', sub_status: ['deleted'] });
  });

  it('404s unknown items in ML’s shape', async () => {
    const ml = await start();
    const res = await call(ml, 'PUT', '/items/MLB9999999999', ml.issueAccessToken(), { price: 1 });
    expect(res).toMatchObject({ status: 404, body: { message: 'Item with id MLB9999999999 not found', error: 'not_found', status: 404, cause: [] } });
  });

  it('multiget answers {code, body} per id, at most 20 ids', async () => {
    const ml = await start();
    const token = ml.issueAccessToken();
    const { id } = await created(ml, token);
    const res = await call(ml, 'GET', `/items?ids=${id},MLB0000000000`, token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { code: 200, body: expect.objectContaining({ id }) },
      { code: 404, body: expect.objectContaining({ error: 'not_found', status: 404 }) },
    ]);
    const ids = Array.from({ length: 21 }, (_, i) => `MLB${i}`).join(',');
    expect((await call(ml, 'GET', `/items?ids=${ids}`, token)).status).toBe(400);
    expect((await call(ml, 'GET', `/items/${id}`, token)).body.id).toBe(id);
    expect(ml.counters.gets).toBe(2);
  });
});

describe('FakeMercadoLivre rate limits and faults', () => {
  it('answers 429 with Retry-After past the bucket, and records the peak rate', async () => {
    const ml = await start({ rateLimit: { perSecond: 2, burst: 3 } });
    const token = ml.issueAccessToken();
    const answers = await Promise.all(Array.from({ length: 8 }, () => call(ml, 'GET', '/items/MLB1', token)));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(4); // 3 in the bucket, +1 per 500 ms of test time
    for (const a of limited) {
      expect(Number(a.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(a.body).toEqual({ message: 'Too many requests', error: 'too_many_requests', status: 429, cause: [] });
    }
    expect(ml.counters.rateLimited).toBe(limited.length);
    expect(ml.counters.maxObservedPerSecond).toBe(8 - limited.length);
    ml.resetCounters();
    expect(ml.counters.maxObservedPerSecond).toBe(0);
  });

  it('uses the configured Retry-After, and rateLimitNext forces 429s', async () => {
    const ml = await start({ rateLimit: { perSecond: 1, burst: 1, retryAfterSeconds: 9 } });
    const token = ml.issueAccessToken();
    await call(ml, 'GET', '/items/MLB1', token);
    expect((await call(ml, 'GET', '/items/MLB1', token)).headers.get('retry-after')).toBe('9');
    ml.faults.rateLimitNext(1, 4);
    const forced = await call(ml, 'POST', '/oauth/token');
    expect(forced.status).toBe(429);
    expect(forced.headers.get('retry-after')).toBe('4');
  });

  it('failNext answers ML’s 500', async () => {
    const ml = await start();
    const token = ml.issueAccessToken();
    ml.faults.failNext(1, 500);
    expect(await call(ml, 'POST', '/items', token, VALID_ITEM)).toMatchObject({
      status: 500,
      body: { message: 'Internal server error', error: 'internal_error', status: 500 },
    });
    expect(ml.items.size).toBe(0);
    expect((await call(ml, 'POST', '/items', token, VALID_ITEM)).status).toBe(201);
  });

  it('timeoutNext holds requests unanswered until close() releases them', async () => {
    const ml = await start();
    const token = ml.issueAccessToken();
    const held = ml.faults.timeoutNext(2);
    const outcomes = [0, 1].map(() =>
      fetch(`${ml.url}/items`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(VALID_ITEM) }).then(
        () => 'answered',
        () => 'dropped',
      ),
    );
    await held;
    expect(ml.counters.requests).toBe(2);
    await ml.close();
    expect(await Promise.all(outcomes)).toEqual(['dropped', 'dropped']);
    expect(ml.items.size).toBe(0);
  });
});
