import type { OperationLogMessage, SkuState } from '@connector/core';
import { WEBHOOK_TOKEN, type Stack } from './stack.js';
import { waitFor } from './wait.js';

/** Today, as the logs endpoint's DateAt (UTC). */
export const today = () => new Date().toISOString().slice(0, 10);

/** GET /{account}/logs/ through the HTTP server, as VTEX's integration app calls it. */
export async function fetchLogs(stack: Stack, params: Record<string, string> = {}, account = stack.vtex.account) {
  const query = new URLSearchParams({ DateAt: today(), token: WEBHOOK_TOKEN, pageSize: '1000', ...params });
  const res = await stack.app.inject({ method: 'GET', url: `/${account}/logs/?${query}` });
  return { status: res.statusCode, body: res.json() as { Messages: OperationLogMessage[]; Paging: { hasMore: boolean } } & Record<string, unknown> };
}

/** The SKU's log messages on a marketplace, oldest first. */
export async function skuLogs(stack: Stack, skuId: number | string, marketplace = 'mercadolivre'): Promise<OperationLogMessage[]> {
  const { status, body } = await fetchLogs(stack, { skuId: String(skuId), marketplace });
  if (status !== 200) throw new Error(`logs answered ${status}: ${JSON.stringify(body)}`);
  return body.Messages;
}

/** Waits for a log message with `code` for the SKU newer than `afterId`, and returns it. */
export async function waitForLog(stack: Stack, skuId: number | string, code: string, afterId = 0, marketplace = 'mercadolivre'): Promise<OperationLogMessage> {
  return waitFor(async () => (await skuLogs(stack, skuId, marketplace)).find((m) => m.Code === code && Number(m.id) > afterId), {
    timeoutMs: 30_000,
    describe: async () => `no ${code} for SKU ${skuId}; logs: ${JSON.stringify((await skuLogs(stack, skuId, marketplace)).map((m) => [m.id, m.Code, m.BusinessMessage]))}`,
  });
}

/** The highest log id so far (messages newer than it belong to what happens next). */
export async function lastLogId(stack: Stack): Promise<number> {
  const [row] = await stack.runtime.db.query<{ id: number | null }>('select max(id)::int as id from operation_logs');
  return row.id ?? 0;
}

export function stateOf(stack: Stack, skuId: number | string, marketplace = 'mercadolivre'): Promise<SkuState | undefined> {
  return stack.runtime.state.get(stack.vtex.account, marketplace, String(skuId));
}

export async function notifyOk(stack: Stack, skuId: number, flags: Record<string, boolean>) {
  const status = await stack.vtex.notify(stack.webhook, skuId, flags);
  if (status !== 200) throw new Error(`notification for SKU ${skuId} answered ${status}`);
}
