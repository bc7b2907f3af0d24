/**
 * The test host's in-memory storage must behave like the Postgres repositories it stands in for:
 * the same sequences of operations go through both, and what they read back must be equal. When a
 * repository's SQL changes, this fails until its in-memory twin (core/src/testing/memory.ts) follows.
 */
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPayload, type StateUpdate } from '@connector/core';
import { LotRepository } from '../../dist/delivery/lots/lot-repository.js';
import { OperationLog } from '../../dist/oplog/operation-log.js';
import { StateRepository } from '../../dist/state/state-repository.js';
import { TestClock } from '../../dist/testing/clock.js';
import { MemoryLots, MemoryState } from '../../dist/testing/memory.js';
import { openTestDatabase, type TestDatabase } from '../../../test/support/database.js';

const S = 'parity';
const M = 'mp';
const base = (skuId: string) => ({ store: S, marketplace: M, skuId });
const p1 = { title: 'One', price: 10 };
const p2 = { title: 'One', price: 12, images: ['a'] };
const entry = (skuId: string, code: 'E1' | 'A3', message: string) => ({ store: S, marketplace: M, skuId, requestId: 'r', code, operation: 'Offer creation', direction: 'VTEX to mp', businessMessage: message });

/** A life of several SKUs: decisions, deliveries (ok, failed, rejected), withdrawals, deletions, fix lists kept or replaced. */
const STEPS: StateUpdate[][] = [
  [
    { ...base('1'), status: 'pending', requestId: 'r1', fixes: [], vtexCategoryId: '7', desired: { payload: p1, hash: hashPayload(p1), offer: { price: 1000 }, source: { IdSku: '1' } }, log: entry('1', 'A3', 'default used') },
    { ...base('2'), status: 'invalid', requestId: 'r2', fixes: [{ field: 'title', rule: 'mandatory', message: 'Name it.' }], vtexCategoryId: '7', log: entry('2', 'E1', 'name it') },
    { ...base('3'), status: 'pending', requestId: 'r3', fixes: [], desired: { payload: p1, hash: hashPayload(p1) } },
  ],
  [
    { ...base('1'), status: 'synced', attempted: true, deliveredHash: hashPayload(p1), marketplaceId: 'M1', lastRequest: { operation: 'publish', payload: p1 }, lastResponse: { ok: true, body: { id: 'M1' } } },
    { ...base('3'), status: 'pending', attempted: true, lastRequest: { operation: 'publish' }, lastResponse: { ok: false, code: 'CONNECTOR_ERR_MARKETPLACE_UNAVAILABLE', message: 'down' } },
    { ...base('2'), status: 'pending-category', vtexCategoryId: null },
  ],
  [
    { ...base('1'), status: 'pending', requestId: 'r4', fixes: [], desired: { payload: p2, hash: hashPayload(p2), source: { IdSku: '1', notes: ['stock buffer'] } } },
    { ...base('3'), status: 'synced', attempted: true, deliveredHash: hashPayload(p1), marketplaceId: 'M3', lastRequest: { operation: 'publish' }, lastResponse: { ok: true } },
  ],
  [
    { ...base('1'), status: 'failed', attempted: true, lastRequest: { operation: 'update', changed: ['images', 'price'] }, lastResponse: { ok: false, message: 'refused' }, fixes: [{ field: M, rule: 'marketplace-validation', message: 'refused' }] },
    { ...base('3'), status: 'pending', fixes: [{ field: 'IsActive', rule: 'active', message: 'inactive' }], desired: { payload: {}, hash: hashPayload({ operation: 'delete' }), operation: 'delete' } },
  ],
  [
    { ...base('1'), status: 'synced', attempted: true, deliveredHash: hashPayload(p2), lastRequest: { operation: 'update' }, lastResponse: { ok: true } },
    { ...base('3'), status: 'blocked', attempted: true, deliveredHash: hashPayload({ operation: 'delete' }), removeMapping: true, lastRequest: { operation: 'delete' }, lastResponse: { ok: true } },
  ],
  // The same SKU twice in one batch: the last update wins.
  [
    { ...base('4'), status: 'pending', desired: { payload: p1, hash: hashPayload(p1) } },
    { ...base('4'), status: 'invalid', fixes: [{ field: 'x', rule: 'y', message: 'z' }] },
  ],
];

const normalizeList = (rows: Array<Record<string, unknown>>) => rows.map(({ updatedAt, lastAttemptAt, ...rest }) => ({ ...rest, updated: Boolean(updatedAt), attempted: Boolean(lastAttemptAt) }));

describe('MemoryState behaves as StateRepository (sku_state, id_mappings, operation logs)', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase();
  });
  afterAll(async () => tdb?.cleanup());

  it('reads back the same rows, id mappings and log entries after the same updates', async () => {
    const sql = new StateRepository(tdb.db, new OperationLog(tdb.db));
    const memory = new MemoryState(new TestClock());
    const ids = ['1', '2', '3', '4', '5'];
    for (const step of STEPS) {
      await sql.apply(structuredClone(step));
      await memory.apply(structuredClone(step));
      expect(await memory.load(S, M, ids)).toEqual(await sql.load(S, M, ids));
    }
    await sql.saveIdMappings(S, M, [{ skuId: '5', marketplaceId: 'M5' }, { skuId: '2', marketplaceId: 'M2' }]);
    await memory.saveIdMappings(S, M, [{ skuId: '5', marketplaceId: 'M5' }, { skuId: '2', marketplaceId: 'M2' }]);
    expect(await memory.load(S, M, ids)).toEqual(await sql.load(S, M, ids));
    expect(normalizeList((await memory.list({ store: S, marketplace: M })) as never)).toEqual(normalizeList((await sql.list({ store: S, marketplace: M })) as never));
    expect(await memory.idMapping(S, M, '3')).toBe(await sql.idMapping(S, M, '3'));

    const logged = await tdb.db.query<{ sku_id: string; code: string; status: string; operation: string; business_message: string; content_source: unknown; content_translated: unknown; content_destination: unknown }>(
      `select sku_id, code, status, operation, business_message, content_source, content_translated, content_destination from operation_logs where store = $1 order by id`,
      [S],
    );
    expect(
      memory.logs.map((l) => ({
        sku_id: l.skuId,
        code: l.code,
        status: l.status ?? (l.code === 'E1' ? 'Error' : 'Alert'),
        operation: l.operation,
        business_message: l.businessMessage,
        content_source: l.contentSource ?? null,
        content_translated: l.contentTranslated ?? null,
        content_destination: l.contentDestination ?? null,
      })),
    ).toEqual(logged);
  });
});

