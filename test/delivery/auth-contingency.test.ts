import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { notifyAll, startStack, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

describe('auth contingency', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ skus: 12, limits: { rate: { default: { perSecond: 200, burst: 20 } } }, delivery: { authProbeSeconds: 3600 } });
  });
  afterAll(async () => stack?.close());

  const statuses = async () =>
    stack.runtime.db.query<{ sku_id: string; status: string }>(`select sku_id, status from sku_state where store = $1 order by sku_id::int`, [stack.vtex.account]);

  it('pauses the integration when the token expires, keeps its work, and syncs every paused SKU after new credentials', async () => {
    const skus = stack.vtex.listSkus();
    stack.ml.expireAccessTokens();
    await notifyAll(stack, skus.slice(0, 8).map((s) => s.id));

    const pause = async () => (await stack.runtime.contingency.status(stack.vtex.account, 'mercadolivre'))[0];
    await waitFor(async () => (await pause())?.paused === true, { timeoutMs: 30_000 });
    expect((await pause())!.reason).toContain('refused our credentials');
    // Notifications that arrive meanwhile are kept too.
    await notifyAll(stack, skus.slice(8).map((s) => s.id));
    await waitFor(async () => (await statuses()).length === skus.length, { timeoutMs: 30_000 });
    const refused = stack.ml.counters.unauthorized;
    // The plugin has no refresh: each in-flight call was refused once (at most the concurrency), then nothing more.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThanOrEqual(4);
    expect(stack.ml.counters.creates).toBe(0);
    expect((await statuses()).every((r) => r.status === 'pending')).toBe(true);

    await stack.runtime.updateIntegrationSettings(stack.vtex.account, 'mercadolivre', { accessToken: stack.ml.issueAccessToken(), apiBaseUrl: stack.ml.url });
    await waitFor(async () => (await statuses()).every((r) => r.status === 'synced'), {
      timeoutMs: 60_000,
      describe: async () => JSON.stringify((await statuses()).filter((r) => r.status !== 'synced')),
    });
    expect((await pause())!.paused).toBe(false);
    expect(stack.ml.counters.unauthorized).toBe(refused);
    expect(stack.ml.items.size).toBe(skus.length);
    expect(stack.ml.counters.creates).toBe(skus.length);
    expect(await stack.runtime.deadLetters.list()).toEqual([]);
  });

  it('refuses settings the plugin schema rejects, naming the field', async () => {
    await expect(stack.runtime.updateIntegrationSettings(stack.vtex.account, 'mercadolivre', { apiBaseUrl: stack.ml.url })).rejects.toMatchObject({
      code: 'CONNECTOR_ERR_SETTINGS_INVALID',
      message: expect.stringContaining('accessToken'),
    });
  });
});

describe('auth contingency: the periodic probe', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ skus: 6, limits: { rate: { default: { perSecond: 200, burst: 20 } } }, delivery: { authProbeSeconds: 1 } });
  });
  afterAll(async () => stack?.close());

  it('resumes by itself once the same credentials work again, and delivers what waited', async () => {
    stack.ml.refuseAllTokens = true;
    await notifyAll(stack, stack.vtex.listSkus().map((s) => s.id));
    const paused = async () => (await stack.runtime.contingency.status(stack.vtex.account, 'mercadolivre'))[0]?.paused === true;
    await waitFor(paused, { timeoutMs: 30_000 });
    // Each probe is one refused call: the work itself is not retried while paused.
    const refusedWhilePaused = stack.ml.counters.unauthorized;
    await waitFor(() => stack.ml.counters.unauthorized >= refusedWhilePaused + 2, { timeoutMs: 30_000 });
    expect(stack.ml.counters.creates).toBe(0);
    expect(await paused()).toBe(true);

    stack.ml.refuseAllTokens = false;
    await waitFor(() => stack.ml.counters.creates === 6, { timeoutMs: 30_000, describe: () => `${stack.ml.counters.creates} created` });
    expect(await paused()).toBe(false);
    expect(await stack.runtime.deadLetters.list()).toEqual([]);
  });
});
