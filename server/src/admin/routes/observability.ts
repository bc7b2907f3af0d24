import type { FastifyPluginAsync } from 'fastify';
import type { AdminRouteOptions } from '../plugin.js';
import { arr, dateTime, int, MARKETPLACE, obj, route, storeParams } from '../schemas.js';

export const observabilityRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { runtime }) => {
  app.get<{ Params: { store: string }; Querystring: { marketplace?: string; hours: number; bucketMinutes: number } }>(
    '/stores/:store/activity',
    {
      schema: route(
        {
          summary: 'Activity over time: notifications in, updates out (S1), errors, and marketplace 429s, per time bucket',
          params: storeParams,
          querystring: obj({ marketplace: MARKETPLACE, hours: int({ minimum: 1, maximum: 24 * 31, default: 24 }), bucketMinutes: int({ minimum: 1, maximum: 24 * 60, default: 60 }) }),
          response: {
            200: obj({
              from: dateTime(),
              to: dateTime(),
              bucketMinutes: int(),
              buckets: arr(dateTime()),
              notifications: arr(int()),
              updates: arr(int()),
              errors: arr(int()),
              rateLimited: arr(int()),
            }),
          },
        },
        ['activity'],
      ),
    },
    async (request) => {
      const { hours, bucketMinutes, marketplace } = request.query;
      return runtime.adminQueries.activity(request.params.store, { marketplace, hours: Math.max(hours, bucketMinutes / 60), bucketMinutes });
    },
  );
};
