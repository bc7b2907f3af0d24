import type { FastifyPluginAsync } from 'fastify';
import { Errors, QueueNames } from '@connector/core';
import type { AdminRouteOptions } from '../plugin.js';
import { arr, bool, dateTime, int, integrationParams, MARKETPLACE, noQuery, nullable, obj, route, storeParams, str } from '../schemas.js';

const initialLoad = obj({
  id: int(),
  store: str(),
  marketplace: str(),
  status: str({ enum: ['listing', 'running', 'done', 'cancelled'] }),
  listed: int(),
  listingDone: bool(),
  settled: int(),
  synced: int(),
  startedAt: dateTime(),
  finishedAt: nullable(dateTime()),
});

const queueCounts = obj({ name: str(), queued: int(), ready: int(), deferred: int(), active: int(), failed: int(), total: int() });

export const operationsRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { runtime }) => {
  app.get(
    '/queues',
    {
      schema: route({ summary: 'Every pg-boss queue with its job counts (as of the last monitor pass)', querystring: noQuery, response: { 200: obj({ queues: arr(queueCounts) }) } }, ['queues']),
    },
    async () => {
      const queues = await runtime.boss.getQueues();
      return {
        queues: queues
          .map((q) => ({ name: q.name, queued: q.queuedCount, ready: q.readyCount, deferred: q.deferredCount, active: q.activeCount, failed: q.failedCount, total: q.totalCount }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { limit: number } }>(
    '/queues/:name/stats',
    {
      schema: route(
        {
          summary: "One queue's statistics (pg-boss getQueueStats)",
          params: obj({ name: str({ pattern: '^[\\w.-]{1,200}$' }) }, ['name']),
          querystring: obj({ limit: int({ minimum: 1, maximum: 1000, default: 60 }) }),
          response: {
            200: obj({
              name: str(),
              stats: arr(
                obj({
                  deferredCount: int(),
                  queuedCount: int(),
                  readyCount: int(),
                  activeCount: int(),
                  failedCount: int(),
                  totalCount: int(),
                  completedDelta: nullable(int()),
                  failedDelta: nullable(int()),
                  createdDelta: nullable(int()),
                  deltaSeconds: nullable({ type: 'number' }),
                  capturedOn: dateTime(),
                }),
              ),
            }),
          },
        },
        ['queues'],
      ),
    },
    async (request) => {
      const { name } = request.params;
      if (!(await runtime.boss.getQueue(name))) throw Errors.adminNotFound(`Queue "${name}"`);
      const stats = await runtime.boss.getQueueStats(name, { limit: request.query.limit });
      return { name, stats: stats.map((s) => ({ ...s, capturedOn: new Date(s.capturedOn).toISOString() })) };
    },
  );

  app.post<{ Params: { store: string; marketplace: string }; Body: { pageSize?: number } }>(
    '/stores/:store/integrations/:marketplace/initial-load',
    {
      schema: route(
        {
          summary: 'Start (or resume) the initial load: every SKU of the trade policy through the pipeline for this marketplace',
          params: integrationParams,
          querystring: noQuery,
          body: obj({ pageSize: int({ minimum: 1, maximum: 10_000 }) }),
          response: { 200: initialLoad },
        },
        ['operations'],
      ),
    },
    async (request) => {
      const { store, marketplace } = request.params;
      runtime.adminQueries.assertIntegration(store, marketplace);
      const progress = await runtime.initialLoad.start(store, marketplace, { pageSize: request.body?.pageSize });
      request.log.info({ store, marketplace, by: request.adminActor, load: progress.id }, 'initial load started through the admin API');
      return progress;
    },
  );

  app.get<{ Params: { store: string }; Querystring: { marketplace?: string } }>(
    '/stores/:store/initial-loads',
    {
      schema: route({ summary: 'Initial loads and their progress', params: storeParams, querystring: obj({ marketplace: MARKETPLACE }), response: { 200: obj({ loads: arr(initialLoad) }) } }, ['operations']),
    },
    async (request) => {
      runtime.adminQueries.assertStore(request.params.store);
      return { loads: await runtime.initialLoad.list(request.params.store, request.query.marketplace) };
    },
  );

  app.post<{ Params: { store: string; marketplace: string }; Body: { scope?: 'hot' | 'full' } }>(
    '/stores/:store/integrations/:marketplace/reconcile',
    {
      schema: route(
        {
          summary: "Queue a reconciliation run now (compare the marketplace's stock/price with VTEX and repair drifts)",
          params: integrationParams,
          querystring: noQuery,
          body: obj({ scope: str({ enum: ['hot', 'full'], default: 'full' }) }),
          response: { 200: obj({ jobId: nullable(str()), scope: str() }) },
        },
        ['operations'],
      ),
    },
    async (request) => {
      const { store, marketplace } = request.params;
      runtime.adminQueries.assertIntegration(store, marketplace);
      const scope = request.body?.scope ?? 'full';
      const jobId = await runtime.boss.send(QueueNames.reconcile(), { kind: scope, store, marketplace });
      request.log.info({ store, marketplace, scope, by: request.adminActor, jobId }, 'reconciliation queued through the admin API');
      return { jobId, scope };
    },
  );

  app.get<{ Params: { store: string }; Querystring: { marketplace?: string; limit: number } }>(
    '/stores/:store/reconciliation/runs',
    {
      schema: route(
        {
          summary: 'Reconciliation runs, newest first',
          params: storeParams,
          querystring: obj({ marketplace: MARKETPLACE, limit: int({ minimum: 1, maximum: 1000, default: 50 }) }),
          response: { 200: obj({ runs: arr({ type: 'object', additionalProperties: true }) }) },
        },
        ['operations'],
      ),
    },
    async (request) => {
      runtime.adminQueries.assertStore(request.params.store);
      return { runs: await runtime.reconciler.runs({ store: request.params.store, marketplace: request.query.marketplace, limit: request.query.limit }) };
    },
  );
};
