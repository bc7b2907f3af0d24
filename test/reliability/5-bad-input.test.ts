import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBHOOK_BODY_LIMIT } from '@connector/server';
import type { FakeVtex } from '../fakes/index.js';
import { waitFor } from '../support/wait.js';
import { webhookCases, type WebhookCase } from './support/bad-input.js';
import { seconds, waitForConvergence, waitForLedger } from './support/convergence.js';
import { reliabilityConfig, startInProcess, startVtex, type InProcess } from './support/runtime.js';
import { budgetMs, recordFigures, SCALE } from './support/scale.js';
import { VtexSender } from './support/sender.js';
import { startTargets, type MarketplaceTarget } from './support/targets.js';

const SKUS = 60;

/**
 * Scenario 5 — bad input. Generated webhook requests (fast-check, seeded; see support/bad-input.ts) go to the
 * real server over HTTP while its workers run: each gets exactly the answer the webhook's rules give it —
 * only 2xx and 4xx, 413 past the webhook's body limit — the process keeps serving, exactly the valid ones
 * are stored and queued, and the catalog still converges on every marketplace.
 */
describe(`bad input: ${SCALE.payloads} generated webhook requests`, () => {
  let vtex: FakeVtex;
  let targets: MarketplaceTarget[];
  let stack: InProcess;

  beforeAll(async () => {
    vtex = await startVtex('fuzzstore', SKUS);
    targets = await startTargets();
    stack = await startInProcess(reliabilityConfig(vtex, targets));
  });
  afterAll(async () => {
    await stack?.close();
    for (const t of targets ?? []) await t.close();
    await vtex?.close();
  });

  async function send(c: WebhookCase): Promise<{ status: number; requestId?: string; code?: string }> {
    const query = c.token === undefined ? '' : `?token=${encodeURIComponent(c.token)}`;
    const res = await fetch(`${stack.baseUrl}/api/notification${query}`, {
      method: 'POST',
      headers: { 'content-type': c.contentType, ...(c.headerToken !== undefined && { 'x-connector-token': c.headerToken }) },
      body: c.body,
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await res.json().catch(() => ({}))) as { requestId?: string; code?: string };
    return { status: res.status, requestId: body.requestId, code: body.code };
  }

  it('answers each with its documented 2xx/4xx, keeps serving, and queues exactly the valid ones', { timeout: budgetMs(180_000, 60, SCALE.payloads) }, async () => {
    const started = performance.now();
    // Every SKU known to the marketplaces first, so convergence below covers the whole catalog.
    const sender = new VtexSender(vtex, stack.baseUrl);
    await sender.send(vtex.listSkus().map((s) => s.id));
    const [{ n: before }] = await stack.runtime.db.query<{ n: number }>('select count(*)::int as n from notifications');

    const cases = webhookCases(vtex, SCALE.payloads, WEBHOOK_BODY_LIMIT);
    const results: Array<{ c: WebhookCase; status: number; requestId?: string; code?: string }> = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < cases.length) {
          const c = cases[next++]!;
          results.push({ c, ...(await send(c)) });
        }
      }),
    );
    const sentIn = seconds(performance.now() - started);

    const byKind: Record<string, Record<number, number>> = {};
    for (const r of results) {
      const k = (byKind[r.c.kind.replace(/:.*/, '')] ??= {});
      k[r.status] = (k[r.status] ?? 0) + 1;
    }
    const wrong = results.filter((r) => r.status !== r.c.expected);
    const accepted = results.filter((r) => r.status >= 200 && r.status < 300);
    const expectedAccepted = cases.filter((c) => c.expected === 200).length;

    // Still serving, and nothing else than the acknowledged ones stored.
    expect((await fetch(`${stack.baseUrl}/health`)).status).toBe(200);
    const [{ n: after }] = await stack.runtime.db.query<{ n: number }>('select count(*)::int as n from notifications');
    const ledger = await waitForLedger(stack.runtime.db, accepted.map((r) => r.requestId!));
    const convergence = await waitForConvergence(vtex, targets, { timeoutMs: 60_000 });

    recordFigures('5-bad-input', {
      payloads: cases.length,
      byKind,
      statuses: Object.fromEntries([...new Set(results.map((r) => r.status))].sort().map((s) => [s, results.filter((r) => r.status === s).length])),
      expectedAccepted,
      accepted: accepted.length,
      stored: after - before,
      unexpectedAnswers: wrong.length,
      bodyLimitBytes: WEBHOOK_BODY_LIMIT,
      skusWrong: convergence.mismatches,
      sentInSeconds: sentIn,
      secondsTotal: seconds(performance.now() - started),
    });
    expect(wrong.slice(0, 5).map((r) => ({ kind: r.c.kind, expected: r.c.expected, status: r.status, code: r.code, body: r.c.body.slice(0, 200) }))).toEqual([]);
    expect(results.every((r) => r.status < 500)).toBe(true);
    expect(accepted.length).toBe(expectedAccepted);
    expect(after - before).toBe(expectedAccepted);
    expect(ledger.lost).toEqual([]);
    // Every kind of bad input was tried.
    for (const kind of ['wrong type', 'missing', 'not an object', 'not JSON', 'prototype poisoning', 'huge body', 'deep nesting (whole body)', 'unicode store', 'wrong token', 'replayed duplicate', 'wrong content type']) {
      expect(byKind[kind], kind).toBeDefined();
    }
    expect(byKind['huge body']).toEqual({ 413: byKind['huge body']![413] });
    await waitFor(async () => (await fetch(`${stack.baseUrl}/ready`)).status === 200);
  });
});
