import { describe, expect, it } from 'vitest';
import { checkSnapshot, compileRules, isValidGtin, type RegistrationRule, type SkuSnapshot } from '@connector/core';

const rule = (r: Omit<RegistrationRule, 'message'>): RegistrationRule => ({ ...r, message: `fix ${r.field} (${r.rule})` });

function check(rules: RegistrationRule[], payload: Record<string, unknown>, skip?: Set<string>) {
  const { rules: compiled, problems } = compileRules(rules);
  expect(problems).toEqual([]);
  return compiled.check(payload, { skip, where: (f) => `VTEX > ${f}` });
}

describe('GTIN / EAN check digits', () => {
  it.each([
    ['7891234567895', true],
    ['7891234567894', false],
    ['96385074', true], // EAN-8
    ['036000291452', true], // UPC-A
    ['10012345678902', true], // GTIN-14
    ['789123456789', false], // 12 digits, wrong check
    ['78912345678a5', false],
    ['', false],
  ])('%s → %s', (code, valid) => expect(isValidGtin(code)).toBe(valid));
});

describe('registration rules', () => {
  it.each<[string, RegistrationRule, Record<string, unknown>, boolean]>([
    ['required, empty string', rule({ field: 'title', rule: 'required' }), { title: ' ' }, true],
    ['required, present', rule({ field: 'title', rule: 'required' }), { title: 'x' }, false],
    ['maxLength counts characters, not bytes', rule({ field: 'title', rule: 'maxLength', value: 3 }), { title: 'ção' }, false],
    ['maxLength over', rule({ field: 'title', rule: 'maxLength', value: 3 }), { title: 'çãoo' }, true],
    ['minLength under', rule({ field: 'title', rule: 'minLength', value: 5 }), { title: 'abc' }, true],
    ['minItems on an absent list', rule({ field: 'pictures', rule: 'minItems', value: 1 }), {}, true],
    ['maxItems over', rule({ field: 'pictures', rule: 'maxItems', value: 1 }), { pictures: [1, 2] }, true],
    ['pattern', rule({ field: 'category_id', rule: 'pattern', value: '^MLB\\d+$' }), { category_id: 'MLA1' }, true],
    ['ean nested path', rule({ field: 'attributes.GTIN', rule: 'ean' }), { attributes: { GTIN: '7891234567894' } }, true],
    ['ean absent is not the ean rule’s business', rule({ field: 'attributes.GTIN', rule: 'ean' }), { attributes: {} }, false],
    ['min', rule({ field: 'price', rule: 'min', value: 0.01 }), { price: 0 }, true],
    ['max', rule({ field: 'qty', rule: 'max', value: 10 }), { qty: 11 }, true],
    ['enum', rule({ field: 'currency_id', rule: 'enum', value: ['BRL'] }), { currency_id: 'USD' }, true],
  ])('%s', (_name, r, payload, broken) => {
    const fixes = check([r], payload);
    expect(fixes).toEqual(broken ? [{ field: r.field, rule: r.rule, message: r.message, where: `VTEX > ${r.field}` }] : []);
  });

  it('lists every broken rule, never only the first, and skips fields already reported', () => {
    const rules = [
      rule({ field: 'title', rule: 'maxLength', value: 5 }),
      rule({ field: 'pictures', rule: 'minItems', value: 1 }),
      rule({ field: 'attributes.GTIN', rule: 'ean' }),
      rule({ field: 'attributes.BRAND', rule: 'maxLength', value: 3 }),
    ];
    const payload = { title: 'far too long', attributes: { GTIN: '123', BRAND: 'Aurora' } };
    expect(check(rules, payload).map((f) => f.field)).toEqual(['title', 'pictures', 'attributes.GTIN', 'attributes.BRAND']);
    expect(check(rules, payload, new Set(['pictures', 'attributes'])).map((f) => f.field)).toEqual(['title']);
  });

  it('refuses unsound rules when the manifest is loaded, each with its pointer', () => {
    const { problems } = compileRules([
      { field: 'title', rule: 'maxLength', message: 'x' },
      { field: 'a', rule: 'pattern', value: '([', message: 'x' },
      { field: 'b', rule: 'sometimes', message: 'x' },
      { field: 'c..d', rule: 'required', message: '' },
      { field: 'e', rule: 'enum', value: [], message: 'x' },
    ] as unknown as RegistrationRule[]);
    expect(problems.map((p) => p.path)).toEqual([
      '/contributes/marketplace/registrationRules/0/value',
      '/contributes/marketplace/registrationRules/1/value',
      '/contributes/marketplace/registrationRules/2/rule',
      '/contributes/marketplace/registrationRules/3/field',
      '/contributes/marketplace/registrationRules/3/message',
      '/contributes/marketplace/registrationRules/4/value',
    ]);
  });
});

describe("the core's snapshot checks", () => {
  const base = (): SkuSnapshot => ({
    store: 's',
    skuId: '9',
    fetchedAt: '2024-01-01T00:00:00Z',
    salesChannel: 1,
    categoryId: '3',
    sku: { Id: 9, ProductId: 4, IsActive: true, IsProductActive: true, SalesChannels: [1] },
    product: { Id: 4, Name: 'P', CategoryId: 3, BrandId: 1, IsActive: true },
    offer: { price: 1000, listPrice: 1000, sellingPrice: 900, availability: 'available', stock: 3 },
  });

  it('passes a sellable SKU', () => expect(checkSnapshot(base(), '9', 'ML')).toEqual({ withdraw: [], fixes: [] }));

  it('withdraws for every reason at once, and does not blame the simulation for what inactivity causes', () => {
    const s = base();
    s.sku!.IsActive = false;
    s.product!.IsActive = false;
    s.sku!.SalesChannels = [2];
    s.offer = null;
    const verdict = checkSnapshot(s, '9', 'ML');
    expect(verdict.withdraw.map((f) => f.rule)).toEqual(['active', 'active', 'trade-policy']);
    expect(verdict.missingOffer).toBeUndefined();
  });

  it('withdraws a SKU VTEX no longer knows', () => {
    expect(checkSnapshot({ ...base(), sku: null, product: null, offer: null }, '9', 'ML').withdraw).toEqual([expect.objectContaining({ field: 'IdSku', rule: 'exists' })]);
  });

  it('is A1 when the SKU is missing from the simulation, and a fix when its price is zero', () => {
    expect(checkSnapshot({ ...base(), offer: null }, '9', 'ML').missingOffer).toMatchObject({ rule: 'simulation' });
    const zero = base();
    zero.offer = { ...zero.offer!, price: 0, sellingPrice: 0 };
    expect(checkSnapshot(zero, '9', 'ML').fixes).toEqual([expect.objectContaining({ field: 'Price', rule: 'price-configured' })]);
  });
});
