import { expect, it } from 'vitest';
import { FakeMercadoLivre } from '../fakes/index.js';
import { itemContract } from '../support/item-contract.js';
import { CATEGORY_ID, ML_CATEGORY } from '../support/stack.js';

const CLIENT_ID = '7770001112223334';
const CLIENT_SECRET = 'ml-contract-client-secret';
const REFRESH = 'TG-ml-contract-initial-refresh';

itemContract<FakeMercadoLivre>({
  marketplace: 'mercadolivre',
  start: () => FakeMercadoLivre.start({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, initialRefreshToken: REFRESH }),
  integration: (fake) => ({
    marketplace: 'mercadolivre',
    categoryMappings: { [String(CATEGORY_ID)]: ML_CATEGORY },
    // Only the refresh trio: single-use refresh tokens, rotated and stored by the plugin.
    settings: { apiBaseUrl: fake.url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH },
  }),
  view: (fake, id) => {
    const item = fake.getItemBySellerSku(id);
    return item ? { price: Math.round(item.price * 100), stock: item.available_quantity, active: item.status === 'active' } : undefined;
  },
  expectHolds: (fake, sku) => {
    const item = fake.getItemBySellerSku(String(sku.id));
    expect(item, `item for SKU ${sku.id}`).toMatchObject({
      title: `${sku.productName} ${sku.skuName}`,
      category_id: ML_CATEGORY,
      price: (sku.sellingPrice ?? sku.price) / 100,
      currency_id: 'BRL',
      available_quantity: sku.stock,
      buying_mode: 'buy_it_now',
      listing_type_id: 'gold_special',
      condition: 'new',
      status: 'active',
      seller_custom_field: String(sku.id),
      pictures: sku.images.slice(0, 10).map((url) => expect.objectContaining({ url })),
    });
    expect(item!.attributes).toEqual(
      expect.arrayContaining([
        { id: 'SELLER_SKU', value_id: null, value_name: String(sku.id) },
        { id: 'BRAND', value_id: null, value_name: sku.brandName },
        { id: 'GTIN', value_id: null, value_name: sku.ean },
      ]),
    );
  },
  // Mercado Livre takes pictures by http(s) URL only; no registration rule looks at the scheme.
  rejected: { sku: { images: ['ftp://images.example/1.jpg'] }, message: /pictures must be an array of \{source: "http\(s\):\/\/…"\}/ },
  auth: { kind: 'refresh', expire: (fake) => fake.expireAccessTokens(), refreshes: (fake) => fake.counters.tokenRefreshes },
  tamperStock: (fake, id, stock) => {
    fake.getItemBySellerSku(id)!.available_quantity = stock;
  },
  extra: (ctx) => {
    it('keeps the title once the item has sold: the rest of the update goes through without it', async () => {
      const { fake, create, change, syncedState } = ctx();
      const sku = await create();
      const item = fake.getItemBySellerSku(String(sku.id))!;
      fake.sell(item.id, 1);
      const title = item.title;
      await change(sku, { skuName: 'Edição Especial', stock: sku.stock + 2 }, { HasStockKeepingUnitModified: true }, (v) => v?.stock === sku.stock + 2);
      expect(fake.items.get(item.id)).toMatchObject({ title, sold_quantity: 1 });
      expect((await syncedState(sku.id)).lastResponse).toMatchObject({ ok: true, body: { titleKept: true } });
    });

    it('deletes by closing first (Mercado Livre deletes only closed items)', async () => {
      const { stack, fake, create, marketplace } = ctx();
      const sku = await create();
      const id = (await stack.runtime.state.idMapping(stack.vtex.account, marketplace, String(sku.id)))!;
      const handlers = await stack.runtime.plugins.handlers(stack.runtime.stores.get(stack.vtex.account)!, marketplace);
      const updates = fake.counters.updates;
      await handlers.delete!({ skuId: String(sku.id), marketplaceId: id });
      expect(fake.items.get(id)).toMatchObject({ status: 'closed', sub_status: ['deleted'] });
      expect(fake.counters.updates).toBe(updates + 2);
    });
  },
});
