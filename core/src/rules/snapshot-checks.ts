import type { Fix } from '../plugin-api/index.js';
import type { SkuSnapshot } from '../vtex/types.js';

/** What the core's own checks found on the VTEX side, before any marketplace rule. */
export interface SnapshotVerdict {
  /**
   * Reasons the SKU must not be on sale (A2): unknown to VTEX, SKU or product inactive, outside the
   * integration's trade policy. A published item is deactivated or deleted; an unpublished one waits.
   */
  withdraw: Fix[];
  /** A1: the SKU is missing from the fulfillment simulation (no price in the trade policy). */
  missingOffer?: Fix;
  /** Other VTEX-side problems: a zero price. Listed with the marketplace's rules (E1). */
  fixes: Fix[];
}

/**
 * Steps c–e and h of VTEX's guide, all at once: the SKU exists and is active, its product is active
 * (Get product), it is in the integration's trade policy (SalesChannels), and the simulation gives it
 * a price. VTEX leaves inactive and out-of-policy SKUs out of the simulation, so for those the
 * missing offer is a consequence, not a separate fix.
 */
export function checkSnapshot(snapshot: SkuSnapshot | undefined, skuId: string, marketplaceName: string): SnapshotVerdict {
  const verdict: SnapshotVerdict = { withdraw: [], fixes: [] };
  if (!snapshot?.sku) {
    verdict.withdraw.push({
      field: 'IdSku',
      rule: 'exists',
      message: `VTEX no longer knows SKU ${skuId}: nothing is sold on ${marketplaceName} for it.`,
      where: 'Catalog > Products and SKUs',
    });
    return verdict;
  }
  const { sku, product, offer, salesChannel } = snapshot;
  if (!sku.IsActive) {
    verdict.withdraw.push({
      field: 'IsActive',
      rule: 'active',
      message: `SKU ${sku.Id} is inactive in VTEX: activate it to sell it on ${marketplaceName}.`,
      where: 'Catalog > Products and SKUs > SKU > Activate',
    });
  }
  if (product?.IsActive === false || sku.IsProductActive === false) {
    verdict.withdraw.push({
      field: 'Product.IsActive',
      rule: 'active',
      message: `Product ${sku.ProductId} is inactive in VTEX: activate it to sell it on ${marketplaceName}.`,
      where: 'Catalog > Products and SKUs > Product > Activate',
    });
  }
  if (!(sku.SalesChannels ?? []).includes(salesChannel)) {
    verdict.withdraw.push({
      field: 'SalesChannels',
      rule: 'trade-policy',
      message: `Product ${sku.ProductId} is not in trade policy ${salesChannel}, the one the ${marketplaceName} integration uses: associate it.`,
      where: 'Catalog > Products and SKUs > Product > Trade policies',
    });
  }
  if (verdict.withdraw.length) return verdict;
  if (!offer) {
    verdict.missingOffer = {
      field: 'Simulation',
      rule: 'simulation',
      message: `SKU ${sku.Id} is missing from the fulfillment simulation of trade policy ${salesChannel}: give it a price in that trade policy.`,
      where: 'Prices > SKU price for the trade policy',
    };
  } else if (!(offer.sellingPrice > 0 || offer.price > 0)) {
    verdict.fixes.push({
      field: 'Price',
      rule: 'price-configured',
      message: `SKU ${sku.Id} has price zero in trade policy ${salesChannel}: set its price.`,
      where: 'Prices > SKU price for the trade policy',
    });
  }
  return verdict;
}
