// The handlers every Mirakl marketplace plugin shares. The core (manifest: mode feed, needsProductBeforeOffer) sends
// `product` lots until a SKU's product is catalogued and `offer` lots (price and stock) only after; a lot is one
// import here:
//
//   product lot → P41 product file (the operator's format: the plugin lists its columns) → P42 until COMPLETE → P44
//   offer lot   → OF01 offer file (sku;product-id;product-id-type;price;quantity;state;leadtime-to-ship;update-delete)
//                 → OF02 until COMPLETE → OF03
//
// Each SKU is its own single-SKU product on Mirakl: its `sku` is the VTEX SKU id, and its offer names it as
// product-id with product-id-type SHOP_SKU (the product's marketplace id). A withdrawn SKU (VTEX no longer sells it)
// is an offer line with update-delete=delete: the offer is deleted, the product stays catalogued, and the next offer
// line for it puts it back on sale. Import frequencies (offers once a minute, products every 15 minutes) are the
// core's rate budgets `submitFeed.offer` and `submitFeed.product`: nothing here waits or counts.
import {
  type FeedItemResult,
  type FeedLotRef,
  type FeedStatus,
  type ItemRef,
  type Lot,
  type LotItem,
  MarketplaceErrors,
  type MarketplaceHandlers,
  type PluginContext,
  type RemoteState,
  type RemoteStateQuery,
} from '@connector/core/plugin';
import { type MiraklClientOptions, MiraklClient, type MiraklOffer, type MiraklReportLine } from './client.js';
import { type CsvValue, toMiraklCsv } from './csv.js';

/** One column of the operator's product file and how it is read from the payload the core built. */
export interface ProductColumn {
  column: string;
  value: (payload: Record<string, unknown>) => CsvValue;
}

/** A payload field as CSV text: numbers with `.` decimals, lists and objects refused (name the column instead). */
export function field(name: string): (payload: Record<string, unknown>) => CsvValue {
  return (payload) => {
    const v = payload[name];
    return typeof v === 'string' || typeof v === 'number' ? v : typeof v === 'boolean' ? String(v) : undefined;
  };
}

/** `image-1` … `image-<max>` from a list of URLs in the payload. */
export function imageColumns(name: string, max: number, prefix = 'image-'): ProductColumn[] {
  return Array.from({ length: max }, (_, i) => ({
    column: `${prefix}${i + 1}`,
    value: (payload: Record<string, unknown>) => {
      const list = payload[name];
      const url = Array.isArray(list) ? list[i] : undefined;
      return typeof url === 'string' ? url : undefined;
    },
  }));
}

/**
 * The offer fields the manifest must fill (payload keys): `price` (decimal, in the marketplace's currency),
 * `quantity` (integer), `state` (the offer state code, 11 = New) and optionally `leadtimeToShip` (days). OF01 in
 * NORMAL mode resets every offer field a line leaves out, so each line carries all of them (an empty lead time
 * clears one set in the back office: set it in the integration's settings instead).
 */
export const OFFER_COLUMNS = ['sku', 'product-id', 'product-id-type', 'price', 'quantity', 'state', 'leadtime-to-ship', 'update-delete'] as const;

export interface MiraklPluginSpec extends MiraklClientOptions {
  /** The operator's product file: its columns, in order. The `sku` column is always the VTEX SKU id. */
  productColumns: readonly ProductColumn[];
  /** Above this many items, fetchRemoteState pages through every offer (OF21, 100 a page) instead of one call per SKU. */
  lookupPageAbove?: number;
}

type Kind = 'P41' | 'OF01';

/** `P41:2301` / `OF01:2302`: the import API and id, so a status check knows which API to ask. */
export function feedRef(kind: Kind, importId: number): string {
  return `${kind}:${importId}`;
}

export function parseFeedRef(ref: string, marketplace = 'mirakl'): { kind: Kind; importId: number } {
  const m = /^(P41|OF01):(\d+)$/.exec(ref);
  if (!m) throw MarketplaceErrors.rejected(marketplace, `"${ref}" is not a Mirakl import reference (P41:<id> or OF01:<id>)`);
  return { kind: m[1] as Kind, importId: Number(m[2]) };
}

/** A lot item that must come off sale (plugin API 1.1's `withdraw`). */
export function isWithdrawal(item: LotItem): boolean {
  return item.withdraw === true;
}

/** The OF01 line of one lot item (columns as OFFER_COLUMNS). */
export function offerLine(item: LotItem): CsvValue[] {
  if (isWithdrawal(item)) return [item.skuId, undefined, undefined, undefined, undefined, undefined, undefined, 'delete'];
  const p = item.payload;
  const num = (name: string) => (typeof p[name] === 'number' ? (p[name] as number) : undefined);
  const state = p.state === undefined || p.state === null ? undefined : String(p.state);
  return [item.skuId, item.marketplaceId ?? item.skuId, 'SHOP_SKU', num('price'), num('quantity'), state, num('leadtimeToShip'), 'update'];
}

/** The P41 file of a product lot. */
export function productFile(columns: readonly ProductColumn[], items: readonly LotItem[]): string {
  const names = columns.map((c) => c.column);
  if (names[0] !== 'sku') throw new Error('the product file must start with the "sku" column');
  return toMiraklCsv(
    names,
    items.map((item) => [item.skuId, ...columns.slice(1).map((c) => c.value(item.payload))]),
  );
}

export function offerFile(items: readonly LotItem[]): string {
  return toMiraklCsv(OFFER_COLUMNS, items.map(offerLine));
}

