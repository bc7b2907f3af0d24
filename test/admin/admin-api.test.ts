import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectorRuntime, createLogger, METRIC_NAMES, parseConfig } from '@connector/core';
import { ADMIN_API_PREFIX, buildServer, PUBLIC_ADMIN_PATHS, type RouteInfo } from '@connector/server';
import { lastLogId, notifyOk, skuLogs, stateOf, waitForLog } from '../support/pipeline.js';
import { startStack, WEBHOOK_TOKEN, type Stack } from '../support/stack.js';
import { waitFor } from '../support/wait.js';

const ADMIN_TOKEN = `ops-${randomBytes(16).toString('hex')}`;
const CI_TOKEN = `ci-${randomBytes(16).toString('hex')}`;
const SECRETS_KEY = randomBytes(32).toString('base64');
const FAILED_AUTH_LIMIT = 20;

/** Every log line the runtime writes, as text. */
const logLines: string[] = [];
const captured = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

/** Every response body the tests received. */
const responses: string[] = [];

describe('admin API', () => {
  let stack: Stack;
  let newMlToken: string;
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  let ip = 0;
  // inject() simulates the client address: each check gets its own, so the failed-auth limit
  // (per address) is exercised only where the test means it to be.
  const nextIp = () => `10.9.${Math.floor(++ip / 250)}.${(ip % 250) + 1}`;

  async function call(method: string, url: string, options: { headers?: Record<string, string>; body?: unknown; remoteAddress?: string } = {}) {
    const res = await stack.app.inject({ method: method as 'GET', url, headers: options.headers ?? auth, payload: options.body as object, remoteAddress: options.remoteAddress ?? '127.0.0.1' });
    responses.push(`${method} ${url} ${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`);
    return { status: res.statusCode, body: res.body ? (res.headers['content-type']?.includes('json') ? res.json() : res.body) : undefined, headers: res.headers };
  }

  const adminRoutes = (): RouteInfo[] =>
    stack.app.routeTable.filter((r) => r.url.startsWith(`${ADMIN_API_PREFIX}/`) && !PUBLIC_ADMIN_PATHS.some((p) => r.url === p || r.url.startsWith(`${p}/`)));

  /** A valid value for each path parameter the routes use. */
  const VALID_PARAMS: Record<string, string> = { store: 'teststore', marketplace: 'mercadolivre', skuId: '1', vtexCategoryId: '7', lotId: '1', name: 'initial-load' };
  const fill = (url: string, params: Record<string, string> = VALID_PARAMS) => url.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? 'x'));

  beforeAll(async () => {
    process.env.CONNECTOR_TEST_CI_TOKEN = CI_TOKEN;
    stack = await startStack({
      skus: 4,
      minimumStock: 2,
      logger: createLogger({ level: 'debug' }, captured),
      secretsKey: SECRETS_KEY,
      configure: (raw) => {
        raw.admin = {
          tokens: [
            { name: 'ops', token: ADMIN_TOKEN },
            { name: 'ci', token: { env: 'CONNECTOR_TEST_CI_TOKEN' } },
          ],
          failedAuthPerMinute: FAILED_AUTH_LIMIT,
          settingsPollSeconds: 0.2,
        };
      },
    });
    await stack.app.ready();
  });
  afterAll(async () => stack?.close());

  it('registers the admin routes and documents each of them in the OpenAPI document, which validates against OAS 3', async () => {
    const routes = adminRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const { status, body: doc } = await call('GET', `${ADMIN_API_PREFIX}/openapi.json`, { headers: {} });
    expect(status).toBe(200);
    const paths = doc.paths as Record<string, Record<string, unknown>>;
    for (const r of routes) {
      const path = r.url.replace(/:(\w+)/g, '{$1}');
      expect(paths[path]?.[r.method.toLowerCase()], `${r.method} ${r.url} is missing from the OpenAPI document`).toBeDefined();
      // Every route declares what it accepts and answers.
      expect(r.schema?.querystring, `${r.method} ${r.url} has no querystring schema`).toBeDefined();
      expect((r.schema?.response as Record<string, unknown>)?.['200'], `${r.method} ${r.url} has no 200 response schema`).toBeDefined();
      if (r.url.includes(':')) expect(r.schema?.params, `${r.method} ${r.url} has no params schema`).toBeDefined();
    }
    // Validated against the OpenAPI 3.0 JSON schema (swagger-parser bundles the official one), refs resolved.
    const api = await SwaggerParser.validate(structuredClone(doc));
    expect(api.info.title).toBe('Connector admin API');
    const docs = await call('GET', `${ADMIN_API_PREFIX}/docs/`, { headers: {} });
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain('swagger');
  });

  it('answers 401 on every admin route without a token, with a bad token, or with a malformed header', async () => {
    const routes = adminRoutes();
    for (const r of routes) {
      for (const headers of [{}, { authorization: `Bearer ${ADMIN_TOKEN}x` }, { authorization: `Basic ${ADMIN_TOKEN}` }, { authorization: 'Bearer' }]) {
        const res = await call(r.method, fill(r.url), { headers, body: r.method === 'GET' || r.method === 'DELETE' ? undefined : {}, remoteAddress: nextIp() });
        expect(res.status, `${r.method} ${r.url} with ${JSON.stringify(headers)}`).toBe(401);
        expect(res.body.code).toBe('CONNECTOR_ERR_ADMIN_UNAUTHORIZED');
      }
    }
    // Both configured tokens open it (the second one comes from the environment).
    expect((await call('GET', `${ADMIN_API_PREFIX}/stores`, { headers: { authorization: `Bearer ${CI_TOKEN}` } })).status).toBe(200);
    expect((await call('GET', `${ADMIN_API_PREFIX}/stores`)).status).toBe(200);
  });

  it('answers 400 naming the field on every admin route: unknown query parameters, bad path parameters, bad body fields', async () => {
    for (const r of adminRoutes()) {
      const what = `${r.method} ${r.url}`;
      const body = r.method === 'GET' || r.method === 'DELETE' ? undefined : validBody(r);
      const unknown = await call(r.method, `${fill(r.url)}?zzUnknown=1`, { body });
      expect(unknown.status, what).toBe(400);
      expect(unknown.body.code, what).toBe('CONNECTOR_ERR_ADMIN_REQUEST_INVALID');
      expect(unknown.body.details.map((d: { path: string }) => d.path), what).toContain('query/zzUnknown');

      const params = (r.schema?.params as { properties?: Record<string, unknown> } | undefined)?.properties ?? {};
      for (const name of Object.keys(params)) {
        const res = await call(r.method, fill(r.url, { ...VALID_PARAMS, [name]: 'Not Valid!' }), { body });
        expect(res.status, `${what} :${name}`).toBe(400);
        expect(res.body.details.map((d: { path: string }) => d.path), `${what} :${name}`).toContain(`params/${name}`);
      }

      const bodySchema = r.schema?.body as { properties?: Record<string, { type?: unknown }> } | undefined;
      if (bodySchema) {
        const extra = await call(r.method, fill(r.url), { body: { ...validBody(r), zzUnknown: 1 } });
        expect(extra.status, what).toBe(400);
        expect(extra.body.details.map((d: { path: string }) => d.path), what).toContain('body/zzUnknown');
        for (const [name, prop] of Object.entries(bodySchema.properties ?? {})) {
          const wrong = [prop.type].flat().includes('object') ? 'not-an-object' : { not: 'valid' };
          const res = await call(r.method, fill(r.url), { body: { ...validBody(r), [name]: wrong } });
          expect(res.status, `${what} body.${name}`).toBe(400);
          const paths: string[] = res.body.details.map((d: { path: string }) => d.path);
          expect(paths.some((p) => p === `body/${name}` || p.startsWith(`body/${name}/`)), `${what} body.${name}: ${paths.join(', ')}`).toBe(true);
        }
      }
    }
    // Query values are typed too.
    const bad = await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/inventory?limit=lots`);
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([expect.objectContaining({ path: 'query/limit' })]);
  });

  function validBody(r: RouteInfo): Record<string, unknown> {
    if (r.url.endsWith('/category-mappings/:vtexCategoryId')) return { marketplaceCategoryId: 'MLB1055' };
    if (r.method === 'PATCH') return { minimumStock: 2 };
    return {};
  }

  it('refuses with 429 once an address has failed authentication too often; a valid token still works from there', async () => {
    const from = '10.200.0.1';
    for (let i = 0; i < FAILED_AUTH_LIMIT; i++) expect((await call('GET', `${ADMIN_API_PREFIX}/stores`, { headers: { authorization: `Bearer guess-${i}` }, remoteAddress: from })).status).toBe(401);
    const limited = await call('GET', `${ADMIN_API_PREFIX}/stores`, { headers: { authorization: 'Bearer one-more-guess' }, remoteAddress: from });
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('CONNECTOR_ERR_ADMIN_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right token does not get a brute-forcer's address past the limit… but a valid token is never counted or refused.
    expect((await call('GET', `${ADMIN_API_PREFIX}/stores`, { remoteAddress: from })).status).toBe(200);
    // Another address is not affected.
    expect((await call('GET', `${ADMIN_API_PREFIX}/stores`, { headers: { authorization: 'Bearer nope' }, remoteAddress: '10.200.0.2' })).status).toBe(401);
  });

  it('carries the notification id into the state row and the operation log; the SKU history shows the whole trail', async () => {
    const sku = stack.vtex.listSkus()[0]!;
    const status = await stack.vtex.notify(stack.webhook, sku.id, { HasStockKeepingUnitModified: true }, { headers: { 'x-request-id': 'trace-admin-0001' } });
    expect(status).toBe(200);
    await waitFor(async () => (await stateOf(stack, sku.id))?.status === 'synced', { timeoutMs: 60_000 });
    expect((await stateOf(stack, sku.id))?.requestId).toBe('trace-admin-0001');
    const logs = await skuLogs(stack, sku.id);
    expect(logs.some((l) => l.Code === 'S1' && l.RequestId === 'trace-admin-0001')).toBe(true);

    const { status: s, body } = await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/skus/${sku.id}`);
    expect(s).toBe(200);
    expect(body.notifications[0]).toMatchObject({ requestId: 'trace-admin-0001', payload: expect.objectContaining({ account: 'teststore', skuId: String(sku.id) }) });
    expect(body.states[0]).toMatchObject({ marketplace: 'mercadolivre', status: 'synced', requestId: 'trace-admin-0001' });
    expect(body.states[0].lastRequest).toMatchObject({ operation: 'publish' });
    expect(body.snapshot.snapshot.skuId).toBe(String(sku.id));
    expect(body.logs.some((l: { RequestId: string; Code: string }) => l.RequestId === 'trace-admin-0001' && l.Code === 'S1')).toBe(true);
    expect((await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/skus/999999`)).status).toBe(404);

    // A failed attempt's log line carries the id too (the retry then delivers).
    stack.ml.faults.failNext(1, 503);
    stack.vtex.updateSku(sku.id, { price: sku.price + 300 });
    expect(await stack.vtex.notify(stack.webhook, sku.id, { PriceModified: true }, { headers: { 'x-request-id': 'trace-admin-0002' } })).toBe(200);
    await waitFor(async () => (await stateOf(stack, sku.id))?.requestId === 'trace-admin-0002' && (await stateOf(stack, sku.id))?.status === 'synced', { timeoutMs: 60_000 });
    const line = logLines.map((l) => JSON.parse(l)).find((l) => l.requestId === 'trace-admin-0002');
    expect(line).toMatchObject({ skuId: String(sku.id), code: 'CONNECTOR_ERR_MARKETPLACE_UNAVAILABLE', attempt: 1 });
  });

  it('shows a minimum-stock warning in the inventory, and a minimum changed through the API re-evaluates every SKU', async () => {
    const [a, b] = stack.vtex.listSkus().slice(1, 3);
    stack.vtex.updateSku(a!.id, { stock: 1 });
    stack.vtex.updateSku(b!.id, { stock: 4 });
    await notifyOk(stack, a!.id, { HasStockKeepingUnitModified: true });
    await notifyOk(stack, b!.id, { HasStockKeepingUnitModified: true });
    await waitFor(async () => (await stateOf(stack, a!.id))?.status === 'synced' && (await stateOf(stack, b!.id))?.status === 'synced', { timeoutMs: 60_000 });
    let inv = (await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/inventory?marketplace=mercadolivre`)).body;
    const row = (id: number) => inv.rows.find((r: { skuId: string }) => r.skuId === String(id));
    expect(row(a!.id)).toMatchObject({ vtexStock: 1, sentStock: 0, warnings: [expect.objectContaining({ policy: 'minimum-stock' })] });
    expect(row(b!.id)).toMatchObject({ vtexStock: 4, sentStock: 4, warnings: [] });
    expect(inv.rows[0].skuId).toBe(String(a!.id)); // warned first

    const patched = await call('PATCH', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`, { body: { minimumStock: 5 } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ minimumStock: 5, sources: { minimumStock: 'api' }, updatedBy: 'ops' });
    await waitFor(async () => {
      inv = (await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/inventory?warningsOnly=true`)).body;
      return row(b!.id)?.warnings.length === 1 && row(b!.id)?.sentStock === 0;
    }, { timeoutMs: 60_000, describe: () => JSON.stringify(inv) });
    await waitFor(() => stack.ml.getItemBySellerSku(String(b!.id))?.available_quantity === 0, { timeoutMs: 60_000 });
    const warnings = (await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/warnings?kind=inventory`)).body.warnings;
    expect(warnings.map((w: { skuId: string }) => w.skuId)).toEqual(expect.arrayContaining([String(a!.id), String(b!.id)]));
  });

  it('stores secret settings encrypted, never returns them, and applies them (the marketplace sees the new token)', async () => {
    newMlToken = stack.ml.issueAccessToken();
    const res = await call('PATCH', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`, { body: { settings: { accessToken: newMlToken, listingTypeId: 'gold_pro' } } });
    expect(res.status).toBe(200);
    expect(res.body.secrets.accessToken).toEqual({ set: true, source: 'api' });
    expect(res.body.settings).not.toHaveProperty('accessToken');
    expect(res.body.settings.listingTypeId).toBe('gold_pro');
    expect(res.body.sources.settings.listingTypeId).toBe('api');
    const [row] = await stack.runtime.db.query<{ secrets: Record<string, { alg: string; ct: string }>; settings: Record<string, unknown> }>(
      `select secrets, settings from integration_overrides where store = 'teststore' and marketplace = 'mercadolivre'`,
    );
    expect(row!.secrets.accessToken!.alg).toBe('A256GCM');
    expect(JSON.stringify(row)).not.toContain(newMlToken);
    expect(row!.settings).toEqual({ listingTypeId: 'gold_pro' });

    const sku = stack.vtex.listSkus()[3]!;
    const before = stack.ml.counters.requestsByToken.get(newMlToken) ?? 0;
    const after = await lastLogId(stack);
    await notifyOk(stack, sku.id, { HasStockKeepingUnitModified: true });
    await waitForLog(stack, sku.id, 'S1', after);
    expect(stack.ml.counters.requestsByToken.get(newMlToken) ?? 0).toBeGreaterThan(before);
    expect(stack.ml.getItemBySellerSku(String(sku.id))?.listing_type_id).toBe('gold_pro');

    // The plugin's schema decides what is valid; nothing is saved when it refuses.
    const bad = await call('PATCH', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`, { body: { settings: { listingTypeId: 'platinum', apiBaseUrl: 'not a url' } } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('CONNECTOR_ERR_ADMIN_SETTINGS_INVALID');
    expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['settings/listingTypeId', 'settings/apiBaseUrl']));
    expect((await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`)).body.settings.listingTypeId).toBe('gold_pro');
  });

  it('disables an integration (its work waits) and enables it again (what came meanwhile is delivered)', async () => {
    const off = await call('PATCH', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`, { body: { enabled: false } });
    expect(off.body).toMatchObject({ enabled: false, sources: { enabled: 'api' } });
    const [sku] = stack.vtex.seed(1, { categoryId: 7, salesChannel: 1 });
    await notifyOk(stack, sku!.id, { HasStockKeepingUnitModified: true });
    // VTEX is read (the store's other integrations would get it), this one is not fed.
    await waitFor(async () => (await stack.runtime.db.query(`select 1 from sku_snapshots where store = 'teststore' and sku_id = $1`, [String(sku!.id)])).length === 1, { timeoutMs: 30_000 });
    expect(await stateOf(stack, sku!.id)).toBeUndefined();
    expect(stack.ml.getItemBySellerSku(String(sku!.id))).toBeUndefined();

    const on = await call('PATCH', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`, { body: { enabled: null } });
    expect(on.body).toMatchObject({ enabled: true, sources: { enabled: 'config' } });
    await waitFor(async () => (await stateOf(stack, sku!.id))?.status === 'synced', { timeoutMs: 60_000 });
    expect(stack.ml.getItemBySellerSku(String(sku!.id))).toBeDefined();
  });

  it('keeps saved settings across restarts and shares them with every process on the database; without the key it refuses secrets and pauses', async () => {
    const config = parseConfig(stack.rawConfig);
    const second = await ConnectorRuntime.create({ config, database: stack.runtime.db, workers: false, secretsKey: SECRETS_KEY, logger: createLogger({ level: 'debug' }, captured) });
    await second.start();
    try {
      const integration = second.stores.integration('teststore', 'mercadolivre')!;
      expect(integration.minimumStock).toBe(5);
      expect(integration.settings.accessToken).toBe(newMlToken);
      expect(second.integrationSettings.view('teststore', 'mercadolivre').sources.minimumStock).toBe('api');
      // A change made through the first process reaches the second by polling.
      expect((await call('PATCH', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`, { body: { minimumStock: 3 } })).status).toBe(200);
      await waitFor(() => integration.minimumStock === 3, { timeoutMs: 10_000 });
    } finally {
      await second.stop();
    }

    const keyless = await ConnectorRuntime.create({ config: parseConfig(stack.rawConfig), database: stack.runtime.db, workers: false, secretsKey: '', logger: createLogger({ level: 'debug' }, captured) });
    await keyless.start();
    const app = buildServer(keyless);
    try {
      const view = (await app.inject({ method: 'GET', url: `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`, headers: auth })).json();
      responses.push(JSON.stringify(view));
      expect(view.problem.code).toBe('CONNECTOR_ERR_SECRET_UNDECRYPTABLE');
      expect(view.pause.code).toBe('CONNECTOR_ERR_SECRET_UNDECRYPTABLE');
      const refused = await app.inject({ method: 'PATCH', url: `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`, headers: auth, payload: { settings: { accessToken: 'another-secret-value' } } });
      responses.push(refused.body);
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ code: 'CONNECTOR_ERR_SECRETS_KEY_MISSING', details: { env: 'CONNECTOR_SECRETS_KEY', fields: ['settings/accessToken'] } });
      // Non-secret edits need no key.
      expect((await app.inject({ method: 'PATCH', url: `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre`, headers: auth, payload: { enabled: true } })).statusCode).toBe(200);
    } finally {
      await app.close();
      await keyless.stop();
    }
  });

  it('maps an unmapped category (SKUs counted) and releases its SKUs; replays dead letters; lists plugins, queues, lots, loads, runs, activity', async () => {
    const skus = stack.vtex.seed(2, { categoryId: 33, salesChannel: 1 });
    for (const s of skus) await notifyOk(stack, s.id, { HasStockKeepingUnitModified: true });
    let unmapped: Array<{ vtexCategoryId: string; skus: number }> = [];
    await waitFor(async () => {
      unmapped = (await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre/categories/unmapped`)).body.categories;
      return unmapped.some((c) => c.vtexCategoryId === '33' && c.skus === 2);
    }, { timeoutMs: 60_000, describe: () => JSON.stringify(unmapped) });
    const mapped = await call('PUT', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre/category-mappings/33`, { body: { marketplaceCategoryId: 'MLB1055' } });
    expect(mapped.body).toMatchObject({ released: 2 });
    await waitFor(async () => (await Promise.all(skus.map((s) => stateOf(stack, s.id)))).every((st) => st?.status === 'synced'), { timeoutMs: 60_000 });
    expect((await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre/categories/unmapped`)).body.categories).toEqual([]);

    for (const url of ['/plugins', '/queues', '/queues/initial-load/stats', '/dead-letters', '/stores/teststore/integrations/mercadolivre/lots', '/stores/teststore/initial-loads', '/stores/teststore/reconciliation/runs', '/stores/teststore/activity?hours=1&bucketMinutes=5', `/stores/teststore/logs?DateAt=${new Date().toISOString().slice(0, 10)}`, '/integrations', '/stores', '/stores/teststore/skus?status=synced&status=failed']) {
      const res = await call('GET', `${ADMIN_API_PREFIX}${url}`);
      expect(res.status, url).toBe(200);
    }
    const activity = (await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/activity?hours=1&bucketMinutes=5`)).body;
    expect(activity.notifications.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThanOrEqual(6);
    expect(activity.updates.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThanOrEqual(4);
    const plugins = (await call('GET', `${ADMIN_API_PREFIX}/plugins`)).body.plugins;
    expect(plugins.find((p: { marketplace: string }) => p.marketplace === 'mercadolivre')).toMatchObject({ plugin: expect.stringMatching(/@\d+\.\d+\.\d+/) });
    const load = await call('POST', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre/initial-load`, { body: {} });
    expect(load.body).toMatchObject({ store: 'teststore', marketplace: 'mercadolivre' });
    const run = await call('POST', `${ADMIN_API_PREFIX}/stores/teststore/integrations/mercadolivre/reconcile`, { body: { scope: 'hot' } });
    expect(run.body).toMatchObject({ scope: 'hot', jobId: expect.any(String) });
    expect((await call('POST', `${ADMIN_API_PREFIX}/dead-letters/replay`, { body: { ids: ['00000000-0000-0000-0000-000000000000'] } })).status).toBe(404);
    expect((await call('POST', `${ADMIN_API_PREFIX}/dead-letters/replay`, { body: {} })).body).toMatchObject({ replayed: 0 });
  });

  it('exposes the Prometheus series on /metrics, and counts 429s for the activity chart', async () => {
    expect(await stack.vtex.notify(`${stack.webhook}x`, 1, {})).toBe(401);
    // Two 429s from the marketplace, waited out, then the update goes through.
    const sku = stack.vtex.listSkus()[1]!;
    stack.ml.faults.rateLimitNext(2, 1);
    stack.vtex.updateSku(sku.id, { price: sku.price + 50 });
    const after = await lastLogId(stack);
    await notifyOk(stack, sku.id, { PriceModified: true });
    await waitForLog(stack, sku.id, 'S1', after);
    await stack.runtime.container.resolve<{ flush(): Promise<void> }>(Symbol.for('connector.ActivityRecorder') as never).flush();
    const activity = (await call('GET', `${ADMIN_API_PREFIX}/stores/teststore/activity?hours=1&bucketMinutes=5&marketplace=mercadolivre`)).body;
    expect(activity.rateLimited.reduce((a: number, b: number) => a + b, 0)).toBe(2);

    const res = await stack.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const text = res.body;
    responses.push(text);
    for (const name of METRIC_NAMES) expect(text, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'));
    const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);
    expect(value(/^connector_notifications_received_total\{[^}]*store="teststore"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(6);
    expect(value(/^connector_notifications_rejected_total\{[^}]*reason="unauthorized"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^connector_queue_jobs\{[^}]*stage="delivery",store="teststore",marketplace="mercadolivre",state="queued"/m);
    expect(text).toMatch(/^connector_breaker_state\{[^}]*store="teststore",marketplace="mercadolivre",state="closed"[^}]*\} 1$/m);
    expect(value(/^connector_delivery_latency_seconds_count\{[^}]*marketplace="mercadolivre"[^}]*outcome="2xx"[^}]*\} (\d+)/m)).toBeGreaterThanOrEqual(4);
    expect(text).toMatch(/^connector_rate_budget_granted_total\{[^}]*store="teststore"/m);
    expect(text).toMatch(/^connector_dead_letters\{[^}]*store="teststore",marketplace="mercadolivre"[^}]*\} 0$/m);
    expect(value(/^connector_marketplace_rate_limited_total\{[^}]*store="teststore",marketplace="mercadolivre"[^}]*\} (\d+)/m)).toBe(2);
    expect(value(/^connector_rate_budget_rate_limited_total\{[^}]*store="teststore",marketplace="mercadolivre"[^}]*\} (\d+)/m)).toBe(2);
  });

  it('never puts a configured secret in a response or a log line', async () => {
    // The UI's files too.
    for (const url of ['/admin', '/admin/assets/app.js', '/admin/assets/app.css']) {
      const res = await call('GET', url, { headers: {} });
      expect(res.status, url).toBe(200);
    }
    await stack.runtime.container.resolve<{ flush(): Promise<void> }>(Symbol.for('connector.ActivityRecorder') as never).flush();
    const secrets = {
      admin: ADMIN_TOKEN,
      adminFromEnv: CI_TOKEN,
      secretsKey: SECRETS_KEY,
      webhook: WEBHOOK_TOKEN,
      vtexAppKey: stack.vtex.appKey,
      vtexAppToken: stack.vtex.appToken,
      mlConfigToken: (stack.rawConfig.stores as Array<{ integrations: Array<{ settings: { accessToken: string } }> }>)[0]!.integrations[0]!.settings.accessToken,
      mlSavedToken: newMlToken,
      refused: 'another-secret-value',
    };
    expect(logLines.length).toBeGreaterThan(50);
    expect(responses.length).toBeGreaterThan(100);
    for (const [name, secret] of Object.entries(secrets)) {
      expect(secret.length, name).toBeGreaterThan(8);
      const inResponse = responses.find((r) => r.includes(secret));
      expect(inResponse?.slice(0, 300), `${name} appears in a response`).toBeUndefined();
      const inLog = logLines.find((l) => l.includes(secret));
      expect(inLog?.slice(0, 300), `${name} appears in a log line`).toBeUndefined();
    }
  });
});
