import type { FastifyPluginAsync } from 'fastify';
import { parseStatuses, type OutcomeCode, type SkuStatus } from '@connector/core';
import type { AdminRouteOptions } from '../plugin.js';
import { anyValue, arr, bool, dateTime, freeObject, int, MARKETPLACE, nullable, obj, route, SKU_ID, SKU_STATUSES, storeParams, str, STORE } from '../schemas.js';

const fix = freeObject('A fix for the seller: { field?, message, … }.');
const skuState = obj({
  store: str(),
  marketplace: str(),
  skuId: str(),
  status: str({ enum: SKU_STATUSES }),
  attempts: int(),
  lastAttemptAt: nullable(dateTime()),
  lastRequest: anyValue('The last payload sent (operation, payload).'),
  lastResponse: anyValue("The marketplace's last answer."),
  fixes: arr(fix),
  marketplaceId: nullable(str()),
  vtexCategoryId: nullable(str()),
  desiredOperation: str(),
  desiredPayload: nullable(freeObject()),
  deliveredOperation: nullable(str()),
  requestId: nullable(str({ description: 'The notification (request) id that started the latest work on this SKU.' })),
  updatedAt: dateTime(),
});

const logMessage = obj({
  id: str(),
  Operation: str(),
  Direction: str(),
  ContentSource: str(),
  ContentTransalted: str(),
  ContentDestination: str(),
  BusinessMessage: str(),
  Status: str(),
  Code: nullable(str()),
  IdSku: nullable(str()),
  Marketplace: nullable(str()),
  RequestId: nullable(str()),
  DateAt: dateTime(),
});

const CODES = ['S1', 'A1', 'A2', 'A3', 'E1', 'E2', 'E3', 'E4', 'E5'];

export const skuRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { runtime }) => {
  app.get<{ Params: { store: string }; Querystring: { marketplace?: string; status?: SkuStatus[]; limit: number } }>(
    '/stores/:store/skus',
    {
      schema: route(
        {
          summary: 'SKU state per marketplace, filtered by status and marketplace (status may repeat: ?status=invalid&status=failed)',
          params: storeParams,
          querystring: obj({ marketplace: MARKETPLACE, status: arr(str({ enum: SKU_STATUSES }), { maxItems: 7 }), limit: int({ minimum: 1, maximum: 10_000, default: 500 }) }),
          response: { 200: obj({ skus: arr(skuState) }) },
        },
        ['skus'],
      ),
    },
    async (request) => {
      const { store } = request.params;
      const { marketplace, status, limit } = request.query;
      runtime.adminQueries.assertStore(store);
      if (marketplace) runtime.adminQueries.assertIntegration(store, marketplace);
      const statuses = status?.length ? status : [undefined];
      const lists = await Promise.all(statuses.map((s) => runtime.state.list({ store, marketplace, status: s, limit })));
      return { skus: lists.flat().slice(0, limit) };
    },
  );

  app.get<{ Params: { store: string; skuId: string }; Querystring: { limit: number } }>(
    '/stores/:store/skus/:skuId',
    {
      schema: route(
        {
          summary: "One SKU's full history: state per marketplace (payload sent, answer, fixes), notifications, the last VTEX snapshot, operation logs, warnings, lots, drifts",
          params: obj({ store: STORE, skuId: SKU_ID }, ['store', 'skuId']),
          querystring: obj({ limit: int({ minimum: 1, maximum: 1000, default: 100 }) }),
          response: {
            200: obj({
              store: str(),
              skuId: str(),
              states: arr(skuState),
              notifications: arr(obj({ id: str(), requestId: str(), receivedAt: dateTime(), dispatchedAt: nullable(dateTime()), refreshedAt: nullable(dateTime()), payload: freeObject() })),
              snapshot: nullable(obj({ fetchedAt: dateTime(), snapshot: freeObject() })),
              logs: arr(logMessage),
              warnings: arr(obj({ marketplace: str(), policy: str(), kind: str(), message: str(), details: anyValue(), raisedAt: dateTime() })),
              lots: arr(obj({ lotId: str(), marketplace: str(), operation: str(), status: str(), outcome: nullable(str()), message: nullable(str()), createdAt: dateTime() })),
              drifts: arr(obj({ marketplace: nullable(str()), kind: str(), fields: anyValue(), detectedAt: dateTime() })),
            }),
          },
        },
        ['skus'],
      ),
    },
    async (request) => runtime.adminQueries.skuHistory(request.params.store, request.params.skuId, request.query.limit),
  );

  app.get<{ Params: { store: string }; Querystring: { marketplace?: string; warningsOnly: boolean; limit: number; offset: number } }>(
    '/stores/:store/inventory',
    {
      schema: route(
        {
          summary: 'Inventory per marketplace: SKUs with VTEX stock, stock sent, last sync and minimum-stock warnings (warned SKUs first)',
          params: storeParams,
          querystring: obj({ marketplace: MARKETPLACE, warningsOnly: bool({ default: false }), limit: int({ minimum: 1, maximum: 1000, default: 100 }), offset: int({ minimum: 0, default: 0 }) }),
          response: {
            200: obj({
              total: int(),
              warned: int(),
              rows: arr(
                obj({
                  skuId: str(),
                  marketplace: str(),
                  name: nullable(str()),
                  status: str(),
                  vtexStock: nullable(int()),
                  sentStock: nullable(int()),
                  price: nullable({ type: 'number' }),
                  lastAttemptAt: nullable(dateTime()),
                  inSync: bool(),
                  warnings: arr(obj({ policy: str(), kind: str(), message: str(), raisedAt: dateTime() })),
                }),
              ),
            }),
          },
        },
        ['skus'],
      ),
    },
    async (request) => runtime.adminQueries.inventory(request.params.store, request.query),
  );

  app.get<{ Params: { store: string }; Querystring: { DateAt: string; status?: string; marketplace?: string; skuId?: string; code?: string[]; tz?: string; page: number; pageSize: number } }>(
    '/stores/:store/logs',
    {
      schema: route(
        {
          summary: "Operation logs in VTEX's format (the same as GET /{account}/logs/, with an admin token)",
          params: storeParams,
          querystring: obj(
            {
              DateAt: str({ format: 'date', description: 'The day, yyyy-mm-dd.' }),
              status: str({ description: 'all, or a comma list of success, error, alert, pending.' }),
              marketplace: MARKETPLACE,
              skuId: SKU_ID,
              code: arr(str({ enum: CODES })),
              tz: str({ maxLength: 64, description: "The day's IANA time zone (default UTC)." }),
              page: int({ minimum: 1, default: 1 }),
              pageSize: int({ minimum: 1, maximum: 1000, default: 100 }),
            },
            ['DateAt'],
          ),
          response: { 200: obj({ Messages: arr(logMessage), Paging: obj({ page: int(), pageSize: int(), hasMore: bool() }) }) },
        },
        ['logs'],
      ),
    },
    async (request) => {
      const { store } = request.params;
      const q = request.query;
      runtime.adminQueries.assertStore(store);
      const result = await runtime.operationLog.query({
        store,
        date: q.DateAt,
        timeZone: q.tz,
        statuses: parseStatuses(q.status),
        marketplace: q.marketplace,
        skuId: q.skuId,
        codes: q.code as OutcomeCode[] | undefined,
        page: q.page,
        pageSize: q.pageSize,
      });
      return { Messages: result.messages, Paging: { page: q.page, pageSize: q.pageSize, hasMore: result.hasMore } };
    },
  );
};
