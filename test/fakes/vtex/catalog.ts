// The fake VTEX catalog: the SKU record tests manipulate, a deterministic catalog generator, and the JSON shapes
// VTEX's Catalog API returns for it (field names as in VTEX's OpenAPI: "Get SKU and context", "Get product by ID").
import { hash32, slugify } from '../http.js';

export interface CatalogSku {
  id: number;
  productId: number;
  skuName: string;
  productName: string;
  /** HTML, as VTEX stores it. */
  description: string;
  brandId: number;
  brandName: string;
  categoryId: number;
  categoryName?: string;
  ean?: string;
  refId?: string;
  isActive: boolean;
  isProductActive: boolean;
  salesChannels: number[];
  /** Image URLs, first one is the main image. */
  images: string[];
  /** Centimetres and grams, as VTEX stores them. */
  dimension: { height: number; width: number; length: number; weight: number };
  /** Price in the trade policy, integer cents. */
  price: number;
  listPrice: number;
  /** Sale price, integer cents; defaults to `price`. */
  sellingPrice?: number;
  stock: number;
  /** false → the item is missing from simulation answers (VTEX does that for SKUs it cannot sell). */
  inSimulation?: boolean;
  /** SKU specifications, name → value (e.g. `{ Cor: 'Azul' }`). */
  specifications?: Record<string, string>;
}

export interface SeedOptions {
  /** First SKU id; defaults to one past the highest id already in the catalog. */
  startId?: number;
  categoryId?: number;
  /** The one sales channel (trade policy) every generated SKU is in; default 1. */
  salesChannel?: number;
  /** Overrides per generated SKU; `i` counts from 0 within this call. */
  make?: (i: number) => Partial<CatalogSku>;
}

const CATEGORIES: Record<number, string> = { 10: 'Vestuário', 20: 'Calçados', 30: 'Eletrônicos', 40: 'Casa e Cozinha', 50: 'Esporte e Lazer' };
const CLOTHING = ['P', 'M', 'G', 'GG'];
const SHOES = ['37', '38', '39', '40', '41', '42'];
/** Product type, its category, and its sizes (none: the SKUs differ by colour only). */
const PRODUCT_TYPES: readonly (readonly [string, number, readonly string[]])[] = [
  ['Camiseta Básica', 10, CLOTHING],
  ['Jaqueta Corta-Vento', 10, CLOTHING],
  ['Tênis de Corrida', 20, SHOES],
  ['Sandália Casual', 20, SHOES],
  ['Fone Bluetooth', 30, []],
  ['Smartwatch', 30, []],
  ['Garrafa Térmica', 40, []],
  ['Panela Antiaderente', 40, []],
  ['Mochila de Trilha', 50, []],
  ['Bola de Futebol', 50, []],
];
const BRANDS: readonly (readonly [number, string])[] = [
  [2000001, 'Aurora'],
  [2000002, 'Nortec'],
  [2000003, 'Vento Sul'],
  [2000004, 'Ipê'],
  [2000005, 'Maré Alta'],
];
const LINES = ['Essencial', 'Pro', 'Urban', 'Clássico', 'Sport', 'Eco'];
const COLORS = ['Preto', 'Branco', 'Azul Marinho', 'Vermelho', 'Verde Musgo', 'Cinza'];
/** Generated products have this many SKUs (ids 3k, 3k+1, 3k+2 share a product), so product-level changes touch
 * several SKUs as they do in a real store. */
const SKUS_PER_PRODUCT = 3;

