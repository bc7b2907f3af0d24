import { describe, expect, it } from 'vitest';
import { PolicyEngine, type IntegrationConfig, type PolicyContext, type VtexOffer } from '@connector/core';

const offer = (stock: number, sellingPrice = 10_000): VtexOffer => ({ price: sellingPrice, listPrice: sellingPrice, sellingPrice, availability: 'available', stock });

function integration(overrides: Partial<IntegrationConfig> = {}): IntegrationConfig {
  return { marketplace: 'mercadolivre', enabled: true, minimumStock: 0, categoryMappings: {}, settings: {}, ...overrides };
}

function run(config: Partial<IntegrationConfig>, vtexOffer: VtexOffer, previous: VtexOffer | null = null, approvals: Record<string, unknown> = {}) {
  const context: PolicyContext = { store: 's', marketplace: 'mercadolivre', marketplaceName: 'Mercado Livre', skuId: '1', integration: integration(config), vtexOffer, previous, approvals };
  return new PolicyEngine().apply(context);
}

describe('minimum stock', () => {
  it('sends 0 and warns at or below the minimum', () => {
    for (const stock of [0, 3, 5]) {
      const out = run({ minimumStock: 5 }, offer(stock));
      expect(out.offer.stock).toBe(0);
      expect(out.warnings).toEqual([
        { policy: 'minimum-stock', kind: 'inventory', message: expect.stringContaining(`Stock ${stock} is at or below the minimum of 5`), details: { stock, minimum: 5 } },
      ]);
    }
  });

  it('sends the stock and raises nothing above the minimum, or when no minimum is set', () => {
    expect(run({ minimumStock: 5 }, offer(6))).toEqual({ offer: offer(6), warnings: [], notes: [] });
    expect(run({ minimumStock: 0 }, offer(0))).toEqual({ offer: offer(0), warnings: [], notes: [] });
  });
});

describe('stock buffer', () => {
  it('holds units back, never below zero, and warns when it takes everything', () => {
    expect(run({ policies: { stockBuffer: 2 } }, offer(9)).offer.stock).toBe(7);
    const all = run({ policies: { stockBuffer: 2 } }, offer(2));
    expect(all.offer.stock).toBe(0);
    expect(all.warnings.map((w) => w.policy)).toEqual(['stock-buffer']);
    expect(run({ policies: { stockBuffer: 2 } }, offer(0)).warnings).toEqual([]);
  });

  it('runs after the minimum, which judges VTEX’s own figure', () => {
    // 6 > minimum 5, so the minimum lets it through; the buffer then sends 4.
    expect(run({ minimumStock: 5, policies: { stockBuffer: 2 } }, offer(6)).offer.stock).toBe(4);
    expect(run({ minimumStock: 5, policies: { stockBuffer: 2 } }, offer(5)).warnings.map((w) => w.policy)).toEqual(['minimum-stock']);
  });
});

describe('price-drop guard', () => {
  const guard = { policies: { priceDropGuard: { maxDropPercent: 30 } } };

  it('lets cuts within the limit, rises, and first prices through', () => {
    expect(run(guard, offer(1, 7_000), offer(1, 10_000)).offer.sellingPrice).toBe(7_000);
    expect(run(guard, offer(1, 20_000), offer(1, 10_000)).offer.sellingPrice).toBe(20_000);
    expect(run(guard, offer(1, 100), null).offer.sellingPrice).toBe(100);
  });

  it('holds a deeper cut at the previous price, keeps the stock flowing, and warns with what to approve', () => {
    const out = run(guard, offer(4, 1_990), offer(9, 19_900));
    expect(out.offer).toEqual({ ...offer(4, 19_900) });
    expect(out.warnings).toEqual([
      {
        policy: 'price-drop-guard',
        kind: 'price',
        message: expect.stringContaining('from 199.00 to 19.90 (−90.0 %) exceeds the 30 % limit'),
        details: { referencePrice: 19_900, proposed: 1_990, dropPercent: 90, maxDropPercent: 30 },
      },
    ]);
  });

  it('with checkListPrice, holds a deep cut of the list price too (the selling price may not move at all)', () => {
    const listGuard = { policies: { priceDropGuard: { maxDropPercent: 50, checkListPrice: true } } };
    const before: VtexOffer = { price: 9_000, listPrice: 20_000, sellingPrice: 9_000, availability: 'available', stock: 3 };
    const now: VtexOffer = { ...before, listPrice: 9_000, stock: 2 };
    const held = run(listGuard, now, before);
    expect(held.offer).toEqual({ ...before, stock: 2 });
    expect(held.warnings[0]).toMatchObject({
      policy: 'price-drop-guard',
      message: expect.stringContaining('list price cut from 200.00 to 90.00 (−55.0 %) exceeds the 50 % limit'),
      details: { proposed: 9_000, field: 'listPrice', referenceListPrice: 20_000, proposedListPrice: 9_000 },
    });
    // Without the option only the selling price counts; exactly the limit is allowed.
    expect(run(guard, now, before).offer).toEqual(now);
    expect(run(listGuard, { ...before, listPrice: 10_000 }, before).warnings).toEqual([]);
    // Approving the selling price the reviewer saw lets the list-price cut through.
    expect(run(listGuard, now, before, { 'price-drop-guard': 9_000 }).offer).toEqual(now);
  });

  it('lets exactly the approved price through, and nothing else', () => {
    expect(run(guard, offer(1, 1_990), offer(1, 19_900), { 'price-drop-guard': 1_990 }).offer.sellingPrice).toBe(1_990);
    expect(run(guard, offer(1, 1_000), offer(1, 19_900), { 'price-drop-guard': 1_990 }).offer.sellingPrice).toBe(19_900);
  });
});

describe('the policy engine', () => {
  it('takes more policies behind the same interface', () => {
    const engine = new PolicyEngine();
    engine.register({ id: 'cap-10', enabled: () => true, apply: (o) => ({ offer: { ...o, stock: Math.min(o.stock, 10) }, note: 'capped at 10' }) });
    expect(engine.ids()).toEqual(['minimum-stock', 'stock-buffer', 'price-drop-guard', 'cap-10']);
    const out = engine.apply({ store: 's', marketplace: 'm', marketplaceName: 'M', skuId: '1', integration: integration(), vtexOffer: offer(50), previous: null, approvals: {} });
    expect(out).toEqual({ offer: offer(10), warnings: [], notes: ['capped at 10'] });
    expect(() => engine.register({ id: 'cap-10', enabled: () => true, apply: (o) => ({ offer: o }) })).toThrow(/already registered/);
  });
});
