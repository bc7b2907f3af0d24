import type { FastifyPluginAsync } from 'fastify';
import { Errors, type LotStatus } from '@connector/core';
import type { AdminRouteOptions } from '../plugin.js';
import { anyValue, arr, bool, dateTime, freeObject, int, integrationParams, MARKETPLACE, noQuery, nullable, obj, route, str, STORE } from '../schemas.js';

const LOT_STATUSES = ['open', 'sealed', 'submitting', 'submitted', 'done', 'failed'];
const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

const deadLetter = obj({
  id: str({ description: 'The dead-letter job id (what replay takes).' }),
  store: str(),
  marketplace: str(),
  queue: str(),
  skuId: nullable(str()),
  lotId: nullable(str()),
  lastError: anyValue('The last error the failed job recorded.'),
  retries: nullable(int()),
  firstCreatedOn: nullable(dateTime()),
  deadSince: dateTime(),
});

const lot = obj({
  id: str(),
  store: str(),
  marketplace: str(),
  operation: str(),
  status: str({ enum: LOT_STATUSES }),
  itemCount: int(),
  bytes: int(),
  feedRef: nullable(str()),
  polls: int(),
  accepted: nullable(int()),
  rejected: nullable(int()),
  error: nullable(str()),
  createdAt: dateTime(),
  sealedAt: nullable(dateTime()),
  submittedAt: nullable(dateTime()),
  finishedAt: nullable(dateTime()),
});

function toLot(r: Record<string, unknown>) {
  return {
    id: String(r.id),
    store: String(r.store),
    marketplace: String(r.marketplace),
    operation: String(r.operation),
    status: String(r.status),
    itemCount: Number(r.item_count),
    bytes: Number(r.bytes),
    feedRef: (r.feed_ref as string) ?? null,
    polls: Number(r.polls),
    accepted: r.accepted === null ? null : Number(r.accepted),
    rejected: r.rejected === null ? null : Number(r.rejected),
    error: (r.error as string) ?? null,
    createdAt: iso(r.created_at)!,
    sealedAt: iso(r.sealed_at),
    submittedAt: iso(r.submitted_at),
    finishedAt: iso(r.finished_at),
  };
}

