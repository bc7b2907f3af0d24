import { XMLParser } from 'fast-xml-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { canonicalQuery, FakeDafiti, type FakeDafitiOptions, sellerCenterSignature, signedQuery } from './dafiti/index.js';

const open: FakeDafiti[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** Frozen marketplace clock: feeds move only when the test advances it. */
async function start(opts: FakeDafitiOptions = {}): Promise<FakeDafiti> {
  const dafiti = await FakeDafiti.start({ timeScale: 0, ...opts });
  open.push(dafiti);
  return dafiti;
}

/** ISO-8601 with an explicit offset, as SellerCenter wants it. */
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00');

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function call(d: FakeDafiti, action: string, extra: Record<string, string> = {}, xml?: string, over: { format?: 'JSON' | 'XML'; key?: string; params?: Record<string, string> } = {}): Promise<Answer> {
  const params: Record<string, string> = { Action: action, UserID: d.userId, Version: '1.0', Timestamp: now(), Format: over.format ?? 'JSON', ...extra, ...over.params };
  const query = signedQuery(params, over.key ?? d.apiKey);
  const res = await fetch(`${d.url}/?${query}`, { method: xml === undefined ? 'GET' : 'POST', headers: xml === undefined ? {} : { 'content-type': 'text/xml' }, body: xml });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: (over.format ?? 'JSON') === 'JSON' ? JSON.parse(text) : text };
}

const productXml = (products: Record<string, string | Record<string, string>>[], element = 'Product') =>
  `<?xml version="1.0" encoding="UTF-8" ?>\n<Request>${products
    .map((p) => `<${element}>${Object.entries(p).map(([k, v]) => (typeof v === 'string' ? `<${k}>${v}</${k}>` : `<${k}>${Object.entries(v).map(([ik, iv]) => `<${ik}>${iv}</${ik}>`).join('')}</${k}>`)).join('')}</${element}>`)
    .join('')}</Request>`;

function product(sku: string, over: Record<string, string> = {}): Record<string, string | Record<string, string>> {
  return {
    SellerSku: sku,
    Status: 'active',
    Name: `Tênis Aurora ${sku}`,
    PrimaryCategory: '1001',
    Description: 'Tênis de corrida leve',
    Brand: 'Aurora',
    Price: '349.90',
    ProductId: '7891234567895',
    Quantity: '10',
    ProductData: { Gender: 'Unissex' },
    ...over,
  };
}

/** Submits, advances through Queued (30 s) and Processing (60 s), and returns the finished FeedDetail. */
async function runFeed(d: FakeDafiti, action: string, xml: string): Promise<any> {
  const res = await call(d, action, {}, xml);
  expect(res.body.SuccessResponse?.Head.RequestAction).toBe(action);
  const feedId = res.body.SuccessResponse.Head.RequestId;
  d.clock.advance(90_000);
  return (await call(d, 'FeedStatus', { FeedID: feedId })).body.SuccessResponse.Body.FeedDetail;
}

