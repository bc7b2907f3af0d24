import { Ajv, type ValidateFunction } from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../support/wait.js';
import { amazonSchemas, FakeAmazon, type FakeAmazonOptions, readAmazonFixture } from './amazon/index.js';

const open: FakeAmazon[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

/** A frozen clock by default: time moves only when a test advances it. */
async function start(opts: FakeAmazonOptions = {}): Promise<FakeAmazon> {
  const amazon = await FakeAmazon.start({ timeScale: 0, ...opts });
  open.push(amazon);
  return amazon;
}

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function sp(amazon: FakeAmazon, method: string, path: string, token: string | undefined, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers['x-amz-access-token'] = token;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(amazon.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}

/** Swagger 2.0 definitions of Amazon's models, to check the fake's answers against them. */
function swaggerModel(file: string, definition: string): ValidateFunction {
  const ajv = new Ajv({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(readAmazonFixture(file) as object, file);
  return ajv.getSchema(`${file}#/definitions/${definition}`)!;
}
const listingsModel = (d: string) => swaggerModel('listingsItems_2021-08-01.json', d);
const feedsModel = (d: string) => swaggerModel('feeds_2021-06-30.json', d);

function expectValid(validate: ValidateFunction, value: unknown): void {
  const ok = validate(value);
  expect(ok ? [] : validate.errors).toEqual([]);
}

const MP = 'A2Q3Y263D00KWC';
const itemPath = (amazon: FakeAmazon, sku: string, query = `marketplaceIds=${MP}`) => `/listings/2021-08-01/items/${amazon.sellerId}/${encodeURIComponent(sku)}?${query}`;

function attributes(title = 'Tênis de Corrida Aurora Pro Azul Marinho 42', qty = 7, price = 349.9): Record<string, unknown> {
  return {
    item_name: [{ value: title, language_tag: 'pt_BR', marketplace_id: MP }],
    brand: [{ value: 'Aurora', marketplace_id: MP }],
    condition_type: [{ value: 'new_new', marketplace_id: MP }],
    purchasable_offer: [{ currency: 'BRL', marketplace_id: MP, our_price: [{ schedule: [{ value_with_tax: price }] }] }],
    fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: qty }],
  };
}

/** createFeedDocument → upload → createFeed; returns the feed id. */
async function submitFeed(amazon: FakeAmazon, token: string, document: unknown, contentType = 'application/json; charset=UTF-8'): Promise<string> {
  const created = await sp(amazon, 'POST', '/feeds/2021-06-30/documents', token, { contentType });
  expect(created.status).toBe(201);
  expectValid(feedsModel('CreateFeedDocumentResponse'), created.body);
  const upload = await fetch(created.body.url, { method: 'PUT', headers: { 'content-type': contentType }, body: typeof document === 'string' ? document : JSON.stringify(document) });
  expect(upload.status).toBe(200);
  const feed = await sp(amazon, 'POST', '/feeds/2021-06-30/feeds', token, { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [MP], inputFeedDocumentId: created.body.feedDocumentId });
  expect(feed.status).toBe(202);
  expectValid(feedsModel('CreateFeedResponse'), feed.body);
  return feed.body.feedId as string;
}

/** getFeed → getFeedDocument → download: the processing report. */
async function fetchReport(amazon: FakeAmazon, token: string, feedId: string): Promise<any> {
  const feed = await sp(amazon, 'GET', `/feeds/2021-06-30/feeds/${feedId}`, token);
  const doc = await sp(amazon, 'GET', `/feeds/2021-06-30/documents/${feed.body.resultFeedDocumentId}`, token);
  expect(doc.status).toBe(200);
  expectValid(feedsModel('FeedDocument'), doc.body);
  const res = await fetch(doc.body.url);
  expect(res.status).toBe(200);
  return res.json();
}

function feedDoc(amazon: FakeAmazon, messages: unknown[], extraHeader: Record<string, unknown> = {}): unknown {
  return { header: { sellerId: amazon.sellerId, version: '2.0', issueLocale: 'pt_BR', ...extraHeader }, messages };
}

describe('FakeAmazon LWA and access tokens', () => {
  it('refreshes with the refresh_token grant; refuses a wrong client or grant in LWA shape', async () => {
    const amazon = await start();
    const form = (p: Record<string, string>) =>
      fetch(`${amazon.url}/auth/o2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(p).toString() }).then(async (r) => ({ status: r.status, body: await r.json() }));
    const grant = { grant_type: 'refresh_token', refresh_token: amazon.refreshToken, client_id: amazon.clientId, client_secret: amazon.clientSecret };
    const ok = await form(grant);
    expect(ok).toEqual({ status: 200, body: { access_token: expect.stringMatching(/^Atza\|/), refresh_token: amazon.refreshToken, token_type: 'bearer', expires_in: 3600 } });
    expect(await form({ ...grant, client_secret: 'nope' })).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
    expect(await form({ ...grant, refresh_token: 'Atzr|forged' })).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect(await form({ ...grant, grant_type: 'authorization_code' })).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
    expect((await sp(amazon, 'GET', itemPath(amazon, 'X'), ok.body.access_token)).status).toBe(404); // the token works
    expect(amazon.counters.tokenRefreshes).toBe(1);
  });

  it('401 without a token, 403 for an unknown one and once it has expired on the marketplace clock', async () => {
    const amazon = await start();
    const none = await sp(amazon, 'GET', itemPath(amazon, 'X'), undefined);
    expect(none.status).toBe(401);
    expect(none.body.errors[0].code).toBe('Unauthorized');
    expect(none.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect((await sp(amazon, 'GET', itemPath(amazon, 'X'), 'Atza|forged')).status).toBe(403);
    const token = amazon.issueAccessToken();
    amazon.clock.advance(3599_000);
    expect((await sp(amazon, 'GET', itemPath(amazon, 'X'), token)).status).toBe(404);
    amazon.clock.advance(1_000);
    const expired = await sp(amazon, 'GET', itemPath(amazon, 'X'), token);
    expect(expired.status).toBe(403);
    expect(expired.body.errors[0]).toEqual({ code: 'Unauthorized', message: 'Access to requested resource is denied.', details: 'The access token you provided has expired.' });
    const other = amazon.issueAccessToken();
    expect((await sp(amazon, 'GET', `/listings/2021-08-01/items/AOTHERSELLER/X?marketplaceIds=${MP}`, other)).status).toBe(403);
    expect(amazon.counters.unauthorized).toBe(4);
  });
});

describe('FakeAmazon Listings Items API', () => {
  it('PUT creates a listing with an Amazon-assigned ASIN; GET answers the Swagger Item shape', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    const put = await sp(amazon, 'PUT', itemPath(amazon, 'SKU-42'), token, { productType: 'SHOES', requirements: 'LISTING', attributes: attributes() });
    expect(put.status).toBe(200);
    expect(put.headers.get('x-amzn-ratelimit-limit')).toBe('5.0');
    expectValid(listingsModel('ListingsItemSubmissionResponse'), put.body);
    expect(put.body).toMatchObject({ sku: 'SKU-42', status: 'ACCEPTED', issues: [] });

    const get = await sp(amazon, 'GET', itemPath(amazon, 'SKU-42', `marketplaceIds=${MP}&includedData=summaries,attributes,offers,fulfillmentAvailability`), token);
    expect(get.status).toBe(200);
    expectValid(listingsModel('Item'), get.body);
    expect(get.body.summaries[0]).toMatchObject({ marketplaceId: MP, asin: expect.stringMatching(/^B0[0-9A-Z]{8}$/), productType: 'SHOES', status: ['BUYABLE', 'DISCOVERABLE'] });
    expect(get.body.offers).toEqual([{ marketplaceId: MP, offerType: 'B2C', price: { currencyCode: 'BRL', amount: '349.9' } }]);
    expect(get.body.fulfillmentAvailability).toEqual([{ fulfillmentChannelCode: 'DEFAULT', quantity: 7 }]);
    expect(amazon.getListing('SKU-42')?.asin).toBe(get.body.summaries[0].asin);
  });

  it('answers INVALID with per-attribute issues: required attributes, title over 200, bad offer values', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    const { brand: _b, ...noBrand } = attributes('x'.repeat(201));
    const bad = await sp(amazon, 'PUT', itemPath(amazon, 'SKU-1'), token, {
      productType: 'SHOES',
      attributes: { ...noBrand, purchasable_offer: [{ currency: 'BRL', our_price: [] }], fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: -1 }] },
    });
    expect(bad.status).toBe(200);
    expectValid(listingsModel('ListingsItemSubmissionResponse'), bad.body);
    expect(bad.body.status).toBe('INVALID');
    const byAttribute = Object.fromEntries(bad.body.issues.map((i: any) => [i.attributeNames?.[0], i.code]));
    expect(byAttribute).toMatchObject({ brand: '90220', item_name: 'FAKE-VALUE-TOO-LONG', 'purchasable_offer.our_price': '99022', fulfillment_availability: 'FAKE-INVALID-VALUE' });
    expect(amazon.getListing('SKU-1')).toBeUndefined();
    expect(amazon.counters.invalidSubmissions).toBe(1);

    // A 200-character title is fine.
    expect((await sp(amazon, 'PUT', itemPath(amazon, 'SKU-1'), token, { productType: 'SHOES', attributes: attributes('x'.repeat(200)) })).body.status).toBe('ACCEPTED');
    // Structural problems of the request itself are a 400, naming the field.
    const noType = await sp(amazon, 'PUT', itemPath(amazon, 'SKU-2'), token, { attributes: attributes() });
    expect(noType.status).toBe(400);
    expect(noType.body.errors[0]).toMatchObject({ code: 'InvalidInput', details: expect.stringContaining('productType') });
    expect((await sp(amazon, 'PUT', itemPath(amazon, 'SKU-2', ''), token, { productType: 'SHOES', attributes: attributes() })).status).toBe(400);
  });

  it('PATCH updates stock and price of a catalogued SKU; PATCH of an unknown SKU is INVALID and counted', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    const patches = [
      { op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }] },
      { op: 'replace', path: '/attributes/purchasable_offer', value: [{ currency: 'BRL', our_price: [{ schedule: [{ value_with_tax: 299.9 }] }] }] },
    ];
    const early = await sp(amazon, 'PATCH', itemPath(amazon, 'SKU-9'), token, { productType: 'SHOES', patches });
    expect(early.body).toMatchObject({ status: 'INVALID', issues: [expect.objectContaining({ code: 'FAKE-SKU-NOT-FOUND' })] });
    expect(amazon.counters.offersBeforeCatalogued).toBe(1);
    expect(amazon.offersBeforeCatalogued).toEqual([{ sku: 'SKU-9', via: 'PATCH', at: expect.any(String) }]);

    await sp(amazon, 'PUT', itemPath(amazon, 'SKU-9'), token, { productType: 'SHOES', attributes: attributes() });
    const ok = await sp(amazon, 'PATCH', itemPath(amazon, 'SKU-9'), token, { productType: 'SHOES', patches });
    expect(ok.body.status).toBe('ACCEPTED');
    const listing = amazon.getListing('SKU-9')!;
    expect(listing.attributes.fulfillment_availability).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }]);
    expect(listing.attributes.item_name).toEqual(attributes().item_name); // untouched

    const nested = await sp(amazon, 'PATCH', itemPath(amazon, 'SKU-9'), token, { productType: 'SHOES', patches: [{ op: 'replace', path: '/attributes/purchasable_offer/0/currency', value: [{}] }] });
    expect(nested.body.issues[0].code).toBe('FAKE-INVALID-PATCH-PATH');
    expect(amazon.counters.offersBeforeCatalogued).toBe(1);
  });

  it('a PUT takes `listingMs` to be catalogued: an offer PATCH sent meanwhile is counted', async () => {
    const amazon = await start({ delays: { listingMs: 30_000 } });
    const token = amazon.issueAccessToken();
    expect((await sp(amazon, 'PUT', itemPath(amazon, 'SKU-5'), token, { productType: 'SHOES', attributes: attributes() })).body.status).toBe('ACCEPTED');
    expect((await sp(amazon, 'GET', itemPath(amazon, 'SKU-5'), token)).status).toBe(404);
    const patch = { productType: 'SHOES', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 3 }] }] };
    expect((await sp(amazon, 'PATCH', itemPath(amazon, 'SKU-5'), token, patch)).body.status).toBe('INVALID');
    expect(amazon.counters.offersBeforeCatalogued).toBe(1);
    amazon.clock.advance(30_000);
    expect((await sp(amazon, 'GET', itemPath(amazon, 'SKU-5'), token)).status).toBe(200);
    expect((await sp(amazon, 'PATCH', itemPath(amazon, 'SKU-5'), token, patch)).body.status).toBe('ACCEPTED');
  });

  it('DELETE removes the listing; VALIDATION_PREVIEW validates without storing', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    const preview = await sp(amazon, 'PUT', itemPath(amazon, 'SKU-3', `marketplaceIds=${MP}&mode=VALIDATION_PREVIEW`), token, { productType: 'SHOES', attributes: attributes() });
    expect(preview.body.status).toBe('VALID');
    expect(amazon.getListing('SKU-3')).toBeUndefined();
    await sp(amazon, 'PUT', itemPath(amazon, 'SKU-3'), token, { productType: 'SHOES', attributes: attributes() });
    expect((await sp(amazon, 'DELETE', itemPath(amazon, 'SKU-3'), token)).body.status).toBe('ACCEPTED');
    const gone = await sp(amazon, 'GET', itemPath(amazon, 'SKU-3'), token);
    expect(gone.status).toBe(404);
    expectValid(listingsModel('ErrorList'), gone.body);
  });

  it('enforces each operation usage plan (PATCH 5/s burst 5, PUT burst 10) on the marketplace clock', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    await sp(amazon, 'PUT', itemPath(amazon, 'SKU-R'), token, { productType: 'SHOES', attributes: attributes() });
    const patch = { productType: 'SHOES', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }] }] };
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await sp(amazon, 'PATCH', itemPath(amazon, 'SKU-R'), token, patch)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const limited = await sp(amazon, 'PATCH', itemPath(amazon, 'SKU-R'), token, patch);
    expect(limited.body.errors[0].code).toBe('QuotaExceeded');
    expect(limited.headers.get('retry-after')).toBeNull();
    amazon.clock.advance(200); // one token at 5/s
    expect((await sp(amazon, 'PATCH', itemPath(amazon, 'SKU-R'), token, patch)).status).toBe(200);
    // PUT has its own bucket: burst 10 (the one used above came back during the 200 ms).
    let puts = 0;
    while ((await sp(amazon, 'PUT', itemPath(amazon, `SKU-P${puts}`), token, { productType: 'SHOES', attributes: attributes() })).status === 200) puts++;
    expect(puts).toBe(10);
    expect(amazon.counters.rateLimited).toBe(3);
  });
});

describe('FakeAmazon Feeds: JSON_LISTINGS_FEED lifecycle', () => {
  it('goes IN_QUEUE → IN_PROGRESS → DONE on the clock, applies messages and reports per-message issues', async () => {
    const amazon = await start({ delays: { feedInQueueMs: 60_000, feedInProgressMs: 120_000 } });
    const token = amazon.issueAccessToken();
    amazon.seedListing('OLD', 'SHOES', attributes('Old one') as any);
    const { brand: _b, ...noBrand } = attributes();
    const document = feedDoc(
      amazon,
      [
        { messageId: 1, sku: 'NEW-1', operationType: 'UPDATE', productType: 'SHOES', requirements: 'LISTING', attributes: attributes() },
        { messageId: 2, sku: 'NEW-2', operationType: 'UPDATE', productType: 'SHOES', attributes: noBrand },
        { messageId: 3, sku: 'GHOST', operationType: 'PATCH', productType: 'SHOES', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 5 }] }] },
        { messageId: 4, sku: 'NEW-1', operationType: 'PATCH', productType: 'SHOES', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 2 }] }] },
        { messageId: 5, sku: 'OLD', operationType: 'DELETE' },
      ],
      { report: { includedData: ['summaries', 'issues'], apiVersion: '2021-08-01' } },
    );
    const feedId = await submitFeed(amazon, token, document);

    const status = async () => (await sp(amazon, 'GET', `/feeds/2021-06-30/feeds/${feedId}`, token)).body;
    const queued = await status();
    expectValid(feedsModel('Feed'), queued);
    expect(queued).toMatchObject({ feedId, feedType: 'JSON_LISTINGS_FEED', processingStatus: 'IN_QUEUE', marketplaceIds: [MP] });
    amazon.clock.advance(60_000);
    expect((await status()).processingStatus).toBe('IN_PROGRESS');
    expect(amazon.getListing('NEW-1')).toBeUndefined(); // nothing applied until the feed is done
    amazon.clock.advance(120_000);
    const done = await status();
    expectValid(feedsModel('Feed'), done);
    expect(done).toMatchObject({ processingStatus: 'DONE', resultFeedDocumentId: expect.any(String), processingStartTime: expect.any(String), processingEndTime: expect.any(String) });

    const report = await fetchReport(amazon, token, feedId);
    expectValid(amazonSchemas().report, report);
    expect(report.header).toEqual({ sellerId: amazon.sellerId, version: '2.0', feedId, report: { includedData: ['summaries', 'issues'], apiVersion: '2021-08-01' } });
    expect(report.summary).toEqual({ errors: 2, warnings: 0, messagesProcessed: 5, messagesAccepted: 3, messagesInvalid: 2, itemSummary: { items: 1, errors: 0, warnings: 0 } });
    expect(report.issues).toEqual([
      { messageId: 2, sku: 'NEW-2', code: '90220', severity: 'ERROR', message: "'brand' is required but not supplied.", attributeName: 'brand' },
      { messageId: 3, sku: 'GHOST', code: 'FAKE-SKU-NOT-FOUND', severity: 'ERROR', message: expect.stringContaining('does not exist') },
    ]);
    expect(report.items).toEqual([expect.objectContaining({ sku: 'NEW-1', summaries: [expect.objectContaining({ asin: amazon.getListing('NEW-1')!.asin })], issues: [] })]);
    expect(amazon.getListing('NEW-1')!.attributes.fulfillment_availability).toEqual([{ fulfillment_channel_code: 'DEFAULT', quantity: 2 }]);
    expect(amazon.getListing('OLD')).toBeUndefined();
    expect(amazon.offersBeforeCatalogued).toEqual([{ sku: 'GHOST', via: 'feed PATCH', at: expect.any(String) }]);
    expect(amazon.counters).toMatchObject({ feedsCreated: 1, feedsDone: 1, feedMessagesProcessed: 5, feedMessagesInvalid: 2 });
  });

  it('counts an offer message when its feed is received before the feed creating the product has finished', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    await submitFeed(amazon, token, feedDoc(amazon, [{ messageId: 1, sku: 'N', operationType: 'UPDATE', productType: 'SHOES', attributes: attributes() }]));
    const stock = { messageId: 1, sku: 'N', operationType: 'PATCH', productType: 'SHOES', patches: [{ op: 'replace', path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }] }] };
    const early = await submitFeed(amazon, token, feedDoc(amazon, [stock]));
    expect(amazon.offersBeforeCatalogued).toEqual([{ sku: 'N', via: 'feed PATCH', at: expect.any(String) }]);
    amazon.clock.advance(180_000);
    // Amazon processes the feeds in order, so the early one still applies; the fake has recorded that it came too early.
    expect(amazon.getFeed(early)!.report!.summary.messagesAccepted).toBe(1);
    await submitFeed(amazon, token, feedDoc(amazon, [stock]));
    expect(amazon.counters.offersBeforeCatalogued).toBe(1);
  });

  it("processes Amazon's own example feed, and its report example validates like the fake's reports", async () => {
    const amazon = await start({ sellerId: 'AXXXXXXXXXXXX', marketplaceIds: ['ATVPDKIKX0DER'] });
    const token = amazon.issueAccessToken();
    const example = readAmazonFixture('listings-feed-schema-v2.example.json');
    expectValid(amazonSchemas().feed, example);
    expectValid(amazonSchemas().report, readAmazonFixture('listings-feed-processing-report-schema-v2.example.json'));
    const created = await sp(amazon, 'POST', '/feeds/2021-06-30/documents', token, { contentType: 'application/json' });
    await fetch(created.body.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(example) });
    const feed = await sp(amazon, 'POST', '/feeds/2021-06-30/feeds', token, { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: ['ATVPDKIKX0DER'], inputFeedDocumentId: created.body.feedDocumentId });
    amazon.clock.advance(180_000);
    const f = amazon.getFeed(feed.body.feedId)!;
    expect(f.processingStatus).toBe('DONE');
    expectValid(amazonSchemas().report, f.report);
    // Message 3 (UPDATE of a new SKU without brand/condition) and the PATCHes of unknown SKUs are invalid.
    expect(f.report!.summary).toMatchObject({ messagesProcessed: 5, messagesAccepted: 1, messagesInvalid: 4 });
    expect(amazon.counters.offersBeforeCatalogued).toBe(3); // PARTIAL_UPDATE of My-SKU-B, PATCHes of My-SKU-D and My-SKU-E
  });

  it('a document that does not match the feed schema ends FATAL, and the report says where', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    const feedId = await submitFeed(
      amazon,
      token,
      feedDoc(amazon, [
        { messageId: 1, sku: 'A', operationType: 'UPDATE', productType: 'SHOES', attributes: attributes() },
        { messageId: 2, sku: 'B', operationType: 'UPDATE', productType: 'SHOES' }, // no attributes
        { messageId: 3, sku: 'C', operationType: 'UPSERT', productType: 'SHOES', attributes: attributes() },
      ]),
    );
    amazon.clock.advance(180_000);
    const feed = (await sp(amazon, 'GET', `/feeds/2021-06-30/feeds/${feedId}`, token)).body;
    expect(feed.processingStatus).toBe('FATAL');
    const report = await fetchReport(amazon, token, feedId);
    expectValid(amazonSchemas().report, report);
    expect(report.summary).toMatchObject({ messagesProcessed: 0, messagesAccepted: 0 });
    expect(report.issues.length).toBeGreaterThan(1);
    expect(report.issues.every((i: any) => i.severity === 'ERROR' && i.message.includes('JSON_LISTINGS_FEED schema'))).toBe(true);
    expect(new Set(report.issues.map((i: any) => i.messageId))).toEqual(new Set([2, 3]));
    expect(amazon.getListing('A')).toBeUndefined(); // nothing of a FATAL feed is applied
    expect(amazon.counters.feedsFatal).toBe(1);
  });

  it('FATAL for malformed JSON, a foreign sellerId, a document never uploaded, or 10 MiB and more', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    const reasons: string[] = [];
    const fatal = async (feedId: string) => {
      amazon.clock.advance(180_000);
      const f = amazon.getFeed(feedId)!;
      expect(f.processingStatus).toBe('FATAL');
      expectValid(amazonSchemas().report, f.report);
      reasons.push(f.report!.issues[0]!.message);
    };
    await fatal(await submitFeed(amazon, token, '{"header": '));
    await fatal(await submitFeed(amazon, token, { header: { sellerId: 'ASOMEONEELSE', version: '2.0' }, messages: [{ messageId: 1, sku: 'A', operationType: 'DELETE' }] }));
    const created = await sp(amazon, 'POST', '/feeds/2021-06-30/documents', token, { contentType: 'application/json' });
    await fatal((await sp(amazon, 'POST', '/feeds/2021-06-30/feeds', token, { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [MP], inputFeedDocumentId: created.body.feedDocumentId })).body.feedId);
    const huge = feedDoc(amazon, [{ messageId: 1, sku: 'A', operationType: 'UPDATE', productType: 'SHOES', attributes: { ...attributes(), bullet_point: [{ value: 'x'.repeat(10 * 1024 * 1024) }] } }]);
    await fatal(await submitFeed(amazon, token, huge));
    expect(reasons).toEqual([
      expect.stringContaining('not valid JSON'),
      expect.stringContaining('ASOMEONEELSE'),
      expect.stringContaining('never uploaded'),
      expect.stringContaining('smaller than 10 MiB'),
    ]);
  });

  it('allows 5 JSON_LISTINGS_FEED submissions per 5 minutes (marketplace time), then 429', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    const doc = feedDoc(amazon, [{ messageId: 1, sku: 'A', operationType: 'DELETE' }]);
    for (let i = 0; i < 5; i++) await submitFeed(amazon, token, doc);
    const created = await sp(amazon, 'POST', '/feeds/2021-06-30/documents', token, { contentType: 'application/json' });
    const sixth = await sp(amazon, 'POST', '/feeds/2021-06-30/feeds', token, { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [MP], inputFeedDocumentId: created.body.feedDocumentId });
    expect(sixth.status).toBe(429);
    expect(sixth.body.errors[0]).toMatchObject({ code: 'QuotaExceeded', details: expect.stringContaining('5 submissions per 5 minutes') });
    amazon.clock.advance(5 * 60_000);
    expect((await sp(amazon, 'POST', '/feeds/2021-06-30/feeds', token, { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [MP], inputFeedDocumentId: created.body.feedDocumentId })).status).toBe(202);
  });

  it('presigned upload URLs: signature, Content-Type and 5-minute expiry are checked', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    const created = await sp(amazon, 'POST', '/feeds/2021-06-30/documents', token, { contentType: 'application/json' });
    const tampered = created.body.url.replace(/X-Amz-Signature=([0-9a-f])/, (_m: string, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    const bad = await fetch(tampered, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bad.status).toBe(403);
    expect(await bad.text()).toContain('<Code>SignatureDoesNotMatch</Code>');
    expect((await fetch(created.body.url, { method: 'PUT', headers: { 'content-type': 'text/xml' }, body: '{}' })).status).toBe(403);
    amazon.clock.advance(5 * 60_000 + 1);
    const late = await fetch(created.body.url, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(late.status).toBe(403);
    expect(await late.text()).toContain('Request has expired');
  });

  it('cancelFeed cancels a queued feed only; getFeeds lists feeds newest first', async () => {
    const amazon = await start();
    const token = amazon.issueAccessToken();
    const doc = feedDoc(amazon, [{ messageId: 1, sku: 'A', operationType: 'DELETE' }]);
    const first = await submitFeed(amazon, token, doc);
    amazon.clock.advance(60_000);
    const second = await submitFeed(amazon, token, doc);
    expect((await sp(amazon, 'DELETE', `/feeds/2021-06-30/feeds/${second}`, token)).status).toBe(200);
    expect((await sp(amazon, 'DELETE', `/feeds/2021-06-30/feeds/${first}`, token)).status).toBe(400); // IN_PROGRESS
    amazon.clock.advance(600_000);
    const list = await sp(amazon, 'GET', '/feeds/2021-06-30/feeds?feedTypes=JSON_LISTINGS_FEED&pageSize=1', token);
    expectValid(feedsModel('GetFeedsResponse'), list.body);
    expect(list.body.feeds.map((f: any) => [f.feedId, f.processingStatus])).toEqual([[second, 'CANCELLED']]);
    const next = await sp(amazon, 'GET', `/feeds/2021-06-30/feeds?nextToken=${list.body.nextToken}`, token);
    expect(next.body.feeds.map((f: any) => [f.feedId, f.processingStatus])).toEqual([[first, 'DONE']]);
    expect(next.body.nextToken).toBeUndefined();
  });

  it('runs on a scaled clock: at a marketplace minute per 0.1 real s a feed finishes without advance()', async () => {
    const amazon = await start({ timeScale: 600 });
    expect(amazon.clock.describe()).toBe('timeScale=600 (1 marketplace minute = 0.1 real s)');
    const token = amazon.issueAccessToken();
    const feedId = await submitFeed(amazon, token, feedDoc(amazon, [{ messageId: 1, sku: 'A', operationType: 'UPDATE', productType: 'SHOES', attributes: attributes() }]));
    const done = await waitFor(async () => {
      const f = (await sp(amazon, 'GET', `/feeds/2021-06-30/feeds/${feedId}`, token)).body;
      return f.processingStatus === 'DONE' && f;
    });
    expect(done.processingStatus).toBe('DONE');
    expect(amazon.getListing('A')).toBeDefined();
  });
});

describe('FakeAmazon faults', () => {
  it('failNext, rateLimitNext, timeoutNext and failNextFeeds', async () => {
    const amazon = await start({ compressReports: true });
    const token = amazon.issueAccessToken();
    amazon.faults.failNext(1, 503);
    const failed = await sp(amazon, 'GET', itemPath(amazon, 'X'), token);
    expect(failed.status).toBe(503);
    expect(failed.body.errors[0].code).toBe('ServiceUnavailable');
    amazon.faults.rateLimitNext(1, 7);
    const limited = await sp(amazon, 'GET', itemPath(amazon, 'X'), token);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '7']);

    const held = amazon.faults.timeoutNext(1);
    const controller = new AbortController();
    const hanging = fetch(`${amazon.url}${itemPath(amazon, 'X')}`, { headers: { 'x-amz-access-token': token }, signal: controller.signal }).catch((e: Error) => e.name);
    await held;
    controller.abort();
    expect(await hanging).toBe('AbortError');

    amazon.failNextFeeds(1);
    const feedId = await submitFeed(amazon, token, feedDoc(amazon, [{ messageId: 1, sku: 'A', operationType: 'UPDATE', productType: 'SHOES', attributes: attributes() }]));
    amazon.clock.advance(180_000);
    expect(amazon.getFeed(feedId)!.processingStatus).toBe('FATAL');
    const doc = await sp(amazon, 'GET', `/feeds/2021-06-30/documents/${amazon.getFeed(feedId)!.resultFeedDocumentId}`, token);
    expect(doc.body.compressionAlgorithm).toBe('GZIP');
    const { gunzipSync } = await import('node:zlib');
    const report = JSON.parse(gunzipSync(Buffer.from(await (await fetch(doc.body.url)).arrayBuffer())).toString('utf8'));
    expectValid(amazonSchemas().report, report);
    expect(report.issues[0].code).toBe('FAKE-INTERNAL-FAILURE');
    expect(amazon.getListing('A')).toBeUndefined();
  });
});
