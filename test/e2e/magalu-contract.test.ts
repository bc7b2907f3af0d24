import { expect } from 'vitest';
import { FakeMagalu } from '../fakes/index.js';
import { itemContract } from '../support/item-contract.js';
import { CATEGORY_ID } from '../support/stack.js';

const CLIENT_ID = 'magalu-contract-client';
const CLIENT_SECRET = 'magalu-contract-secret';
const REFRESH = 'magalu-initial-refresh-token';

itemContract<FakeMagalu>({
  marketplace: 'magalu',
  start: () => FakeMagalu.start({ rateLimit: false, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, initialRefreshToken: REFRESH }),
  integration: (fake) => ({
    marketplace: 'magalu',
    categoryMappings: { [String(CATEGORY_ID)]: 'magalu-default' },
    // Only the refresh trio: the plugin gets its first access token itself, and renews it on a 401.
    settings: { apiBaseUrl: fake.url, tokenUrl: `${fake.url}/oauth/token`, channelId: fake.channels[0], clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, refreshToken: REFRESH },
  }),
  view: (fake, id) => {
    const sku = fake.getSku(id);
    const price = fake.getPrice(id);
    const stock = fake.getStock(id);
    return sku && price && stock ? { price: price.price, stock: stock.quantity, active: sku.active } : undefined;
  },
  expectHolds: (fake, sku) => {
    const id = String(sku.id);
    const held = fake.getSku(id);
    expect(held, `SKU ${id}`).toMatchObject({
      sku: id,
      title: `${sku.productName} ${sku.skuName}`,
      brand: sku.brandName,
      condition: 'NEW',
      channels: [{ id: fake.channels[0] }],
      identifiers: [{ type: 'ean', value: sku.ean }],
      active: true,
    });
    expect(held!.description).toContain(sku.productName);
    expect(held!.description).not.toMatch(/<[a-z]/);
    expect(held!.extra.images).toEqual(sku.images.map((reference) => ({ reference })));
    // Cents as VTEX gives them, normalizer 100, in BRL.
    expect(fake.getPrice(id)).toMatchObject({ price: sku.sellingPrice ?? sku.price, list_price: sku.listPrice, currency: 'BRL', normalizer: 100 });
    expect(fake.getStock(id)).toMatchObject({ quantity: sku.stock, type: 'AVAILABLE' });
  },
  // Magalu refuses a list ("from") price below the selling price; no registration rule compares two fields.
  rejected: { sku: { price: 10_000, sellingPrice: 10_000, listPrice: 9_000 }, message: /list_price.*greater than or equal to price/ },
  auth: { kind: 'refresh', expire: (fake) => fake.expireAccessTokens(), refreshes: (fake) => fake.counters.tokenRefreshes },
  tamperStock: (fake, id, stock) => {
    fake.getStock(id)!.quantity = stock;
  },
});
