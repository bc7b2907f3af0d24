import type { FastifyPluginAsync } from 'fastify';
import type { ConnectorRuntime } from '@connector/core';

/** Liveness (the process answers) and readiness (the database answers). */
export const healthRoutes: FastifyPluginAsync<{ runtime: ConnectorRuntime }> = async (app, { runtime }) => {
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_request, reply) => {
    try {
      await runtime.db.ping();
      return { status: 'ready', database: runtime.db.kind };
    } catch (error) {
      return reply.status(503).send({ status: 'unavailable', reason: (error as Error).message });
    }
  });
};
