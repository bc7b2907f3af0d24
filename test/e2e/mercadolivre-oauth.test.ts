import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRuntime, createLogger, parseConfig } from '@connector/core';
import { buildServer } from '@connector/server';
import { notifyAll, startStack, WEBHOOK_TOKEN, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const CLIENT_ID = '5550001112223334';
const CLIENT_SECRET = 'fake-client-secret-for-oauth-test';
const INITIAL_REFRESH = 'TG-initial-refresh-token-0001';

interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

describe('Mercado Livre OAuth: single-use rotating refresh tokens kept in ctx.state', () => {
  let stack: Stack;
  // After the simulated restart, the second runtime and its server (the stack's own are stopped).
  let runtime: ConnectorRuntime;
  let app: FastifyInstance;
  let webhook: string;
  const SKUS = 6;

  beforeAll(async () => {
    stack = await startStack({
      skus: SKUS,
      ml: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, initialRefreshToken: INITIAL_REFRESH },
      configure: (raw) => {
        const integration = raw.stores[0].integrations[0];
        // Only the refresh trio: no access token in the settings at all.
        integration.settings = { apiBaseUrl: integration.settings.apiBaseUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: INITIAL_REFRESH };
      },
    });
    runtime = stack.runtime;
    app = stack.app;
    webhook = stack.webhook;
  });
  afterAll(async () => {
    if (!stack) return;
    if (runtime === stack.runtime) return stack.close();
    await app.close();
    await runtime.stop();
    await stack.tdb.cleanup();
    await stack.ml.close();
    await stack.vtex.close();
  });

  const stored = async () => {
    const [row] = await runtime.db.query<{ value: StoredTokens }>(
      `select value from plugin_state where store = $1 and marketplace = 'mercadolivre' and key = 'oauth'`,
      [stack.vtex.account],
    );
    return row?.value;
  };
  const syncedCount = async () =>
    (await runtime.db.query<{ n: number }>(`select count(*)::int as n from sku_state where store = $1 and marketplace = 'mercadolivre' and status = 'synced'`, [stack.vtex.account]))[0].n;
  /** Changes a SKU's price in VTEX, notifies, and waits until Mercado Livre holds the new price. */
  const changePrice = async (index: number) => {
    const sku = stack.vtex.listSkus()[index];
    const changed = stack.vtex.updateSku(sku.id, { price: sku.price + 500, sellingPrice: (sku.sellingPrice ?? sku.price) + 500 });
    expect(await stack.vtex.notify(webhook, sku.id, { PriceModified: true })).toBe(200);
    const item = () => stack.ml.getItemBySellerSku(String(sku.id))!;
    await waitFor(() => item().price === (changed.sellingPrice ?? changed.price) / 100, { describe: () => `price is ${item().price}` });
  };
  /** Asks the fake's token endpoint directly, as Mercado Livre would answer anyone presenting `refreshToken`. */
  const presentRefreshToken = async (refreshToken: string) => {
    const response = await fetch(`${stack.ml.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, refresh_token: refreshToken }).toString(),
    });
    return { status: response.status, body: (await response.json()) as { error?: string } };
  };

  it('with only clientId, clientSecret and refreshToken, gets a token by refreshing once and syncs every SKU', async () => {
    await notifyAll(stack, stack.vtex.listSkus().map((s) => s.id));
    await waitFor(async () => (await syncedCount()) === SKUS, { describe: async () => `${await syncedCount()} synced` });

    expect(stack.ml.items.size).toBe(SKUS);
    // Concurrent deliveries shared one refresh (a second would have spent the rotated token again).
    expect(stack.ml.counters.tokenRefreshes).toBe(1);
    expect(stack.ml.counters.unauthorized).toBe(0);
    const tokens = await stored();
    expect(tokens?.refreshToken).toBe(stack.ml.refreshToken);
    expect(tokens?.refreshToken).not.toBe(INITIAL_REFRESH);
    expect(tokens!.expiresAt).toBeGreaterThan(Date.now() + 5 * 3600_000);
    // Every call went out with the refreshed access token.
    expect([...stack.ml.counters.requestsByToken.keys()]).toEqual([tokens!.accessToken]);
    expect((await presentRefreshToken(INITIAL_REFRESH)).body.error).toBe('invalid_grant');
  });

  it('when Mercado Livre expires the access token, refreshes once on the 401, stores the rotated pair and keeps working', async () => {
    const before = await stored();
    const refreshes = stack.ml.counters.tokenRefreshes;
    const unauthorized = stack.ml.counters.unauthorized;
    stack.ml.expireAccessTokens();

    await changePrice(1);
    expect(stack.ml.counters.unauthorized).toBe(unauthorized + 1);
    expect(stack.ml.counters.tokenRefreshes).toBe(refreshes + 1);
    const after = await stored();
    expect(after?.refreshToken).toBe(stack.ml.refreshToken);
    expect(after?.refreshToken).not.toBe(before?.refreshToken);
    expect(after?.accessToken).not.toBe(before?.accessToken);
    // The spent refresh token is dead at Mercado Livre…
    expect(await presentRefreshToken(before!.refreshToken)).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // …and the plugin does not need it: the next update goes through on the stored pair, with no refresh.
    await changePrice(2);
    expect(stack.ml.counters.tokenRefreshes).toBe(refreshes + 1);
    expect(stack.ml.counters.unauthorized).toBe(unauthorized + 1);
  });

  it('after a restart, uses the rotated tokens from the database, not the stale refresh token in the settings', async () => {
    const tokens = await stored();
    await stack.app.close();
    await stack.runtime.stop();
    // The same config: its settings still carry INITIAL_REFRESH, long spent.
    runtime = await ConnectorRuntime.create({
      config: parseConfig(structuredClone(stack.rawConfig)),
      database: stack.tdb.db,
      logger: createLogger({ level: process.env.CONNECTOR_TEST_LOG ?? 'silent' }),
      workers: true,
    });
    await runtime.start();
    app = buildServer(runtime);
    webhook = `${await app.listen({ port: 0, host: '127.0.0.1' })}/api/notification?token=${WEBHOOK_TOKEN}`;

    const refreshes = stack.ml.counters.tokenRefreshes;
    const sentWithStored = stack.ml.counters.requestsByToken.get(tokens!.accessToken) ?? 0;
    await changePrice(3);
    // The stored access token is still valid: used as is.
    expect(stack.ml.counters.tokenRefreshes).toBe(refreshes);
    expect(stack.ml.counters.requestsByToken.get(tokens!.accessToken)).toBeGreaterThan(sentWithStored);

    // Expired: the refresh presents the stored (live) refresh token; the settings' one would get invalid_grant.
    stack.ml.expireAccessTokens();
    await changePrice(4);
    expect(stack.ml.counters.tokenRefreshes).toBe(refreshes + 1);
    expect((await stored())?.refreshToken).toBe(stack.ml.refreshToken);
  });

  it('pauses the integration with the fix when the refresh token is refused (invalid_grant), without sending the change', async () => {
    // The live refresh token is spent elsewhere (as if revoked, or used by another copy of the app)…
    expect((await presentRefreshToken(stack.ml.refreshToken)).status).toBe(200);
    // …and the stored access token has expired (six hours later): the plugin must refresh before the call.
    await runtime.db.query(
      `update plugin_state set value = jsonb_set(value, '{expiresAt}', to_jsonb($2::float8)) where store = $1 and marketplace = 'mercadolivre' and key = 'oauth'`,
      [stack.vtex.account, Date.now() - 1000],
    );
    stack.ml.expireAccessTokens();
    const refreshes = stack.ml.counters.tokenRefreshes;
    const sku = stack.vtex.listSkus()[5];
    const price = stack.ml.getItemBySellerSku(String(sku.id))!.price;
    stack.vtex.updateSku(sku.id, { price: sku.price + 700, sellingPrice: (sku.sellingPrice ?? sku.price) + 700 });
    expect(await stack.vtex.notify(webhook, sku.id, { PriceModified: true })).toBe(200);

    const pause = async () =>
      (await runtime.db.query<{ paused: boolean; reason: string }>(`select paused, reason from integration_pauses where store = $1 and marketplace = 'mercadolivre'`, [stack.vtex.account]))[0];
    await waitFor(async () => (await pause())?.paused, { describe: async () => JSON.stringify(await pause()) });
    expect((await pause()).reason).toMatch(/invalid_grant.*put the new refreshToken in the integration settings/);
    expect(stack.ml.counters.tokenRefreshes).toBe(refreshes); // every refresh the plugin tried was refused
    expect(stack.ml.getItemBySellerSku(String(sku.id))!.price).toBe(price);
  });
});
