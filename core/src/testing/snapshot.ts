import type { SkuSnapshot, VtexOffer, VtexProduct, VtexSkuAndContext } from '../vtex/types.js';

export interface SnapshotInput {
  skuId: string | number;
  productId?: number;
  /** The SKU name (VTEX `SkuName`); `NameComplete` is "product name + SKU name". */
  name?: string;
  productName?: string;
  description?: string;
  brand?: string;
  ean?: string | null;
  refId?: string;
  images?: string[];
  /** VTEX category id (the deepest). */
  categoryId?: string | number | null;
  /** Prices in cents, as VTEX gives them. */
  price?: number;
  listPrice?: number;
  sellingPrice?: number;
  stock?: number;
  /** SKU active (default true) and product active (default true). */
  active?: boolean;
  productActive?: boolean;
  /** Trade policies the product is in (default: the snapshot's `salesChannel`). */
  salesChannels?: number[];
  salesChannel?: number;
  /** SKU specifications: name → value(s). */
  specifications?: Record<string, string | string[]>;
  /** Raw overrides of the VTEX documents, for fields the shortcuts above do not cover. */
  sku?: Partial<VtexSkuAndContext>;
  product?: Partial<VtexProduct>;
  /** `null`: the SKU is missing from the fulfillment simulation (no price in the trade policy). */
  offer?: Partial<VtexOffer> | null;
  fetchedAt?: string;
}

/**
 * A VTEX snapshot of one SKU — what the core reads from VTEX (Get SKU and context, Get product, the
 * fulfillment simulation) — with sensible values for every field not given. For golden fixtures,
 * write the snapshot as JSON instead (`JSON.parse(readFileSync('fixtures/….snapshot.json'))`).
 */
export function vtexSnapshot(input: SnapshotInput): SkuSnapshot {
  const id = Number(input.skuId);
  const productId = input.productId ?? id * 10;
  const salesChannel = input.salesChannel ?? 1;
  const productName = input.productName ?? `Product ${productId}`;
  const skuName = input.name ?? `SKU ${id}`;
  const categoryId = input.categoryId === null ? null : String(input.categoryId ?? 1);
  const specs = Object.entries(input.specifications ?? {}).map(([FieldName, v], i) => ({ FieldId: 100 + i, FieldName, FieldValueIds: [], FieldValues: Array.isArray(v) ? v : [v] }));
  const images = input.images ?? [`https://example.vteximg.com.br/arquivos/ids/${id}/main.jpg`];
  const sku: VtexSkuAndContext = {
    Id: id,
    ProductId: productId,
    NameComplete: `${productName} ${skuName}`,
    SkuName: skuName,
    ProductName: productName,
    ProductDescription: input.description ?? `<p>${productName}</p>`,
    ProductRefId: `P${productId}`,
    IsActive: input.active ?? true,
    IsProductActive: input.productActive ?? true,
    BrandId: '1',
    BrandName: input.brand ?? 'Brand',
    Dimension: { cubicweight: 1, height: 10, length: 10, weight: 500, width: 10 },
    ManufacturerCode: input.refId ?? '',
    IsKit: false,
    SalesChannels: input.salesChannels ?? [salesChannel],
    MeasurementUnit: 'un',
    UnitMultiplier: 1,
    Images: images.map((ImageUrl, i) => ({ ImageUrl, ImageName: '', FileId: id * 10 + i })),
    SkuSpecifications: specs,
    ProductSpecifications: [],
    ProductCategoryIds: categoryId ? `/${categoryId}/` : '',
    ProductCategories: categoryId ? { [categoryId]: `Category ${categoryId}` } : {},
    AlternateIds: { Ean: input.ean === undefined ? null : input.ean, RefId: input.refId ?? null },
    ...input.sku,
  };
  const product: VtexProduct = {
    Id: productId,
    Name: productName,
    CategoryId: Number(categoryId ?? 0),
    BrandId: 1,
    RefId: `P${productId}`,
    IsVisible: true,
    Description: input.description ?? `<p>${productName}</p>`,
    DescriptionShort: null,
    Title: productName,
    IsActive: input.productActive ?? true,
    ...input.product,
  };
  const price = input.price ?? 10_000;
  const offer: VtexOffer | null =
    input.offer === null
      ? null
      : { price, listPrice: input.listPrice ?? price, sellingPrice: input.sellingPrice ?? price, availability: 'available', stock: input.stock ?? 10, ...input.offer };
  return { store: 'teststore', skuId: String(id), fetchedAt: input.fetchedAt ?? '2030-01-01T00:00:00.000Z', sku, product, offer, salesChannel, categoryId };
}
