import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ConnectorError, type ConnectorRuntime } from '@connector/core';
import { adminApi } from './admin/plugin.js';
import { adminUi } from './admin/ui.js';
import { healthRoutes } from './routes/health.js';
import { instrumentWebhook, metricsRoutes } from './routes/metrics.js';
import { logsRoutes } from './routes/logs.js';
import { webhookRoutes } from './routes/webhook.js';

/** A registered route, as the route table keeps it (tests walk it: every admin route is covered). */
export interface RouteInfo {
  method: string;
  url: string;
  schema?: Record<string, unknown>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered, in order (filled by an onRoute hook; complete once the server is ready). */
    routeTable: RouteInfo[];
  }
}

export interface ServerOptions {
  /** Largest accepted request body; VTEX notifications are a few hundred bytes. */
  bodyLimit?: number;
}

/**
 * The HTTP face of a runtime: small encapsulated fastify plugins, one per concern.
 * Every error leaves as `{ statusCode, code, message, details? }`.
 */
export function buildServer(runtime: ConnectorRuntime, options: ServerOptions = {}): FastifyInstance {
  const app = Fastify({
    loggerInstance: runtime.log.child({ component: 'http' }) as FastifyBaseLogger,
    // One log line per webhook call would cost more than the call itself; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    routerOptions: { ignoreTrailingSlash: true },
    // Admin routes refuse unknown query parameters and body fields (400 naming them) instead of
    // silently dropping them; the other routes have no schemas.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: true } },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
    },
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ConnectorError) {
      return reply.status(error.statusCode).send({ statusCode: error.statusCode, code: error.code, message: error.message, details: error.details });
    }
    const e = error as Error & { statusCode?: number; code?: string };
    const status = e.statusCode && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'unhandled error');
    // fastify's own 4xx (bad JSON, body too large, wrong content type) keep their code and message.
    return reply.status(status).send({ statusCode: status, code: e.code ?? 'CONNECTOR_ERR_INTERNAL', message: status === 500 ? 'Internal error' : e.message });
  });

  const routeTable: RouteInfo[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) if (method !== 'HEAD') routeTable.push({ method, url: r.url, schema: r.schema as Record<string, unknown> | undefined });
  });

  instrumentWebhook(app, runtime);
  app.register(webhookRoutes, { runtime });
  app.register(healthRoutes, { runtime });
  app.register(logsRoutes, { runtime });
  app.register(metricsRoutes, { runtime });
  app.register(adminApi, { runtime });
  app.register(adminUi);
  return app;
}