/** Error-report lines grouped by the import's `sku` column (OF24 reports: `shop_sku`), messages joined. */
export function messagesBySku(lines: readonly MiraklReportLine[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const l of lines) {
    const sku = (l.values.sku ?? l.values.shop_sku ?? '').trim();
    if (!sku) continue;
    const message = l.message || `refused (line ${l.line} of the error report gives no message)`;
    out.set(sku, out.has(sku) ? `${out.get(sku)}; ${message}` : message);
  }
  return out;
}

const FAILED = new Set(['FAILED', 'CANCELLED', 'REJECTED']);

/** Every handler a Mirakl plugin needs, for the manifest's `mode: feed`, `needsProductBeforeOffer: true`, `canDeactivate: true`. */
export function miraklHandlers(ctx: PluginContext, spec: MiraklPluginSpec): MarketplaceHandlers {
  const api = new MiraklClient(ctx, spec);
  const mp = ctx.marketplace;
  const feedsOnly = async (): Promise<never> => {
    throw MarketplaceErrors.rejected(mp, `${spec.displayName} (Mirakl) takes products and offers in imports only: the core sends them in lots`);
  };

  /** Each SKU of the lot: refused with its report message, or accepted. Without the lot (a probe), only the refusals. */
  function outcome(skuIds: readonly string[] | undefined, refused: Map<string, string>, accepted: (skuId: string) => FeedItemResult): FeedItemResult[] {
    const ids = skuIds ?? [...refused.keys()];
    return ids.map((skuId) => (refused.has(skuId) ? { skuId, ok: false, message: refused.get(skuId)! } : accepted(skuId)));
  }
  const wholeFailure = (skuIds: readonly string[] | undefined, what: string, importId: number, reason: string | undefined): FeedStatus => ({
    done: true,
    results: (skuIds ?? []).map((skuId) => ({
      skuId,
      ok: false,
      message: `${spec.displayName} could not process ${what} import ${importId}: ${reason || 'no reason given'}. It is sent again with the next change.`,
    })),
  });

  async function offerLookup(items: RemoteStateQuery[]): Promise<Map<string, MiraklOffer>> {
    const found = new Map<string, MiraklOffer>();
    if (items.length <= (spec.lookupPageAbove ?? 10)) {
      for (const q of items) {
        const { offers } = await api.listOffers({ sku: q.skuId, max: 1 });
        const offer = offers.find((o) => o.shop_sku === q.skuId);
        if (offer) found.set(q.skuId, offer);
      }
      return found;
    }
    const wanted = new Set(items.map((q) => q.skuId));
    for (let offset = 0; ; offset += 100) {
      const page = await api.listOffers({ max: 100, offset });
      for (const o of page.offers) if (wanted.has(o.shop_sku)) found.set(o.shop_sku, o);
      if (page.offers.length < 100 || offset + 100 >= page.total_count || found.size === wanted.size) return found;
    }
  }

  return {
    publish: feedsOnly,
    update: feedsOnly,

    /** One SKU off sale outside a lot: a one-line OF01 import deleting its offer (the product stays catalogued). */
    async deactivate(item: ItemRef) {
      const importId = await api.importOffers(offerFile([{ skuId: item.skuId, payload: {}, marketplaceId: item.marketplaceId, withdraw: true }]));
      return { response: { import: feedRef('OF01', importId) } };
    },

    async submitFeed(lot: Lot) {
      if (lot.operation === 'product') return { feedRef: feedRef('P41', await api.importProducts(productFile(spec.productColumns, lot.items.filter((i) => !isWithdrawal(i))))) };
      return { feedRef: feedRef('OF01', await api.importOffers(offerFile(lot.items))) };
    },

    async checkFeed(ref: string, lot?: FeedLotRef): Promise<FeedStatus> {
      const { kind, importId } = parseFeedRef(ref, mp);
      const skuIds = lot?.skuIds;
      if (kind === 'P41') {
        const status = await api.productImport(importId);
        if (FAILED.has(status.import_status)) return wholeFailure(skuIds, 'the product', importId, status.reason_status);
        if (status.import_status !== 'COMPLETE') return { done: false, status: status.import_status };
        const refused = status.has_error_report ? messagesBySku(await api.productErrorReport(importId)) : new Map<string, string>();
        // A catalogued product's marketplace id is its shop SKU: the offer names it as product-id (SHOP_SKU).
        return { done: true, results: outcome(skuIds, refused, (skuId) => ({ skuId, ok: true, marketplaceId: skuId })) };
      }
      const status = await api.offerImport(importId);
      if (FAILED.has(status.status)) return wholeFailure(skuIds, 'the offer', importId, status.reason_status);
      if (status.status !== 'COMPLETE') return { done: false, status: status.status };
      const refused = status.has_error_report ? messagesBySku(await api.offerErrorReport(importId)) : new Map<string, string>();
      return { done: true, results: outcome(skuIds, refused, (skuId) => ({ skuId, ok: true })) };
    },

    /** Price and stock as the offer holds them (OF21), in the payload's keys; no offer = not found. */
    async fetchRemoteState(items: RemoteStateQuery[]): Promise<RemoteState[]> {
      const offers = await offerLookup(items);
      return items.map((q) => {
        const o = offers.get(q.skuId);
        return o ? { skuId: q.skuId, found: true, marketplaceId: o.product_sku ?? q.marketplaceId ?? q.skuId, fields: { price: o.price, quantity: o.quantity } } : { skuId: q.skuId, found: false };
      });
    },
  };
}
