// Bench-only fastify plugin: the two routes the real webhook is compared with. Both validate and
// authenticate exactly as the webhook does (same parser, same constant-time token check) and
// answer only after their write is committed; they differ from it only in how they write.
import { Errors, parseNotification } from '@connector/core';

export const BENCH_TABLE = 'bench_inserts';
export const BENCH_QUEUE = 'bench-ingest-send';

/**
 * Same columns and indexes as `notifications` (migration 001), so an INSERT here costs what a
 * one-row INSERT into the inbox would.
 */
export async function prepareComparisonTargets(runtime) {
  await runtime.db.exec(`
    drop table if exists ${BENCH_TABLE};
    create table ${BENCH_TABLE} (
      id            bigserial primary key,
      store         text not null,
      sku_id        text not null,
      payload       jsonb not null,
      request_id    text not null,
      received_at   timestamptz not null default now(),
      claimed_until timestamptz,
      dispatched_at timestamptz
    );
    create index ${BENCH_TABLE}_undispatched on ${BENCH_TABLE} (id) where dispatched_at is null;
    create index ${BENCH_TABLE}_by_sku on ${BENCH_TABLE} (store, sku_id, received_at desc);
  `);
  if (!(await runtime.boss.getQueue(BENCH_QUEUE))) await runtime.boss.createQueue(BENCH_QUEUE);
}

/** `POST /bench/insert`, `POST /bench/boss-send` and `POST /bench/validate-only`; register on the server built by `buildServer`. */
export async function comparisonRoutes(app, { runtime }) {
  const accept = (request) => {
    const notification = parseNotification(request.body);
    const token = typeof request.query.token === 'string' ? request.query.token : request.headers['x-connector-token'];
    if (!runtime.stores.authenticate(notification.account, typeof token === 'string' ? token : undefined)) throw Errors.webhookUnauthorized();
    return notification;
  };

  // The ceiling: everything but the write (HTTP, JSON body, parse, auth, reply). Opt-in (--routes).
  app.post('/bench/validate-only', async (request) => {
    accept(request);
    return { accepted: true, requestId: request.id };
  });

  app.post('/bench/insert', async (request) => {
    const n = accept(request);
    await runtime.db.query(`insert into ${BENCH_TABLE} (store, sku_id, payload, request_id) values ($1, $2, $3::jsonb, $4)`, [
      n.account,
      n.skuId,
      JSON.stringify(n),
      request.id,
    ]);
    return { accepted: true, requestId: request.id };
  });

  app.post('/bench/boss-send', async (request) => {
    const n = accept(request);
    await runtime.boss.send(BENCH_QUEUE, n);
    return { accepted: true, requestId: request.id };
  });
}
