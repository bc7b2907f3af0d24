// The VTEX side of the webhook: affiliate notifications as VTEX posts them (PascalCase, the shape
// FakeVtex.notificationPayload builds), sent over keep-alive connections, `concurrency` at a time.
import { randomBytes } from 'node:crypto';
import http from 'node:http';

/** Product id of a generated SKU (test/fakes/vtex/catalog.ts: three SKUs per product). */
const productOf = (skuId) => 1_000_000 + Math.floor(skuId / 3);

export function notificationBody(account, skuId, flags) {
  return JSON.stringify({
    IdSku: String(skuId),
    ProductId: productOf(skuId),
    An: account,
    IdAffiliate: 'BNC',
    Version: randomBytes(8).toString('hex'),
    DateModified: new Date().toISOString(),
    IsActive: true,
    StockModified: false,
    PriceModified: false,
    HasStockKeepingUnitModified: false,
    HasStockKeepingUnitRemovedFromAffiliate: false,
    ...flags,
  });
}

/** Posts one notification per SKU id; resolves with the statuses seen and when the first and last were answered. */
export async function notifyAll({ webhook, account, skuIds, flags, concurrency = 32 }) {
  const url = new URL(webhook);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses = {};
  let next = 0;
  const firstAt = performance.timeOrigin + performance.now();
  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < skuIds.length) {
        const id = skuIds[next++];
        const status = await post(notificationBody(account, id, flags));
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  agent.destroy();
  return { statuses, firstAt, lastAt: performance.timeOrigin + performance.now() };
}
