import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Errors, parseStatuses, type ConnectorRuntime, type OutcomeCode } from '@connector/core';

const CODES = ['S1', 'A1', 'A2', 'A3', 'E1', 'E2', 'E3', 'E4', 'E5'];

function positiveInt(name: string, raw: unknown, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !/^\d{1,6}$/.test(raw)) throw Errors.invalidArgument(name, `"${String(raw)}" is not a whole number`);
  return Number(raw);
}

/**
 * VTEX's log endpoint for external-marketplace connectors: `GET /{account}/logs/?DateAt=yyyy-mm-dd&status=all|success,error,…`
 * → `{"Messages": [{ id, Operation, Direction, ContentSource, ContentTransalted, ContentDestination, BusinessMessage, Status, … }]}`.
 * Extra filters: `marketplace`, `skuId`, `code` (S1, A1–A3, E1–E5, comma list), `tz` (the day's time zone, default UTC),
 * `page`/`pageSize`. The store's webhook token authenticates (`?token=` or `X-Connector-Token`): logs hold catalog data.
 */
export const logsRoutes: FastifyPluginAsync<{ runtime: ConnectorRuntime }> = async (app, { runtime }) => {
  app.get('/:account/logs', async (request: FastifyRequest) => {
    const { account } = request.params as { account: string };
    const query = request.query as Record<string, string | undefined>;
    const header = request.headers['x-connector-token'];
    const token = typeof query.token === 'string' ? query.token : typeof header === 'string' ? header : undefined;
    if (!runtime.stores.authenticate(account, token)) throw Errors.unauthorized(`the logs of ${account}`);

    const dateAt = query.DateAt ?? query.dateAt ?? query.dateat;
    if (!dateAt) throw Errors.invalidArgument('DateAt', 'is required: the day to list, as yyyy-mm-dd');
    const codes = query.code
      ?.split(',')
      .map((c) => c.trim().toUpperCase())
      .filter(Boolean);
    const unknown = codes?.find((c) => !CODES.includes(c));
    if (unknown) throw Errors.invalidArgument('code', `"${unknown}" is not an outcome code; use ${CODES.join(', ')}`);
    const page = positiveInt('page', query.page, 1);
    const pageSize = positiveInt('pageSize', query.pageSize, 100);
    const result = await runtime.operationLog.query({
      store: account,
      date: dateAt,
      timeZone: query.tz,
      statuses: parseStatuses(query.status),
      marketplace: query.marketplace,
      skuId: query.skuId,
      codes: codes as OutcomeCode[] | undefined,
      page,
      pageSize,
    });
    return { Messages: result.messages, Paging: { page, pageSize, hasMore: result.hasMore } };
  });
};
