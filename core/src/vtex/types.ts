/** The fields of VTEX's "Get SKU and context" the connector reads (see catalog-api.json). */
export interface VtexSkuAndContext {
  Id: number;
  ProductId: number;
  NameComplete?: string;
  SkuName?: string;
  ProductName?: string;
  ProductDescription?: string;
  ProductRefId?: string;
  IsActive: boolean;
  IsProductActive?: boolean;
  BrandId?: string;
  BrandName?: string;
  Dimension?: { cubicweight?: number; height?: number; length?: number; weight?: number; width?: number };
  RealDimension?: Record<string, number>;
  ManufacturerCode?: string;
  IsKit?: boolean;
  SalesChannels?: number[];
  MeasurementUnit?: string;
  UnitMultiplier?: number;
  Images?: Array<{ ImageUrl: string; ImageName?: string | null; FileId?: number }>;
  SkuSpecifications?: Array<{ FieldId: number; FieldName: string; FieldValueIds?: number[]; FieldValues: string[] }>;
  ProductSpecifications?: Array<{ FieldId: number; FieldName: string; FieldValueIds?: number[]; FieldValues: string[] }>;
  ProductCategoryIds?: string;
  ProductCategories?: Record<string, string>;
  AlternateIds?: { Ean?: string | null; RefId?: string | null };
  [key: string]: unknown;
}

/** VTEX's "Get product by ID". */
export interface VtexProduct {
  Id: number;
  Name: string;
  CategoryId: number;
  BrandId: number;
  RefId?: string | null;
  IsVisible?: boolean;
  Description?: string | null;
  DescriptionShort?: string | null;
  Title?: string | null;
  IsActive: boolean;
  [key: string]: unknown;
}

/** Price and stock of one SKU from the fulfillment simulation (prices in cents). */
export interface VtexOffer {
  price: number;
  listPrice: number;
  sellingPrice: number;
  availability: string;
  /** Stock VTEX's own connectors send: logisticsInfo.stockBalance, else the quantity granted. */
  stock: number;
}

/**
 * Everything the pipeline knows about one SKU at one moment: the VTEX truth every marketplace of
 * the store maps from. Read once per refresh and shared.
 */
export interface SkuSnapshot {
  store: string;
  skuId: string;
  fetchedAt: string;
  /** null when VTEX no longer knows the SKU (404). */
  sku: VtexSkuAndContext | null;
  product: VtexProduct | null;
  /** null when the SKU is missing from the simulation (no price, or not sold in the trade policy). */
  offer: VtexOffer | null;
  /** The trade policy the store's affiliate uses. */
  salesChannel: number;
  /** The deepest category id, from ProductCategoryIds ("/1/2/" → "2"), else the product's CategoryId. */
  categoryId: string | null;
  /** What the refresh that made this snapshot re-read, and why. */
  refresh?: SnapshotRefresh;
}

export interface SnapshotRefresh {
  /** `full`: SKU, product and simulation; `offer`: the simulation only (catalog data kept from the previous snapshot). */
  mode: 'full' | 'offer';
  /** When `sku` and `product` were read. */
  catalogFetchedAt: string;
  /** Notifications this refresh covered, and their flags merged. */
  notifications: number;
  catalog: boolean;
  offer: boolean;
  withdraw: boolean;
}