export const deliveryRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { runtime }) => {
  app.get<{ Querystring: { store?: string; marketplace?: string; limit: number } }>(
    '/dead-letters',
    {
      schema: route(
        {
          summary: 'Dead letters: work that failed every retry, with its last error',
          querystring: obj({ store: STORE, marketplace: MARKETPLACE, limit: int({ minimum: 1, maximum: 10_000, default: 500 }) }),
          response: { 200: obj({ deadLetters: arr(deadLetter) }) },
        },
        ['delivery'],
      ),
    },
    async (request) => {
      const { store, marketplace, limit } = request.query;
      if (store) runtime.adminQueries.assertStore(store);
      return { deadLetters: await runtime.deadLetters.list({ store, marketplace, limit }) };
    },
  );

  app.post<{ Body: { store?: string; marketplace?: string; ids?: string[] } }>(
    '/dead-letters/replay',
    {
      schema: route(
        {
          summary: 'Replay dead letters (one, several by id, or all of a store/marketplace) with fresh retries',
          querystring: noQuery,
          body: obj({ store: STORE, marketplace: MARKETPLACE, ids: arr(str({ minLength: 1, maxLength: 100 }), { minItems: 1, maxItems: 10_000 }) }),
          response: { 200: obj({ results: arr(obj({ store: str(), marketplace: str(), replayed: int(), skipped: int() })), replayed: int() }) },
        },
        ['delivery'],
      ),
    },
    async (request) => {
      const { store, marketplace, ids } = request.body ?? {};
      if (store) runtime.adminQueries.assertStore(store);
      if (ids) {
        const known = new Set((await runtime.deadLetters.list({ store, marketplace })).map((d) => d.id));
        const missing = ids.find((id) => !known.has(id));
        if (missing) throw Errors.adminNotFound(`Dead letter "${missing}"`);
      }
      const results = await runtime.deadLetters.replay({ store, marketplace, ids });
      request.log.info({ by: request.adminActor, store, marketplace, ids: ids?.length ?? 'all', replayed: results.reduce((n, r) => n + r.replayed, 0) }, 'dead letters replayed through the admin API');
      return { results, replayed: results.reduce((n, r) => n + r.replayed, 0) };
    },
  );

  app.get<{ Params: { store: string; marketplace: string }; Querystring: { status?: LotStatus; limit: number } }>(
    '/stores/:store/integrations/:marketplace/lots',
    {
      schema: route(
        {
          summary: 'Lots (feeds) of a feed marketplace, newest first',
          params: integrationParams,
          querystring: obj({ status: str({ enum: LOT_STATUSES }), limit: int({ minimum: 1, maximum: 1000, default: 50 }) }),
          response: { 200: obj({ lots: arr(lot) }) },
        },
        ['delivery'],
      ),
    },
    async (request) => {
      const { store, marketplace } = request.params;
      runtime.adminQueries.assertIntegration(store, marketplace);
      const rows = await runtime.lots.list(store, marketplace, request.query);
      return { lots: rows.map((r) => toLot(r as unknown as Record<string, unknown>)) };
    },
  );

  app.get<{ Params: { lotId: number } }>(
    '/lots/:lotId',
    {
      schema: route(
        {
          summary: 'One lot with its items and their outcomes',
          params: obj({ lotId: int({ minimum: 1 }) }, ['lotId']),
          querystring: noQuery,
          response: {
            200: obj({ lot, items: arr(obj({ skuId: str(), bytes: int(), marketplaceId: nullable(str()), outcome: nullable(str()), message: nullable(str()), payload: freeObject() })) }),
          },
        },
        ['delivery'],
      ),
    },
    async (request) => {
      const row = await runtime.lots.get(request.params.lotId);
      if (!row) throw Errors.adminNotFound(`Lot ${request.params.lotId}`);
      const items = await runtime.lots.items(request.params.lotId);
      return {
        lot: toLot(row as unknown as Record<string, unknown>),
        items: items.map((i) => ({ skuId: i.sku_id, bytes: i.bytes, marketplaceId: i.marketplace_id, outcome: i.outcome, message: i.message, payload: i.payload })),
      };
    },
  );

  app.get(
    '/plugins',
    {
      schema: route(
        {
          summary: 'Plugins: versions, activation state, host, quarantine, refusals, paused integrations',
          querystring: noQuery,
          response: {
            200: obj({
              plugins: arr(
                obj({
                  marketplace: nullable(str()),
                  plugin: str({ description: 'name@version' }),
                  source: str(),
                  state: str(),
                  activationEvents: arr(str()),
                  integrations: arr(obj({ store: str(), marketplace: str(), paused: bool(), reason: str() })),
                  host: nullable(freeObject('Host process/thread, starts, restarts, strikes, quarantine.')),
                  refusal: nullable(obj({ code: str(), message: str(), problems: arr(freeObject()) })),
                }),
              ),
            }),
          },
        },
        ['plugins'],
      ),
    },
    async () => ({
      plugins: runtime.plugins.status().map((p) => ({ ...p, marketplace: p.marketplace ?? null, host: p.host ?? null, refusal: p.refusal ?? null })),
    }),
  );

  app.post<{ Params: { marketplace: string } }>(
    '/plugins/:marketplace/release',
    {
      schema: route(
        {
          summary: "Lift a plugin's quarantine: its integrations resume with a fresh crash budget",
          params: obj({ marketplace: MARKETPLACE }, ['marketplace']),
          querystring: noQuery,
          response: { 200: obj({ marketplace: str(), released: bool() }) },
        },
        ['plugins'],
      ),
    },
    async (request) => {
      const { marketplace } = request.params;
      const status = runtime.plugins.status().find((p) => p.marketplace === marketplace);
      if (!status) throw Errors.adminNotFound(`Plugin for "${marketplace}"`);
      const quarantined = status.state === 'quarantined';
      await runtime.plugins.release(marketplace);
      request.log.info({ marketplace, by: request.adminActor, released: quarantined }, 'plugin release asked through the admin API');
      return { marketplace, released: quarantined };
    },
  );
};
