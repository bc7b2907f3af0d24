import type { FastifyPluginAsync } from 'fastify';
import { checkReadiness, type ConnectorRuntime } from '@connector/core';

/**
 * Liveness and readiness, for a process supervisor or a load balancer.
 * - `GET /health`: the process answers (its event loop runs). Never touches the database: a database
 *   outage must not get a healthy process restarted — it reconnects by itself.
 * - `GET /ready`: the database and the queue (pg-boss) both answer, checked on every call. 503 while
 *   either is unreachable, so a load balancer stops sending webhooks; 200 again as soon as they are
 *   back, with no operator action.
 */
export const healthRoutes: FastifyPluginAsync<{ runtime: ConnectorRuntime }> = async (app, { runtime }) => {
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    const { ready, checks } = await checkReadiness(runtime.db, runtime.boss);
    const body = { status: ready ? 'ready' : 'unavailable', database: runtime.db.kind, checks };
    return reply.status(ready ? 200 : 503).send(body);
  });
};