describe('SellerCenter request signing', () => {
  it('matches the known vector of a public SellerCenter client', () => {
    const key = 'b1bdb357ced10fe4e9a69840cdd4f0e9c03d77fe';
    const params = { Action: 'FeedStatus', Format: 'JSON', Timestamp: '2015-07-01T11:11:11+00:00', UserID: 'look@me.com', Version: '1.0' };
    expect(canonicalQuery(params)).toBe('Action=FeedStatus&Format=JSON&Timestamp=2015-07-01T11%3A11%3A11%2B00%3A00&UserID=look%40me.com&Version=1.0');
    expect(sellerCenterSignature(params, key)).toBe('3bd6b0a4f47ec743b18b182cc53ef13226a6a3cea18127923eb77e13c9dc302d');
    expect(sellerCenterSignature({ ...params, Action: 'ProductUpdate' }, key)).toBe('e601cd399a0a2b27cc214e489f115ef9d2ae0e9b735813fb6062f9766d17579e');
    expect(canonicalQuery({ B: "a b!'()*~", A: 'x' })).toBe('A=x&B=a%20b%21%27%28%29%2A~');
  });

  it('the fake accepts that exact signed URL (with its 2015 timestamp allowed) and answers FeedList', async () => {
    const d = await start({ userId: 'look@me.com', apiKey: 'b1bdb357ced10fe4e9a69840cdd4f0e9c03d77fe', timestampToleranceMs: Number.POSITIVE_INFINITY });
    const url = `${d.url}/?Action=Feedlist&Format=JSON&Signature=0b5bbfd36b672577e04c5b0f1b33c70ac10c585d8c08339f782fcb501b529d68&Timestamp=2015-07-01T11%3A11%3A11%2B00%3A00&UserID=look@me.com&Version=1.0`;
    const body = await (await fetch(url)).json();
    expect(body.SuccessResponse.Head).toMatchObject({ RequestAction: 'FeedList', ResponseType: 'Feed' });
  });

  it('refuses unsigned, mis-signed, stale or malformed calls with ErrorResponse (E001–E008), in JSON and XML', async () => {
    const d = await start();
    const errorOf = (a: Answer) => [a.body.ErrorResponse.Head.ErrorCode, a.body.ErrorResponse.Head.ErrorMessage];
    expect(errorOf(await call(d, 'GetProducts', {}, undefined, { key: 'wrong-key' }))).toEqual(['7', 'E007: Login failed. Signature mismatching']);
    expect(errorOf(await call(d, 'GetProducts', {}, undefined, { params: { UserID: 'outro@loja.com' } }))).toEqual(['7', 'E007: Login failed. Signature mismatching']);
    expect(errorOf(await call(d, 'GetProducts', {}, undefined, { params: { Timestamp: '2015-07-01T11:11:11+00:00' } }))).toEqual(['3', 'E003: Timestamp has expired']);
    expect(errorOf(await call(d, 'GetProducts', {}, undefined, { params: { Timestamp: '01/07/2015 11:11' } }))).toEqual(['4', 'E004: Invalid Timestamp format']);
    expect(errorOf(await call(d, 'GetProducts', {}, undefined, { params: { Version: '2.0' } }))).toEqual(['2', 'E002: Invalid Version']);
    expect(errorOf(await call(d, 'Teleport'))).toEqual(['8', 'E008: Invalid Action']);
    const unsigned = await (await fetch(`${d.url}/?Action=GetProducts&UserID=${encodeURIComponent(d.userId)}&Version=1.0&Timestamp=${encodeURIComponent(now())}&Format=JSON`)).json();
    expect(unsigned.ErrorResponse.Head).toEqual({ RequestAction: 'GetProducts', ErrorType: 'Sender', ErrorCode: '1', ErrorMessage: 'E001: Parameter Signature is mandatory' });

    const xml = await call(d, 'GetProducts', {}, undefined, { key: 'wrong-key', format: 'XML' });
    expect(xml.status).toBe(200); // SellerCenter reports errors in the body
    expect(xml.headers.get('content-type')).toMatch(/^text\/xml/);
    const parsed = new XMLParser({ parseTagValue: false }).parse(xml.body);
    expect(parsed.ErrorResponse.Head).toMatchObject({ ErrorType: 'Sender', ErrorCode: '7', ErrorMessage: 'E007: Login failed. Signature mismatching' });
    expect(d.counters.rejectedAuth).toBe(8);
  });
});

