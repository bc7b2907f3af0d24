import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { ConnectorError, type ConnectorRuntime } from '@connector/core';
import { healthRoutes } from './routes/health.js';
import { logsRoutes } from './routes/logs.js';
import { webhookRoutes } from './routes/webhook.js';

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

  app.register(webhookRoutes, { runtime });
  app.register(healthRoutes, { runtime });
  app.register(logsRoutes, { runtime });
  return app;
}
