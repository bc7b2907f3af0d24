import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTEXT_ROOTS } from './types.js';

/**
 * The JSON schema of what a `fieldMappings` row's `source` (and a `template` placeholder, a `coalesce`
 * source) may read: the mapping context built from the VTEX snapshot. Field names and types follow
 * VTEX's Catalog API ("Get SKU and context", "Get product by ID") and the fulfillment simulation as
 * the connector reduces it (`offer`); `settings` is each plugin's own settings schema.
 *
 * `connector plugin validate` (rule `mapping/source-unknown`) and the runtime at load walk every source
 * path through it, so a misspelt VTEX field is reported before any SKU is sent. Published as
 * core/schema/mapping-context.schema.json (`npm run schema -w core`); a test keeps both equal.
 */

const str = { type: 'string' } as const;
const nstr = { type: ['string', 'null'] } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;
const nbool = { type: ['boolean', 'null'] } as const;
const obj = (properties: Record<string, unknown>, description?: string) => ({ type: 'object', ...(description ? { description } : {}), properties });
const list = (items: unknown, description?: string) => ({ type: 'array', ...(description ? { description } : {}), items });
const specification = obj({ FieldId: int, FieldName: str, FieldValueIds: list(int), FieldValues: list(str), IsFilter: bool, FieldGroupId: int, FieldGroupName: str });

/** "Get SKU and context" (/api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}). */
const SKU = obj(
  {
    Id: int,
    ProductId: int,
    NameComplete: str,
    ComplementName: str,
    ProductName: str,
    ProductDescription: str,
    ProductRefId: str,
    TaxCode: str,
    SkuName: str,
    IsActive: bool,
    IsTransported: nbool,
    IsInventoried: nbool,
    IsGiftCardRecharge: bool,
    ImageUrl: str,
    DetailUrl: str,
    CSCIdentification: nstr,
    BrandId: str,
    BrandName: str,
    IsBrandActive: bool,
    Dimension: obj({ cubicweight: num, height: num, length: num, weight: num, width: num }),
    RealDimension: obj({ realCubicWeight: num, realHeight: num, realLength: num, realWeight: num, realWidth: num }),
    ManufacturerCode: str,
    IsKit: bool,
    KitItems: list({}),
    Services: list({}),
    Categories: list({}),
    CategoriesFullPath: list(str),
    Attachments: list(obj({ Id: int, Name: str, Keys: list(str), Fields: list(obj({ FieldName: str, MaxCaracters: str, DomainValues: nstr })), IsActive: bool, IsRequired: bool })),
    Collections: list({}),
    SkuSellers: list(obj({ SellerId: str, StockKeepingUnitId: int, SellerStockKeepingUnitId: str, IsActive: bool, FreightCommissionPercentage: num, ProductCommissionPercentage: num })),
    SalesChannels: list(int),
    Images: list(obj({ ImageUrl: str, ImageName: nstr, FileId: int })),
    Videos: list(str),
    SkuSpecifications: list(specification),
    ProductSpecifications: list(specification),
    ProductClustersIds: str,
    PositionsInClusters: { type: 'object', additionalProperties: int },
    ProductClusterNames: { type: 'object', additionalProperties: str },
    ProductClusterHighlights: { type: 'object', additionalProperties: str },
    ProductCategoryIds: str,
    IsDirectCategoryActive: bool,
    ProductGlobalCategoryId: { type: ['integer', 'null'] },
    ProductCategories: { type: 'object', description: 'Category id → name, from the top of the tree down.', additionalProperties: str },
    CommercialConditionId: int,
    RewardValue: num,
    AlternateIds: obj({ Ean: nstr, RefId: nstr }),
    AlternateIdValues: list(str),
    EstimatedDateArrival: nstr,
    MeasurementUnit: str,
    UnitMultiplier: num,
    InformationSource: nstr,
    ModalType: nstr,
    KeyWords: nstr,
    ReleaseDate: nstr,
    ProductIsVisible: bool,
    ShowIfNotAvailable: bool,
    IsProductActive: bool,
    ProductFinalScore: int,
  },
  'VTEX Catalog API "Get SKU and context" (/api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}); null when VTEX no longer knows the SKU.',
);