describe('FakeDafiti feeds', () => {
  it('ProductCreate answers a FeedId, the feed goes Queued → Processing → Finished with per-record FeedErrors', async () => {
    const d = await start({ brands: ['Aurora'], categories: [1001] });
    const res = await call(d, 'ProductCreate', {}, productXml([product('A1'), product('A2', { Brand: 'Desconhecida' }), product('A3', { PrimaryCategory: '7', Description: '' })]));
    expect(res.status).toBe(200);
    const feedId = res.body.SuccessResponse.Head.RequestId;
    expect(feedId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.SuccessResponse.Body).toBe('');

    const status = async () => (await call(d, 'FeedStatus', { FeedID: feedId })).body.SuccessResponse.Body.FeedDetail;
    expect(await status()).toMatchObject({ Feed: feedId, Status: 'Queued', Action: 'ProductCreate', TotalRecords: 3, ProcessedRecords: 0, FeedErrors: '' });
    d.clock.advance(30_000);
    expect((await status()).Status).toBe('Processing');
    expect(d.getProduct('A1')).toBeUndefined();
    d.clock.advance(60_000);
    const done = await status();
    expect(done).toMatchObject({ Status: 'Finished', Source: 'api', TotalRecords: 3, ProcessedRecords: 3, FailedRecords: 2 });
    expect(done.FeedErrors.Error).toEqual([
      { Code: 0, Message: "Field Brand with value 'Desconhecida' has a problem: This brand does not exist in our database. Please contact our support.", SellerSku: 'A2' },
      { Code: 0, Message: "Field Description with value '' has a problem: Field is required", SellerSku: 'A3' },
      { Code: 0, Message: "Field PrimaryCategory with value '7' has a problem: Primary category Id is invalid", SellerSku: 'A3' },
    ]);
    expect(d.getProduct('A1')).toMatchObject({ SellerSku: 'A1', Price: 349.9, Quantity: 10, Status: 'active', ProductData: { Gender: 'Unissex' } });

    const listed = (await call(d, 'GetProducts', { SkuSellerList: '["A1","A2"]' })).body.SuccessResponse;
    expect(listed.Head.ResponseType).toBe('Products');
    // One product: SellerCenter's JSON gives an object, not an array.
    expect(listed.Body.Products.Product).toMatchObject({ SellerSku: 'A1', Price: '349.90', Quantity: 10, Status: 'active', MainImage: '' });
  });

  it('a single FeedErrors entry is an object in JSON and an element in XML', async () => {
    const d = await start();
    const detail = await runFeed(d, 'ProductRemove', productXml([{ SellerSku: 'NOPE' }]));
    expect(detail.FeedErrors.Error).toEqual({ Code: 0, Message: expect.stringContaining('does not exist'), SellerSku: 'NOPE' });
    const xml = await call(d, 'FeedStatus', { FeedID: detail.Feed }, undefined, { format: 'XML' });
    const parsed = new XMLParser({ parseTagValue: false }).parse(xml.body);
    expect(parsed.SuccessResponse.Body.FeedDetail).toMatchObject({ Status: 'Finished', FailedRecords: '1', FeedErrors: { Error: { SellerSku: 'NOPE' } } });
  });

  it('price/stock updates for a product not created yet are refused per record and counted as they arrive', async () => {
    const d = await start({ throttle: { maxPendingFeeds: false } });
    const ghost = await runFeed(d, 'ProductUpdate', productXml([{ SellerSku: 'GHOST', Price: '10.00', Quantity: '3' }]));
    expect(ghost.FeedErrors.Error.Message).toContain('does not exist');
    expect(d.offersBeforeCatalogued).toEqual([{ sellerSku: 'GHOST', fields: ['Price', 'Quantity'], feedId: ghost.Feed, at: expect.any(String) }]);

    // Sent right after ProductCreate, before its feed finished: counted, though processed after the creation.
    await call(d, 'ProductCreate', {}, productXml([product('B1')]));
    const early = await runFeed(d, 'ProductUpdate', productXml([{ SellerSku: 'B1', Quantity: '4' }]));
    expect(early.FailedRecords).toBe(0);
    expect(d.counters.offersBeforeCatalogued).toBe(2);

    const update = await runFeed(d, 'ProductUpdate', productXml([{ SellerSku: 'B1', Price: '299.90', SalePrice: '279.90', SaleStartDate: '2026-01-01 00:00:00', SaleEndDate: '2026-02-01 00:00:00', Quantity: '0', Status: 'inactive' }]));
    expect(update.FailedRecords).toBe(0);
    expect(d.getProduct('B1')).toMatchObject({ Price: 299.9, SalePrice: 279.9, Quantity: 0, Status: 'inactive' });
    expect(d.counters.offersBeforeCatalogued).toBe(2);

    const badSale = await runFeed(d, 'ProductUpdate', productXml([{ SellerSku: 'B1', SalePrice: '400.00' }]));
    expect(badSale.FeedErrors.Error.Message).toContain('SalePrice must be lower than Price (299.90)');
  });

  it('Image sets the product images; ProductRemove deletes; GetProducts filters', async () => {
    const d = await start({ throttle: { maxPendingFeeds: false } });
    await runFeed(d, 'ProductCreate', productXml([product('C1'), product('C2', { Quantity: '0' })]));
    const images = `<?xml version="1.0"?><Request><ProductImage><SellerSku>C1</SellerSku><Images><Image>https://img.example/c1-1.jpg</Image><Image>https://img.example/c1-2.jpg</Image></Images></ProductImage></Request>`;
    expect((await runFeed(d, 'Image', images)).FailedRecords).toBe(0);
    expect(d.getProduct('C1')!.Images).toEqual(['https://img.example/c1-1.jpg', 'https://img.example/c1-2.jpg']);
    const live = (await call(d, 'GetProducts', { Filter: 'live' })).body.SuccessResponse.Body.Products.Product;
    expect(live).toMatchObject({ SellerSku: 'C1', MainImage: 'https://img.example/c1-1.jpg', Images: { Image: ['https://img.example/c1-1.jpg', 'https://img.example/c1-2.jpg'] } });
    expect((await call(d, 'GetProducts', { Filter: 'sold-out' })).body.SuccessResponse.Body.Products.Product.SellerSku).toBe('C2');
    await runFeed(d, 'ProductRemove', productXml([{ SellerSku: 'C2' }]));
    const all = (await call(d, 'GetProducts')).body.SuccessResponse.Body.Products.Product;
    expect(all.SellerSku).toBe('C1');
    expect((await call(d, 'GetProducts', { Filter: 'deleted' })).body.SuccessResponse.Body.Products.Product.SellerSku).toBe('C2');
    expect((await call(d, 'GetProducts', { SkuSellerList: 'C1' })).body.ErrorResponse.Head.ErrorCode).toBe('5');
  });

  it('checks formats at once (1000 Format Error Detected, one ErrorDetail per field) and refuses bad XML or empty requests', async () => {
    const d = await start();
    const res = await call(d, 'ProductUpdate', {}, productXml([{ SellerSku: 'A1', Price: '10,50' }, { SellerSku: '', Quantity: 'muitos' }]));
    expect(res.body.ErrorResponse.Head).toMatchObject({ ErrorType: 'Sender', ErrorCode: '1000', ErrorMessage: 'Format Error Detected' });
    expect(res.body.ErrorResponse.Body.ErrorDetail).toEqual([
      { Field: 'Price', Message: 'Field must contain a positive number with a dot as decimal separator and 2 decimals (e.g. 120.00)', Value: '10,50', SellerSku: 'A1' },
      { Field: 'SellerSku', Message: 'Field SellerSku is mandatory', Value: '', SellerSku: '' },
      { Field: 'Quantity', Message: 'Field must contain a non-negative integer', Value: 'muitos', SellerSku: '' },
    ]);
    expect((await call(d, 'ProductCreate', {}, '<Request><Product><SellerSku>x</Product></Request>')).body.ErrorResponse.Head.ErrorCode).toBe('5');
    expect((await call(d, 'ProductCreate', {}, '<Request></Request>')).body.ErrorResponse.Head.ErrorCode).toBe('30');
    expect((await call(d, 'ProductCreate', {}, '')).body.ErrorResponse.Head.ErrorCode).toBe('30');
    expect((await call(d, 'FeedStatus', { FeedID: 'nope' })).body.ErrorResponse.Head).toMatchObject({ ErrorCode: '12', ErrorMessage: 'E012: Invalid Feed ID' });
    expect(d.feeds()).toEqual([]);
  });

  it('throttles feeds: past maxPendingFeeds queued or processing, E429 with HTTP 429 until one finishes', async () => {
    const d = await start({ throttle: { maxPendingFeeds: 2 } });
    const send = () => call(d, 'ProductUpdate', {}, productXml([{ SellerSku: 'X', Quantity: '1' }]));
    expect((await send()).status).toBe(200);
    expect((await send()).status).toBe(200);
    const third = await send();
    expect(third.status).toBe(429);
    expect(third.body.ErrorResponse.Head).toMatchObject({ ErrorCode: '429', ErrorMessage: 'E429: Too many requests' });
    expect(third.headers.get('retry-after')).toBe('90');
    d.clock.advance(90_000);
    expect((await send()).status).toBe(200);
    expect(d.counters.throttled).toBe(1);
  });

  it('optional requests-per-minute throttle on the marketplace clock', async () => {
    const d = await start({ throttle: { requestsPerMinute: 2, maxPendingFeeds: false } });
    expect((await call(d, 'FeedList')).status).toBe(200);
    expect((await call(d, 'FeedList')).status).toBe(200);
    expect((await call(d, 'FeedList')).status).toBe(429);
    d.clock.advance(30_000);
    expect((await call(d, 'FeedList')).status).toBe(200);
  });
});

