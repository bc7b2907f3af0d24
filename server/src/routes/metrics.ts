import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { DEFAULT_ADMIN, Errors, TOKENS, type ConnectorRuntime } from '@connector/core';

/**
 * Prometheus metrics at /metrics (prom-client text format). Open by default, like /health (scrape it
 * from inside your network); with `admin.metricsToken` it needs an admin bearer token too.
 */
export const metricsRoutes: FastifyPluginAsync<{ runtime: ConnectorRuntime }> = async (app, { runtime }) => {
  const requireToken = (runtime.container.resolve(TOKENS.Config).admin ?? DEFAULT_ADMIN).metricsToken;
  app.get('/metrics', async (request, reply) => {
    if (requireToken && !runtime.adminTokens.verifyHeader(request.headers.authorization)) throw Errors.adminUnauthorized('/metrics needs an admin token (admin.metricsToken is on)');
    const text = await runtime.metrics.render();
    return reply.type(runtime.metrics.contentType).send(text);
  });
};

/**
 * Counts webhook outcomes from the answer's status, so the webhook's own code stays as it is:
 * 200 → received (per store), 400 → invalid, 401 → unauthorized, anything else → error. One counter
 * increment per call, in memory.
 */
export function instrumentWebhook(app: FastifyInstance, runtime: ConnectorRuntime): void {
  const { notificationsReceived, notificationsRejected } = runtime.metrics;
  app.addHook('onResponse', (request, reply, done) => {
    if (request.routeOptions.url === '/api/notification') {
      const status = reply.statusCode;
      // A 2xx means the store authenticated: the label only ever holds configured accounts.
      if (status < 300) notificationsReceived.inc({ store: accountOf(request.body) });
      else notificationsRejected.inc({ reason: status === 400 ? 'invalid' : status === 401 ? 'unauthorized' : 'error' });
    }
    done();
  });
}

/** The notification's `An` (VTEX sends the field names in any case). */
function accountOf(body: unknown): string {
  if (!body || typeof body !== 'object') return '';
  for (const [k, v] of Object.entries(body)) if (k.toLowerCase() === 'an') return String(v).toLowerCase();
  return '';
}
