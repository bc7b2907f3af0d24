/**
 * Carrefour — a Mirakl marketplace. Everything Mirakl is the shared library `@connector/mirakl` (the seller API client
 * and the feed handlers); this plugin says only what is Carrefour's: its product file's columns (the operator's
 * format) and its name. The core builds each SKU's payload from the manifest's fieldMappings, sends `product` lots
 * (P41 imports, at most every 15 minutes) until the product is catalogued, then `offer` lots (OF01 imports, at most
 * once a minute) with price and stock.
 */
import { definePlugin, type PluginContext } from '@connector/core/plugin';
import { field, imageColumns, miraklHandlers, type ProductColumn } from '@connector/mirakl';

/** Carrefour's product file (P41): the payload's fields, in the operator's column names. */
export const PRODUCT_COLUMNS: readonly ProductColumn[] = [
  { column: 'sku', value: field('sku') },
  { column: 'name', value: field('name') },
  { column: 'description', value: field('description') },
  { column: 'ean', value: field('ean') },
  { column: 'brand', value: field('brand') },
  { column: 'category', value: field('category') },
  { column: 'height', value: field('height') },
  { column: 'width', value: field('width') },
  { column: 'depth', value: field('depth') },
  { column: 'weight', value: field('weight') },
  ...imageColumns('images', 5),
];

export function activate(ctx: PluginContext) {
  return miraklHandlers(ctx, { displayName: 'Carrefour', productColumns: PRODUCT_COLUMNS });
}

export default definePlugin({ activate });