/** "Get product by ID" (/api/catalog/pvt/product/{productId}). */
const PRODUCT = obj(
  {
    Id: int,
    Name: str,
    DepartmentId: int,
    CategoryId: int,
    BrandId: int,
    LinkId: str,
    RefId: nstr,
    IsVisible: bool,
    Description: nstr,
    DescriptionShort: nstr,
    ReleaseDate: str,
    KeyWords: str,
    Title: nstr,
    IsActive: bool,
    TaxCode: str,
    MetaTagDescription: str,
    SupplierId: { type: ['integer', 'null'] },
    ShowWithoutStock: bool,
    AdWordsRemarketingCode: str,
    LomadeeCampaignCode: str,
    Score: int,
  },
  'VTEX Catalog API "Get product by ID" (/api/catalog/pvt/product/{productId}).',
);

/** The fulfillment simulation, as the connector reduces it, after the merchant policies. */
const OFFER = obj(
  {
    price: { type: 'integer', description: 'Price in cents.' },
    listPrice: { type: 'integer', description: 'List ("from") price in cents.' },
    sellingPrice: { type: 'integer', description: 'Selling price in cents (after VTEX promotions).' },
    availability: str,
    stock: { type: 'integer', description: "Units to offer: the simulation's stock balance after minimum stock and stock buffer." },
  },
  'Price and stock from the fulfillment simulation (/api/checkout/pub/orderForms/simulation) after merchant policies; null when the SKU is missing from the simulation.',
);

/** The VTEX API a source root is read from: what the mapping table's "VTEX API" column should say. */
export const SOURCE_APIS: Record<string, string> = {
  sku: '/api/catalog_system/pvt/sku/stockkeepingunitbyid/{skuId}',
  product: '/api/catalog/pvt/product/{productId}',
  offer: '/api/checkout/pub/orderForms/simulation',
};

/** The published file; `npm run schema -w core` rewrites it. */
export const MAPPING_CONTEXT_SCHEMA_PATH = resolve(dirname(fileURLToPath(import.meta.url)), '../../schema/mapping-context.schema.json');

/**
 * The mapping context's schema; with a plugin's settings schema, `settings` is that schema (else any
 * object). Properties not listed here are refused by the source check: VTEX's documented fields only.
 */
export function mappingContextSchema(settings?: Record<string, unknown>): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    sku: SKU,
    product: PRODUCT,
    offer: OFFER,
    store: { type: 'string', description: 'The VTEX account name.' },
    skuId: { type: 'string', description: 'The VTEX SKU id, as text.' },
    salesChannel: { type: 'integer', description: "The trade policy the store's affiliate uses." },
    categoryId: { type: ['string', 'null'], description: "The SKU's deepest VTEX category id." },
    category: obj(
      { vtexId: nstr, marketplaceId: { type: ['string', 'null'], description: "The marketplace's category, from the integration's category mapping." } },
      'The category mapping of the SKU: unmapped SKUs wait in pending-category, so marketplaceId is set whenever a payload is built.',
    ),
    settings: settings ?? { type: 'object', description: "The integration's settings (the plugin's settings schema), defaults applied, secrets removed." },
  };
  // Keep the roots and the engine's CONTEXT_ROOTS in step.
  for (const root of CONTEXT_ROOTS) if (!(root in properties)) throw new Error(`mapping context schema lacks root "${root}"`);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://connector.dev/schema/mapping-context/v1.json',
    title: 'Connector mapping context',
    description: 'What fieldMappings sources read: the VTEX snapshot of one SKU, its category mapping and the integration settings.',
    type: 'object',
    properties,
  };
}