describe('FakeDafiti faults', () => {
  it('failNext, rateLimitNext, timeoutNext and failNextFeeds (status Error, nothing applied)', async () => {
    const d = await start();
    d.faults.failNext(1, 503);
    const failed = await call(d, 'FeedList');
    expect([failed.status, failed.body.ErrorResponse.Head.ErrorType]).toEqual([503, 'Platform']);
    d.faults.rateLimitNext(1, 4);
    const limited = await call(d, 'FeedList');
    expect([limited.status, limited.headers.get('retry-after'), limited.body.ErrorResponse.Head.ErrorCode]).toEqual([429, '4', '429']);
    const held = d.faults.timeoutNext(1);
    const controller = new AbortController();
    const hanging = fetch(`${d.url}/?${signedQuery({ Action: 'FeedList', UserID: d.userId, Version: '1.0', Timestamp: now(), Format: 'JSON' }, d.apiKey)}`, { signal: controller.signal }).catch((e: Error) => e.name);
    await held;
    controller.abort();
    expect(await hanging).toBe('AbortError');

    d.failNextFeeds(1);
    const detail = await runFeed(d, 'ProductCreate', productXml([product('Z1')]));
    expect(detail).toMatchObject({ Status: 'Error', FeedErrors: { Error: { Code: 6 } } });
    expect(d.getProduct('Z1')).toBeUndefined();
    expect(d.counters.feedsError).toBe(1);
  });
});