describe('MemoryLots behaves as LotRepository (lot assembly, submission, outcomes)', () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase();
  });
  afterAll(async () => tdb?.cleanup());

  const item = (skuId: string, bytes: number, version = 1) => ({ skuId, payload: { sku: skuId, v: version }, hash: `h${skuId}.${version}`, bytes });
  const strip = (row: Record<string, unknown> | undefined) => {
    if (!row) return row;
    const { created_at, sealed_at, submitted_at, finished_at, last_item_at, submit_job: _job, ...rest } = row;
    return { ...rest, grew: Boolean(last_item_at), id: Number(rest.id), item_count: Number(rest.item_count), bytes: Number(rest.bytes), polls: Number(rest.polls), accepted: rest.accepted === null ? null : Number(rest.accepted), rejected: rest.rejected === null ? null : Number(rest.rejected), created: Boolean(created_at), sealed: Boolean(sealed_at), submitted: Boolean(submitted_at), finished: Boolean(finished_at) };
  };
  const items = (rows: Array<Record<string, unknown>>) => rows.map((r) => ({ ...r, bytes: Number(r.bytes) }));

  it('assembles, hands out, records and lists lots the same way', async () => {
    const sql = new LotRepository(tdb.db);
    const state = new MemoryState(new TestClock());
    const memory = new MemoryLots(state, new TestClock());
    const both = async <T>(fn: (repo: LotRepository | MemoryLots) => Promise<T>) => {
      const [a, b] = [await fn(sql), await fn(memory)];
      return [a, b] as const;
    };
    const limits = { maxItems: 3, maxBytes: 100 };
    const check = async ([a, b]: readonly [unknown, unknown]) => expect(b).toEqual(a);

    // 5 items into lots of 3: one sealed, one open.
    await check(await both((r) => r.add(S, M, 'product', [item('1', 10), item('2', 10), item('3', 10), item('4', 10), item('5', 10)], limits)));
    // A newer payload of a SKU in the open lot replaces it there; one too large for what is left evicts it to a new lot.
    await check(await both((r) => r.add(S, M, 'product', [item('4', 20, 2)], limits)));
    await check(await both((r) => r.add(S, M, 'product', [item('5', 95, 2)], limits)));
    for (const id of [1, 2, 3]) {
      const [a, b] = await both((r) => r.items(id));
      expect(items(b as never)).toEqual(items(a as never));
      const [x, y] = await both((r) => r.get(id));
      expect(strip(y as never)).toEqual(strip(x as never));
    }
    // Hand the sealed lot out once (a second job cannot take it; the same job can, on a retry).
    const [c1, m1] = await both((r) => r.claimForSubmit(1, { maxWaitMs: 0, quietMs: 0 }, 'job-a'));
    expect(strip(m1 as never)).toEqual(strip(c1 as never));
    await check(await both(async (r) => Boolean(await r.claimForSubmit(1, { maxWaitMs: 0, quietMs: 0 }, 'job-b'))));
    await check(await both(async (r) => Boolean(await r.claimForSubmit(1, { maxWaitMs: 0, quietMs: 0 }, 'job-a'))));
    await both((r) => r.submitted(1, 'FEED-1'));
    // Offers of SKUs whose product is in flight wait; others go into an offer lot.
    await check(await both((r) => r.add(S, M, 'offer', [item('1', 5), item('9', 5)], limits)));
    await check(await both((r) => r.polled(1)));
    await check(await both((r) => r.polled(1)));
    await both((r) => r.noteError(1, 'x'.repeat(1200)));
    await both((r) => r.finish(1, 'done', [{ skuId: '1', outcome: 'accepted', marketplaceId: 'P1' }, { skuId: '2', outcome: 'rejected', message: 'no' }, { skuId: '3', outcome: 'missing' }]));
    const [i1, j1] = await both((r) => r.items(1));
    expect(items(j1 as never)).toEqual(items(i1 as never));
    const [l1, l2] = await both((r) => r.list(S, M));
    expect((l2 as never[]).map(strip)).toEqual((l1 as never[]).map(strip));
    // A lot given back is taken again by any job; a failed lot keeps its error.
    await both((r) => r.claimForSubmit(2, { maxWaitMs: 0, quietMs: 0 }, 'job-c'));
    await both((r) => r.release(2));
    await check(await both(async (r) => Boolean(await r.claimForSubmit(2, { maxWaitMs: 0, quietMs: 0 }, 'job-d'))));
    await both((r) => r.submitted(2, 'FEED-2'));
    const [o1, o2] = await both((r) => r.oldestSubmitted(S, M));
    expect(strip(o2 as never)).toEqual(strip(o1 as never));
    await both((r) => r.finish(2, 'failed', [{ skuId: '4', outcome: 'missing', message: 'lost' }], 'the feed failed'));
    const [f1, f2] = await both((r) => r.get(2));
    expect(strip(f2 as never)).toEqual(strip(f1 as never));
  });
});
