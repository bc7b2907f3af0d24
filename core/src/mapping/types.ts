import type { Fix } from '../plugin-api/index.js';
import type { VtexOffer, VtexProduct, VtexSkuAndContext } from '../vtex/types.js';

/** One step of a row's transformation pipeline: `{ "op": "truncate", "max": 60 }`. */
export interface TransformStep {
  op: string;
  [arg: string]: unknown;
}

/**
 * One row of a plugin's field-mapping table (`contributes.marketplace.fieldMappings`): the columns
 * of VTEX's template table, plus where to read the value and how to transform it.
 */
export interface FieldMappingRow {
  /** Human name of the VTEX field, e.g. "Name". */
  vtexField: string;
  /** Where the seller fills it in VTEX, e.g. "Catalog > SKU > Name". */
  howToFill: string;
  /** The VTEX API the value comes from, e.g. "/api/catalog_system/pvt/sku/stockkeepingunitbyid". */
  vtexApi: string;
  /** Path in the mapping context (`sku.NameComplete`, `offer.sellingPrice`, `sku.Images[0].ImageUrl`); absent when the transform alone makes the value. */
  source?: string;
  /** Dot path in the marketplace payload, e.g. `title` or `attributes.BRAND`. */
  target: string;
  transform?: TransformStep[];
  mandatory: boolean;
  buyBox: boolean;
  /** The "Transformation" column; generated from `transform` when absent. */
  description?: string;
}

/**
 * What a row's `source` (and a template's placeholders) resolve against: the VTEX snapshot after
 * merchant policies, the category mapping and the integration's non-secret settings.
 */
export interface MappingContext {
  sku: VtexSkuAndContext | null;
  product: VtexProduct | null;
  /** After merchant policies (minimum stock, buffer, price guard); null when the SKU is missing from the simulation. */
  offer: VtexOffer | null;
  store: string;
  skuId: string;
  salesChannel: number;
  /** The SKU's deepest VTEX category. */
  categoryId: string | null;
  category: { vtexId: string | null; marketplaceId: string | null };
  /** The integration's settings with the schema's defaults, secrets removed. */
  settings: Record<string, unknown>;
}

/** The first segments a source path may start with. */
export const CONTEXT_ROOTS = ['sku', 'product', 'offer', 'store', 'skuId', 'salesChannel', 'categoryId', 'category', 'settings'] as const;

/** A default value used because the VTEX field was empty (logged as A3). */
export interface DefaultUsed {
  vtexField: string;
  target: string;
  value: unknown;
  where: string;
}

export interface MappingResult {
  payload: Record<string, unknown>;
  /** E1: mandatory fields left empty and values a transformation refused. */
  errors: Fix[];
  /** A3: defaults used ("total reader"). */
  defaults: DefaultUsed[];
  /** Targets whose row was skipped because its source area is already reported (no offer, no category). */
  skipped: string[];
}

export type { TransformRequest, TransformResponse } from '../plugin-api/index.js';
