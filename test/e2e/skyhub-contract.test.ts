import { expect, it } from 'vitest';
import { DEFAULT_SKYHUB_BRANDS, FakeSkyhub, type SkyhubCategory } from '../fakes/index.js';
import { itemContract } from '../support/item-contract.js';
import { notifyOk, stateOf, waitForLog } from '../support/pipeline.js';
import { CATEGORY_ID } from '../support/stack.js';

const COLOURS = ['Preto', 'Branco', 'Azul Marinho', 'Vermelho', 'Verde Musgo', 'Cinza'];
/** A SkyHub category whose attributes the fake VTEX catalogue fills: Cor (closed list, required), Tamanho. */
const CATEGORY: SkyhubCategory = {
  code: '3001',
  name: 'Esporte > Teste',
  attributes: [
    { key: 'Cor', required: true, values: COLOURS },
    { key: 'Tamanho', required: false },
  ],
};
const BRANDS = [...DEFAULT_SKYHUB_BRANDS, { id: '1006', name: 'Ipê' }, { id: '1007', name: 'Maré Alta' }];
const BRAND_IDS = Object.fromEntries(BRANDS.map((b) => [b.name, b.id]));

itemContract<FakeSkyhub>({
  marketplace: 'skyhub',
  start: () => FakeSkyhub.start({ requestsPerSecond: false, brands: BRANDS, categories: [CATEGORY] }),
  integration: (fake) => ({
    marketplace: 'skyhub',
    categoryMappings: { [String(CATEGORY_ID)]: CATEGORY.code },
    settings: {
      apiBaseUrl: fake.url,
      userEmail: fake.userEmail,
      apiKey: fake.apiKey,
      accountManagerKey: fake.accountManagerKey,
      brandIds: BRAND_IDS,
      specificationKeys: { Cor: 'Cor', Tamanho: 'Tamanho' },
    },
  }),
  view: (fake, id) => {
    const p = fake.getProduct(id);
    return p ? { price: Math.round(p.promotional_price * 100), stock: p.qty, active: p.status === 'enabled' } : undefined;
  },
  expectHolds: (fake, sku) => {
    const p = fake.getProduct(String(sku.id));
    expect(p, `product ${sku.id}`).toMatchObject({
      sku: String(sku.id),
      name: `${sku.productName} ${sku.skuName}`,
      status: 'enabled',
      qty: sku.stock,
      price: sku.listPrice / 100,
      promotional_price: (sku.sellingPrice ?? sku.price) / 100,
      weight: sku.dimension.weight / 1000,
      height: sku.dimension.height,
      width: sku.dimension.width,
      length: sku.dimension.length,
      brand: BRAND_IDS[sku.brandName],
      ean: sku.ean,
      categories: [{ code: CATEGORY.code, name: CATEGORY.name }],
      images: sku.images,
      specifications: Object.entries(sku.specifications!).map(([key, value]) => ({ key, value })),
    });
    expect(p!.description).not.toMatch(/<[a-z]/);
  },
  // Colours are a closed list of the category's: SkyHub refuses one outside it.
  rejected: { sku: { specifications: { Cor: 'Furta-cor' } }, message: /"Furta-cor" is not a valid value of "Cor"/ },
  auth: { kind: 'static', revoke: (fake, settings) => ({ ...settings, apiKey: fake.rotateApiKey() }) },
  tamperStock: (fake, id, stock) => {
    fake.getProduct(id)!.qty = stock;
  },
  extra: (ctx) => {
    it('never sends a price of 0: a new SKU priced 0 gets the fix (E1), SkyHub gets nothing', async () => {
      const { stack, fake, seed, marketplace } = ctx();
      const [sku] = seed(1, { price: 5_000, listPrice: 5_000, sellingPrice: 0 });
      const requests = fake.counters.requests;
      await notifyOk(stack, sku!.id, { HasStockKeepingUnitModified: true });
      const log = await waitForLog(stack, sku!.id, 'E1', 0, marketplace);
      expect(log.BusinessMessage).toContain('SkyHub never accepts a promotional price of 0');
      expect(await stateOf(stack, sku!.id, marketplace)).toMatchObject({ status: 'invalid', fixes: [expect.objectContaining({ field: 'promotional_price', rule: 'min' })] });
      expect(fake.getProduct(String(sku!.id))).toBeUndefined();
      expect(fake.counters.requests).toBe(requests);
    });

    it('a published SKU whose price drops to 0 keeps its SkyHub price while its stock keeps flowing', async () => {
      const { fake, create, change, syncedState } = ctx();
      const sku = await create();
      const promotional = fake.getProduct(String(sku.id))!.promotional_price;
      await change(sku, { sellingPrice: 0, stock: sku.stock + 4 }, { PriceModified: true, StockModified: true }, (v) => v?.stock === sku.stock + 4);
      expect(fake.getProduct(String(sku.id))).toMatchObject({ promotional_price: promotional, qty: sku.stock + 4 });
      expect((await syncedState(sku.id)).fixes).toEqual([expect.objectContaining({ field: 'promotional_price', message: expect.stringContaining('never accepts a promotional price of 0') })]);
    });

    it('a brand without a SkyHub id in brandIds is a fix naming the setting (E1), not a rejection', async () => {
      const { stack, seed, marketplace } = ctx();
      const [sku] = seed(1, { brandName: 'Marca Nova' });
      await notifyOk(stack, sku!.id, { HasStockKeepingUnitModified: true });
      const log = await waitForLog(stack, sku!.id, 'E1', 0, marketplace);
      expect(log.BusinessMessage).toMatch(/"Marca Nova" has no counterpart in settings\.brandIds/);
    });
  },
});