/** EAN-13 from a 12-digit body: weights 1,3,1,3… from the left, check digit tops the sum up to a multiple of 10. */
export function ean13(body12: string): string {
  const sum = [...body12].reduce((acc, d, i) => acc + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return body12 + ((10 - (sum % 10)) % 10);
}

/** A realistic SKU derived only from its id (and the account, for image hosts): same input, same SKU. */
export function generateSku(id: number, account: string, opts: SeedOptions = {}): CatalogSku {
  const productId = 1_000_000 + Math.floor(id / SKUS_PER_PRODUCT);
  const r = (salt: string) => hash32(id, salt);
  const p = (salt: string) => hash32(productId, salt);
  const [type, typeCategory, sizes] = PRODUCT_TYPES[p('type') % PRODUCT_TYPES.length]!;
  const [brandId, brandName] = BRANDS[p('brand') % BRANDS.length]!;
  const productName = `${type} ${brandName} ${LINES[p('line') % LINES.length]}`; // ≤ 39 chars
  const color = COLORS[(p('color') + (id % SKUS_PER_PRODUCT)) % COLORS.length]!; // SKUs of a product differ in colour
  const size = sizes.length > 0 ? sizes[r('size') % sizes.length] : undefined;
  const categoryId = opts.categoryId ?? typeCategory;
  const price = (20 + (p('price') % 980)) * 100 - 10; // R$ 19,90 … R$ 999,90, same for every SKU of a product
  const slug = slugify(productName);
  return {
    id,
    productId,
    skuName: size ? `${color} ${size}` : color, // NameComplete = product + SKU name ≤ 39 + 1 + 15 = 55 chars
    productName,
    description: `<p>${productName}: qualidade ${brandName} para o dia a dia.</p><ul><li>Cor: ${color}</li>${size ? `<li>Tamanho: ${size}</li>` : ''}</ul>`,
    brandId,
    brandName,
    categoryId,
    categoryName: CATEGORIES[categoryId] ?? `Categoria ${categoryId}`,
    ean: ean13(`789${String(id % 1e9).padStart(9, '0')}`), // 789 = GS1 Brasil
    refId: `REF-${id}`,
    isActive: true,
    isProductActive: true,
    salesChannels: [opts.salesChannel ?? 1],
    images: Array.from({ length: 1 + (r('images') % 3) }, (_, k) => `https://${account}.vteximg.com.br/arquivos/ids/${id * 10 + k}/${slug}-${k + 1}.jpg`),
    dimension: { height: 5 + (p('h') % 40), width: 10 + (p('w') % 40), length: 10 + (p('l') % 50), weight: 100 + (p('g') % 4900) },
    price,
    listPrice: p('list') % 3 === 0 ? price + 2000 : price,
    stock: 1 + (r('stock') % 200),
    specifications: size ? { Cor: color, Tamanho: size } : { Cor: color },
  };
}

function nameComplete(sku: CatalogSku): string {
  return sku.skuName === sku.productName ? sku.productName : `${sku.productName} ${sku.skuName}`;
}

const RELEASE_DATE = '2024-01-15T00:00:00';

/** "Get SKU and context" (`GET /api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}`). */
export function skuAndContext(sku: CatalogSku): Record<string, unknown> {
  const { height, width, length, weight } = sku.dimension;
  const cubicweight = Math.round(((height * width * length) / 6000) * 10000) / 10000; // kg, the usual /6000 factor
  const categoryPath = `/${sku.categoryId}/`;
  const alternateIds: Record<string, string> = {}; // VTEX leaves out the ids a SKU does not have
  if (sku.ean) alternateIds.Ean = sku.ean;
  if (sku.refId) alternateIds.RefId = sku.refId;
  return {
    Id: sku.id,
    ProductId: sku.productId,
    NameComplete: nameComplete(sku),
    ComplementName: '',
    ProductName: sku.productName,
    ProductDescription: sku.description,
    ProductRefId: `P${sku.productId}`,
    TaxCode: '',
    SkuName: sku.skuName,
    IsActive: sku.isActive,
    IsTransported: true,
    IsInventoried: true,
    IsGiftCardRecharge: false,
    ImageUrl: sku.images[0] ?? null,
    DetailUrl: `/${slugify(sku.productName)}/p`,
    CSCIdentification: null,
    BrandId: String(sku.brandId),
    BrandName: sku.brandName,
    IsBrandActive: true,
    Dimension: { cubicweight, height, length, weight, width },
    RealDimension: { realCubicWeight: cubicweight, realHeight: height, realLength: length, realWeight: weight, realWidth: width },
    ManufacturerCode: sku.refId ?? '',
    IsKit: false,
    KitItems: [],
    Services: [],
    Categories: [],
    CategoriesFullPath: [categoryPath],
    Attachments: [],
    Collections: [],
    SkuSellers: [
      {
        SellerId: '1',
        StockKeepingUnitId: sku.id,
        SellerStockKeepingUnitId: String(sku.id),
        IsActive: sku.isActive,
        FreightCommissionPercentage: 0,
        ProductCommissionPercentage: 0,
      },
    ],
    SalesChannels: [...sku.salesChannels],
    Images: sku.images.map((ImageUrl, k) => ({ ImageUrl, ImageName: '', FileId: sku.id * 10 + k })),
    Videos: [],
    SkuSpecifications: Object.entries(sku.specifications ?? {}).map(([FieldName, value]) => ({
      FieldId: 100 + (hash32('field', FieldName) % 900),
      FieldName,
      FieldValueIds: [1000 + (hash32(FieldName, value) % 9000)],
      FieldValues: [value],
      IsFilter: true,
      FieldGroupId: 1,
      FieldGroupName: 'Especificações',
    })),
    ProductSpecifications: [],
    ProductClustersIds: '',
    PositionsInClusters: {},
    ProductClusterNames: {},
    ProductClusterHighlights: {},
    ProductCategoryIds: categoryPath,
    IsDirectCategoryActive: true,
    ProductGlobalCategoryId: null,
    ProductCategories: { [sku.categoryId]: sku.categoryName ?? '' },
    CommercialConditionId: 1,
    RewardValue: 0,
    AlternateIds: alternateIds,
    AlternateIdValues: Object.values(alternateIds),
    EstimatedDateArrival: null,
    MeasurementUnit: 'un',
    UnitMultiplier: 1,
    InformationSource: 'Indexer',
    ModalType: null,
    KeyWords: '',
    ReleaseDate: RELEASE_DATE,
    ProductIsVisible: true,
    ShowIfNotAvailable: true,
    IsProductActive: sku.isProductActive,
    ProductFinalScore: 0,
  };
}

/** "Get product by ID" (`GET /api/catalog/pvt/product/{productId}`), built from any SKU of the product. */
export function productJson(sku: CatalogSku): Record<string, unknown> {
  return {
    Id: sku.productId,
    Name: sku.productName,
    DepartmentId: sku.categoryId, // the fake catalog is one level deep: each category is its own department
    CategoryId: sku.categoryId,
    BrandId: sku.brandId,
    LinkId: slugify(sku.productName),
    RefId: `P${sku.productId}`,
    IsVisible: true,
    Description: sku.description,
    DescriptionShort: '',
    ReleaseDate: RELEASE_DATE,
    KeyWords: '',
    Title: sku.productName,
    IsActive: sku.isProductActive,
    TaxCode: '',
    MetaTagDescription: '',
    SupplierId: null,
    ShowWithoutStock: true,
    AdWordsRemarketingCode: '',
    LomadeeCampaignCode: '',
    Score: 0,
  };
}
