import { expect } from 'vitest';
import { DEFAULT_NETSHOES_CATALOG, FakeNetshoes } from '../fakes/index.js';
import { itemContract } from '../support/item-contract.js';
import { CATEGORY_ID } from '../support/stack.js';

itemContract<FakeNetshoes>({
  marketplace: 'netshoes',
  // The fake VTEX's brands, added to Netshoes' sample list; no call plan (the 429 case forces them).
  start: () => FakeNetshoes.start({ callsPerMinute: false, catalog: { brands: [...DEFAULT_NETSHOES_CATALOG.brands, 'Ipê', 'Maré Alta'] } }),
  integration: (fake) => ({
    marketplace: 'netshoes',
    categoryMappings: { [String(CATEGORY_ID)]: 'Corrida > Tênis' },
    settings: { apiBaseUrl: fake.url, clientId: fake.clientId, accessToken: fake.accessToken, gender: 'Unissex' },
  }),
  view: (fake, id) => {
    const product = fake.getProduct(id);
    return product?.price && product.stock !== null ? { price: Math.round(product.price.salePrice * 100), stock: product.stock, active: product.stock > 0 } : undefined;
  },
  expectHolds: (fake, sku) => {
    const product = fake.getProduct(String(sku.id));
    expect(product, `product ${sku.id}`).toMatchObject({
      sku: String(sku.id),
      productGroup: String(sku.productId),
      department: 'Corrida',
      productType: 'Tênis',
      brand: sku.brandName,
      name: `${sku.productName} ${sku.skuName}`,
      color: sku.specifications!.Cor,
      flavor: null,
      gender: 'Unissex',
      size: sku.specifications!.Tamanho ?? 'U',
      eanIsbn: sku.ean,
      height: sku.dimension.height,
      width: sku.dimension.width,
      depth: sku.dimension.length,
      weight: sku.dimension.weight / 1000,
      images: sku.images.map((url) => ({ url })),
      price: { listPrice: sku.listPrice / 100, salePrice: (sku.sellingPrice ?? sku.price) / 100 },
      stock: sku.stock,
      review: 'APPROVED',
    });
    expect(product!.description).not.toMatch(/<[a-z]/);
  },
  // Netshoes validates the brand against its own list (its hands-on exercise uses "Naike").
  rejected: { sku: { brandName: 'Naike' }, message: /brand: "Naike" is not in Netshoes' brand list/ },
  auth: { kind: 'static', revoke: (fake, settings) => ({ ...settings, accessToken: fake.rotateAccessToken() }) },
  tamperStock: (fake, id, stock) => {
    fake.getProduct(id)!.stock = stock;
  },
});
