import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNotification } from '@connector/core';
import { startStack, WEBHOOK_TOKEN, type Stack } from '../support/stack.js';

/** The webhook, with the pipeline workers off so the inbox can be inspected as the webhook left it. */
describe('POST /api/notification', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ skus: 3, workers: false });
  });
  afterAll(async () => stack?.close());

  const count = async () => (await stack.runtime.db.query<{ n: number }>('select count(*)::int as n from notifications'))[0].n;
  const post = (body: unknown, url = `/api/notification?token=${WEBHOOK_TOKEN}`, headers: Record<string, string> = {}) =>
    stack.app.inject({ method: 'POST', url, payload: body as object, headers: { 'content-type': 'application/json', ...headers } });
  const valid = () => stack.vtex.notificationPayload(stack.vtex.listSkus()[0].id, { StockModified: true });

  it('accepts a valid notification, with or without the trailing slash, and commits it before answering', async () => {
    const before = await count();
    const a = await post(valid());
    const b = await post(valid(), `/api/notification/?token=${WEBHOOK_TOKEN}`);
    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(a.json()).toMatchObject({ accepted: true });
    expect(await count()).toBe(before + 2);
    const [row] = await stack.runtime.db.query<{ sku_id: string; store: string; request_id: string }>(
      'select sku_id, store, request_id from notifications order by id desc limit 1',
    );
    expect(row).toMatchObject({ sku_id: String(stack.vtex.listSkus()[0].id), store: stack.vtex.account, request_id: b.json().requestId });
  });

  it('reads field names case-insensitively (camelCase as in the guides) and ignores unknown fields', async () => {
    const before = await count();
    const res = await post({ idSKU: '2', productId: 1, an: stack.vtex.account, idAffiliate: 'TST', isActive: true, StockModified: true, Version: '1', SellerChain: null });
    expect(res.statusCode).toBe(200);
    expect(await count()).toBe(before + 1);
  });

  it('accepts the token in the X-Connector-Token header', async () => {
    const res = await post(valid(), '/api/notification', { 'x-connector-token': WEBHOOK_TOKEN });
    expect(res.statusCode).toBe(200);
  });

  it.each([
    ['IdSku', { IdSku: 'abc' }],
    ['IdSku', { IdSku: undefined }],
    ['An', { An: undefined }],
    ['IsActive', { IsActive: 'yes' }],
    ['DateModified', { DateModified: 'yesterday' }],
    ['ProductId', { ProductId: -4 }],
  ])('answers 400 naming %s and stores nothing', async (field, change) => {
    const before = await count();
    const res = await post({ ...valid(), ...change });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.code).toBe('CONNECTOR_ERR_NOTIFICATION_INVALID');
    expect(body.message).toContain(field);
    expect(body.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await count()).toBe(before);
  });

  it('answers 400 for a body that is not a JSON object, and stores nothing', async () => {
    const before = await count();
    expect((await post([1, 2])).statusCode).toBe(400);
    const broken = await stack.app.inject({ method: 'POST', url: `/api/notification?token=${WEBHOOK_TOKEN}`, payload: '{"IdSku": ', headers: { 'content-type': 'application/json' } });
    expect(broken.statusCode).toBe(400);
    expect(await count()).toBe(before);
  });

  it.each([
    ['a wrong token', `/api/notification?token=wrong`, {}],
    ['no token', `/api/notification`, {}],
    ['an unknown store', `/api/notification?token=${WEBHOOK_TOKEN}`, { An: 'someoneelse' }],
  ])('answers 401 for %s and stores nothing', async (_name, url, change) => {
    const before = await count();
    const res = await post({ ...valid(), ...change }, url);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('CONNECTOR_ERR_WEBHOOK_UNAUTHORIZED');
    expect(await count()).toBe(before);
  });

  it('commits notifications accepted in the same event-loop turn together, in one INSERT', async () => {
    const before = await count();
    const stats = stack.runtime.inbox.stats();
    const skus = stack.vtex.listSkus();
    // All three accepted before the loop turns: flushing the first at once would send it alone.
    await Promise.all(skus.map((s, i) => stack.runtime.inbox.accept(parseNotification(stack.vtex.notificationPayload(s.id)), `group-${i}`)));
    const after = stack.runtime.inbox.stats();
    expect(after.batches - stats.batches).toBe(1);
    expect(after.rows - stats.rows).toBe(skus.length);
    expect(await count()).toBe(before + skus.length);
  });

  it('refuses a body over the size limit with 413', async () => {
    const res = await post({ ...valid(), padding: 'x'.repeat(70 * 1024) });
    expect(res.statusCode).toBe(413);
  });
});
