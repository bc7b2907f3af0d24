import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@connector/core';
import { SANDBOX_ML_CATEGORY, SANDBOX_UNMAPPED_CATEGORY, startSandbox, type Sandbox } from '@connector/cli';
import { openTestDatabase, type TestDatabase } from '../support/database.js';
import { waitFor } from '../support/wait.js';

/**
 * The admin UI in headless Chromium (Debian's package, driven by playwright-core; no browser is
 * downloaded) against the sandbox: fake VTEX, fake Mercado Livre, the runtime and its HTTP server on
 * this file's own database. Screenshots go to test-artifacts/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts');
const ADMIN_TOKEN = 'ui-test-admin-token-0123456789';

describe('admin UI in Chromium', () => {
  let tdb: TestDatabase;
  let sandbox: Sandbox;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  const state = async (skuId: number) => sandbox.runtime.state.get('sandbox', 'mercadolivre', String(skuId));
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `admin-${name}.png`), fullPage: true });
  const open = async (hash: string) => {
    await page.goto(`${sandbox.url}/admin#/${hash}`);
    await page.waitForSelector('main section h1');
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
    mkdirSync(ARTIFACTS, { recursive: true });
    tdb = await openTestDatabase();
    sandbox = await startSandbox({
      port: 0,
      skus: 6,
      unmappedSkus: 3,
      minimumStock: 3,
      database: tdb.db,
      adminToken: ADMIN_TOKEN,
      logger: createLogger({ level: process.env.CONNECTOR_TEST_LOG ?? 'silent' }),
      configure: (raw) => {
        // One SKU will fail every retry quickly: no breaker in the way, retries without long waits.
        raw.delivery = { breaker: { failureThreshold: 1000 }, retry: { limit: 10, delaySeconds: 0, maxDelaySeconds: 1 } };
        raw.reconciliation = { enabled: false };
      },
    });
    for (const sku of [...sandbox.skus, ...sandbox.unmapped]) expect(await sandbox.vtex.notify(sandbox.webhook, sku.id, { HasStockKeepingUnitModified: true })).toBe(200);
    await waitFor(async () => {
      const rows = await sandbox.runtime.state.list({ store: 'sandbox' });
      return rows.filter((r) => r.status === 'synced').length === sandbox.skus.length && rows.filter((r) => r.status === 'pending-category').length === sandbox.unmapped.length;
    }, { timeoutMs: 90_000, describe: async () => JSON.stringify((await sandbox.runtime.state.list({ store: 'sandbox' })).map((r) => [r.skuId, r.status])) });

    profile = mkdtempSync(join(tmpdir(), 'connector-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(sandbox.url) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });

    await page.goto(`${sandbox.url}/admin`);
    await page.fill('[data-testid=token]', ADMIN_TOKEN);
    await page.click('[data-testid=sign-in]');
    await page.waitForSelector('[data-integration=mercadolivre]');
  });

  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await sandbox?.stop();
    await tdb?.cleanup();
  });

  it('signs in with a token and shows the integration with its minimum stock and breaker', async () => {
    await open('integrations');
    const card = page.locator('[data-integration=mercadolivre]');
    expect(await card.locator('[data-testid=minimum-stock]').inputValue()).toBe('3');
    expect(await card.textContent()).toContain('Circuit breaker');
    expect(await card.textContent()).toContain('closed');
    // The secret is write-only: the form shows that it is set, never its value.
    const secret = card.locator('input[data-setting=accessToken]');
    expect(await secret.inputValue()).toBe('');
    expect(await secret.getAttribute('placeholder')).toContain('set (config)');
    await shot('integrations');
  });

  it('shows a minimum-stock warning on the inventory page for a SKU pushed below the minimum', async () => {
    const sku = sandbox.skus[0]!;
    sandbox.vtex.updateSku(sku.id, { stock: 1 });
    expect(await sandbox.vtex.notify(sandbox.webhook, sku.id, { StockModified: true })).toBe(200);
    await waitFor(async () => (await sandbox.runtime.policyWarnings.list({ store: 'sandbox', skuId: String(sku.id) })).length === 1, { timeoutMs: 60_000 });

    await open('inventory');
    const row = page.locator(`tr[data-sku="${sku.id}"][data-marketplace=mercadolivre]`);
    await row.locator('[data-testid=warning]').waitFor();
    expect(await row.getAttribute('class')).toContain('warn');
    expect(await row.locator('[data-testid=warning]').textContent()).toMatch(/Stock 1 is at or below the minimum of 3 set for Mercado Livre/);
    // VTEX stock 1, 0 sent to the marketplace.
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(3, 5)).toEqual(['1', '0']);
    expect(await page.locator('[data-testid=warning-banner]').textContent()).toContain('reached the minimum stock');
    // A SKU above the minimum has no warning.
    expect(await page.locator(`tr[data-sku="${sandbox.skus[1]!.id}"] [data-testid=warning]`).count()).toBe(0);
    await shot('inventory-minimum-stock');
    await waitFor(() => sandbox.ml.getItemBySellerSku(String(sku.id))?.available_quantity === 0, { timeoutMs: 30_000 });
  });

  it('maps an unmapped category from the Errors page, which releases its SKUs to the marketplace', async () => {
    await open('errors');
    const row = page.locator(`tr[data-category="${SANDBOX_UNMAPPED_CATEGORY}"]`);
    await row.waitFor();
    expect((await row.locator('td').allTextContents())[2]).toBe(String(sandbox.unmapped.length));
    for (const sku of sandbox.unmapped) expect(await page.locator(`[data-testid=error-skus] tr[data-sku="${sku.id}"]`).count()).toBe(1);
    await shot('errors-unmapped-category');

    await page.fill(`[data-testid=map-input-${SANDBOX_UNMAPPED_CATEGORY}]`, SANDBOX_ML_CATEGORY);
    await page.click(`[data-testid=map-${SANDBOX_UNMAPPED_CATEGORY}]`);
    await page.waitForFunction((n) => document.getElementById('flash')?.textContent?.includes(`${n} SKUs released`), sandbox.unmapped.length);
    await waitFor(async () => (await Promise.all(sandbox.unmapped.map((s) => state(s.id)))).every((s) => s?.status === 'synced'), { timeoutMs: 60_000 });
    for (const sku of sandbox.unmapped) expect(sandbox.ml.getItemBySellerSku(String(sku.id))?.category_id).toBe(SANDBOX_ML_CATEGORY);

    await open('errors');
    await page.locator('[data-testid=no-unmapped]').waitFor();
    await shot('errors-category-mapped');
  });

  it('replays a dead letter from the Dead letters page, which syncs the SKU', async () => {
    const sku = sandbox.skus[2]!;
    const updatesBefore = sandbox.ml.counters.updates;
    sandbox.ml.faults.failNext(11, 503);
    sandbox.vtex.updateSku(sku.id, { price: sku.price + 700 });
    expect(await sandbox.vtex.notify(sandbox.webhook, sku.id, { PriceModified: true })).toBe(200);
    await waitFor(async () => (await sandbox.runtime.deadLetters.list()).some((d) => d.skuId === String(sku.id)), { timeoutMs: 90_000, describe: async () => JSON.stringify(await state(sku.id)) });
    expect((await state(sku.id))?.status).toBe('dead');

    await open('dead-letters');
    const row = page.locator(`[data-testid=dead-letters] tr[data-sku="${sku.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('HTTP 503');
    await shot('dead-letters');

    await page.click(`[data-testid=replay-${sku.id}]`);
    await page.waitForFunction(() => document.getElementById('flash')?.textContent?.includes('1 dead letter replayed'));
    await waitFor(async () => (await state(sku.id))?.status === 'synced', { timeoutMs: 60_000, describe: async () => JSON.stringify(await state(sku.id)) });
    expect(sandbox.ml.counters.updates).toBeGreaterThan(updatesBefore);
    expect(await sandbox.runtime.deadLetters.list()).toEqual([]);
    await open('dead-letters');
    await page.locator('[data-testid=no-dead-letters]').waitFor();
  });

  it('charts the activity and saves a new minimum stock from the Integrations page', async () => {
    await open('activity?hours=6');
    for (const key of ['notifications', 'updates', 'errors', 'rateLimited']) await page.locator(`[data-testid=chart-${key}] svg`).waitFor();
    expect(await page.locator('[data-testid=chart-notifications] rect.bar').count()).toBe(36);
    expect(Number((await page.locator('[data-testid=chart-notifications]').textContent())?.match(/— (\d+) in range/)?.[1])).toBeGreaterThanOrEqual(sandbox.skus.length + sandbox.unmapped.length);
    expect(Number((await page.locator('[data-testid=chart-errors]').textContent())?.match(/— (\d+) in range/)?.[1])).toBeGreaterThanOrEqual(1);
    await shot('activity');

    await open('integrations');
    await page.fill('[data-integration=mercadolivre] [data-testid=minimum-stock]', '0');
    await page.click('[data-integration=mercadolivre] [data-testid=save]');
    await page.waitForFunction(() => document.getElementById('flash')?.textContent?.includes('Saved'));
    expect(sandbox.runtime.integrationSettings.view('sandbox', 'mercadolivre')).toMatchObject({ minimumStock: 0, sources: { minimumStock: 'api' }, updatedBy: 'sandbox' });
    // With no minimum, the SKU held at 0 gets its real stock again.
    await waitFor(() => sandbox.ml.getItemBySellerSku(String(sandbox.skus[0]!.id))?.available_quantity === 1, { timeoutMs: 60_000 });
  });

  it('serves the API docs page (swagger-ui, offline) with the generated document', async () => {
    const docs = await context.newPage();
    const errors: string[] = [];
    const foreign: string[] = [];
    docs.on('pageerror', (error) => errors.push(String(error)));
    docs.on('request', (request) => {
      if (!request.url().startsWith(sandbox.url) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    await docs.goto(`${sandbox.url}/admin/api/docs/`);
    await docs.waitForSelector('.swagger-ui .info .title');
    expect(await docs.locator('.swagger-ui .info .title').textContent()).toContain('Connector admin API');
    expect(await docs.locator('.opblock').count()).toBeGreaterThanOrEqual(25);
    await docs.screenshot({ path: join(ARTIFACTS, 'admin-api-docs.png') });
    await docs.close();
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('made no request outside the connector and raised no error in the page (CSP included)', () => {
    expect(foreignRequests).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
