import type { FastifyPluginAsync } from 'fastify';
import { Errors } from '@connector/core';
import type { AdminRouteOptions } from '../plugin.js';
import { arr, bool, dateTime, int, integrationParams, MARKETPLACE, noQuery, nullable, obj, route, storeParams, str, STORE } from '../schemas.js';

const CATEGORY_ID = str({ pattern: '^[0-9]{1,18}$', description: 'VTEX category id.' });
const mappingParams = obj({ store: STORE, marketplace: MARKETPLACE, vtexCategoryId: CATEGORY_ID }, ['store', 'marketplace', 'vtexCategoryId']);
const mapping = obj({ vtexCategoryId: str(), marketplaceCategoryId: str(), source: str({ enum: ['config', 'api'] }), updatedAt: dateTime() });

export const catalogRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, { runtime }) => {
  app.get<{ Params: { store: string; marketplace: string } }>(
    '/stores/:store/integrations/:marketplace/categories/unmapped',
    {
      schema: route(
        {
          summary: 'VTEX categories whose SKUs wait for a mapping (pending-category), with SKU counts',
          params: integrationParams,
          querystring: noQuery,
          response: { 200: obj({ categories: arr(obj({ vtexCategoryId: str(), name: nullable(str()), skus: int() })) }) },
        },
        ['catalog'],
      ),
    },
    async (request) => ({ categories: await runtime.adminQueries.unmappedCategories(request.params.store, request.params.marketplace) }),
  );

  app.get<{ Params: { store: string; marketplace: string } }>(
    '/stores/:store/integrations/:marketplace/category-mappings',
    { schema: route({ summary: 'Category mappings of the integration (config and API)', params: integrationParams, querystring: noQuery, response: { 200: obj({ mappings: arr(mapping) }) } }, ['catalog']) },
    async (request) => {
      runtime.adminQueries.assertIntegration(request.params.store, request.params.marketplace);
      return { mappings: await runtime.categoryMappings.list(request.params.store, request.params.marketplace) };
    },
  );

  app.put<{ Params: { store: string; marketplace: string; vtexCategoryId: string }; Body: { marketplaceCategoryId: string } }>(
    '/stores/:store/integrations/:marketplace/category-mappings/:vtexCategoryId',
    {
      schema: route(
        {
          summary: 'Map a VTEX category to a marketplace category: every SKU waiting on it is released at once',
          params: mappingParams,
          querystring: noQuery,
          body: obj({ marketplaceCategoryId: str({ minLength: 1, maxLength: 200, pattern: '\\S' }) }, ['marketplaceCategoryId']),
          response: { 200: obj({ vtexCategoryId: str(), marketplaceCategoryId: str(), released: int(), requestId: nullable(str()) }) },
        },
        ['catalog'],
      ),
    },
    async (request) => {
      const { store, marketplace, vtexCategoryId } = request.params;
      runtime.adminQueries.assertIntegration(store, marketplace);
      const result = await runtime.categoryMappings.set(store, marketplace, vtexCategoryId, request.body.marketplaceCategoryId);
      request.log.info({ store, marketplace, vtexCategoryId, by: request.adminActor, released: result.released }, 'category mapped through the admin API');
      return { vtexCategoryId, marketplaceCategoryId: request.body.marketplaceCategoryId.trim(), released: result.released, requestId: result.requestId ?? null };
    },
  );

  app.delete<{ Params: { store: string; marketplace: string; vtexCategoryId: string } }>(
    '/stores/:store/integrations/:marketplace/category-mappings/:vtexCategoryId',
    { schema: route({ summary: 'Remove a mapping (published SKUs stay; new ones wait again)', params: mappingParams, querystring: noQuery, response: { 200: obj({ removed: bool() }) } }, ['catalog']) },
    async (request) => {
      const { store, marketplace, vtexCategoryId } = request.params;
      runtime.adminQueries.assertIntegration(store, marketplace);
      const removed = await runtime.categoryMappings.remove(store, marketplace, vtexCategoryId);
      if (!removed) throw Errors.adminNotFound(`The mapping of VTEX category ${vtexCategoryId}`);
      return { removed };
    },
  );

  app.get<{ Params: { store: string }; Querystring: { marketplace?: string; kind?: 'inventory' | 'price' } }>(
    '/stores/:store/warnings',
    {
      schema: route(
        {
          summary: "Merchant policies' warnings (minimum stock reached, held price cuts)",
          params: storeParams,
          querystring: obj({ marketplace: MARKETPLACE, kind: str({ enum: ['inventory', 'price'] }) }),
          response: {
            200: obj({
              warnings: arr(obj({ marketplace: str(), skuId: str(), policy: str(), kind: str(), message: str(), details: { type: 'object', additionalProperties: true }, raisedAt: dateTime(), approvedAt: nullable(dateTime()) })),
            }),
          },
        },
        ['catalog'],
      ),
    },
    async (request) => {
      runtime.adminQueries.assertStore(request.params.store);
      const rows = await runtime.policyWarnings.list({ store: request.params.store, marketplace: request.query.marketplace, kind: request.query.kind });
      return { warnings: rows };
    },
  );
};
