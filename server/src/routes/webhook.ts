import type { FastifyPluginAsync } from 'fastify';
import { Errors, parseNotification, type ConnectorRuntime } from '@connector/core';

/**
 * The VTEX affiliate endpoint. Parse (400 naming the field) → authenticate the store by its token
 * (401) → commit to the durable inbox → 200. Nothing is stored before both checks pass, and the
 * 2xx goes out only after the commit: VTEX retries anything else.
 */
export const webhookRoutes: FastifyPluginAsync<{ runtime: ConnectorRuntime }> = async (app, { runtime }) => {
  const handler = async (request: import('fastify').FastifyRequest) => {
    const notification = parseNotification(request.body);
    const query = request.query as Record<string, unknown>;
    const header = request.headers['x-connector-token'];
    const token = typeof query.token === 'string' ? query.token : typeof header === 'string' ? header : undefined;
    if (!runtime.stores.authenticate(notification.account, token)) {
      // Step a of VTEX's guide: a store this connector does not serve (or a bad token) — logged, dropped.
      request.log.warn({ account: notification.account, skuId: notification.skuId, known: Boolean(runtime.stores.get(notification.account)) }, 'notification refused: unknown store or bad token');
      throw Errors.webhookUnauthorized();
    }
    try {
      await runtime.inbox.accept(notification, request.id);
    } catch (error) {
      // Not stored: 503 with a code, so VTEX sends it again and an operator sees why (database down).
      request.log.error({ err: error, skuId: notification.skuId }, 'notification not stored: database unavailable');
      throw Errors.databaseUnavailable((error as Error).message);
    }
    return { accepted: true, requestId: request.id };
  };
  // `ignoreTrailingSlash` serves /api/notification/ too. The body limit is the route's own, whatever the
  // server's: a notification is a few hundred bytes, anything past the limit is refused (413) unread.
  app.post('/api/notification', { bodyLimit: WEBHOOK_BODY_LIMIT }, handler);
};

/** Largest notification body accepted; VTEX's are under 1 KiB. */
export const WEBHOOK_BODY_LIMIT = 32 * 1024;
