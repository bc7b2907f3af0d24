import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { DEFAULT_ADMIN, Errors, TOKENS, toProblems, type ConnectorRuntime } from '@connector/core';
import { catalogRoutes } from './routes/catalog.js';
import { deliveryRoutes } from './routes/delivery.js';
import { integrationRoutes } from './routes/integrations.js';
import { observabilityRoutes } from './routes/observability.js';
import { operationsRoutes } from './routes/operations.js';
import { skuRoutes } from './routes/skus.js';

export const ADMIN_API_PREFIX = '/admin/api';
/** Public (no token): the OpenAPI document and its docs page describe routes, never data. */
export const PUBLIC_ADMIN_PATHS = [`${ADMIN_API_PREFIX}/openapi.json`, `${ADMIN_API_PREFIX}/docs`];

declare module 'fastify' {
  interface FastifyRequest {
    /** The name of the admin token that authenticated the request. */
    adminActor?: string;
  }
}

export interface AdminRouteOptions {
  runtime: ConnectorRuntime;
}

/**
 * The admin API: every route under /admin/api needs `Authorization: Bearer <token>` (config
 * `admin.tokens`, compared in constant time); requests with a missing or bad token are counted per
 * client address and refused with 429 past `admin.failedAuthPerMinute` (valid tokens are never
 * limited). Every route declares JSON schemas for params, query, body and responses; the OpenAPI 3
 * document is generated from them at /admin/api/openapi.json, with a docs page at /admin/api/docs.
 */
export const adminApi: FastifyPluginAsync<AdminRouteOptions> = async (app, { runtime }) => {
  const config = runtime.container.resolve(TOKENS.Config).admin ?? DEFAULT_ADMIN;

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Connector admin API',
        version: '1.0.0',
        description: 'Stores, integrations, category mappings, SKU state, operation logs, dead letters, lots, plugins, queues, initial loads and reconciliation. Every route needs `Authorization: Bearer <token>` (config `admin.tokens`). Errors answer `{ statusCode, code, message, details }` with a stable code (docs/errors.md).',
      },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
      tags: ['stores', 'integrations', 'catalog', 'skus', 'logs', 'delivery', 'plugins', 'queues', 'operations', 'activity'].map((name) => ({ name })),
    },
    hideUntagged: true,
  });
  await app.register(swaggerUi, { routePrefix: `${ADMIN_API_PREFIX}/docs`, staticCSP: true, uiConfig: { url: `${ADMIN_API_PREFIX}/openapi.json` } as never });
  await app.register(rateLimit, { global: false });
  const failedAuth = app.createRateLimit({ max: config.failedAuthPerMinute, timeWindow: 60_000 });

  app.get(`${ADMIN_API_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());

  // Validation errors name every field: 400 CONNECTOR_ERR_ADMIN_REQUEST_INVALID with details [{ path, message }].
  app.setSchemaErrorFormatter((errors, dataVar) => Errors.adminRequestInvalid(toProblems(errors as never, dataVar === 'querystring' ? 'query' : dataVar)));

  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith(`${ADMIN_API_PREFIX}/`) || PUBLIC_ADMIN_PATHS.some((p) => request.url === p || request.url.startsWith(`${p}/`) || request.url.startsWith(`${p}?`))) return;
    const actor = runtime.adminTokens.verifyHeader(request.headers.authorization);
    if (actor) {
      request.adminActor = actor;
      return;
    }
    const limit = await failedAuth(request);
    if (!limit.isAllowed && limit.isExceeded) {
      reply.header('retry-after', String(limit.ttlInSeconds));
      request.log.warn({ ip: request.ip, url: request.routeOptions.url }, 'admin API: too many failed authentications');
      throw Errors.adminRateLimited(limit.ttlInSeconds);
    }
    request.log.warn({ ip: request.ip, url: request.routeOptions.url, given: Boolean(request.headers.authorization) }, 'admin API: unauthorized');
    throw Errors.adminUnauthorized(!runtime.adminTokens.configured ? 'no admin token is configured (config admin.tokens)' : request.headers.authorization ? 'the bearer token matches no admin token' : 'the Authorization header is missing');
  });

  const options = { runtime, prefix: ADMIN_API_PREFIX };
  await app.register(integrationRoutes, options);
  await app.register(catalogRoutes, options);
  await app.register(skuRoutes, options);
  await app.register(deliveryRoutes, options);
  await app.register(operationsRoutes, options);
  await app.register(observabilityRoutes, options);
};

/** The admin token's name of an authenticated request (for "who changed it"). */
export function actorOf(request: FastifyRequest): string {
  return request.adminActor ?? 'unknown';
}
