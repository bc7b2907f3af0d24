import type { MerchantPolicy } from './types.js';

const money = (cents: number) => (cents / 100).toFixed(2);

/**
 * Holds a price cut larger than `maxDropPercent` % of the price last decided for the marketplace
 * (a typo in VTEX — 19.90 for 199.00 — would otherwise sell out in minutes). The marketplace keeps
 * the previous price and stock keeps flowing; the merchant gets a price warning to review. Approving
 * it (PolicyWarnings.approve) lets exactly that price through; a price back within the limit clears
 * the warning by itself. The reference is the last price *decided*, so successive small cuts add up
 * against it instead of slipping through one by one.
 */
export const priceDropGuardPolicy: MerchantPolicy = {
  id: 'price-drop-guard',
  enabled: (integration) => (integration.policies?.priceDropGuard?.maxDropPercent ?? 0) > 0,
  apply(offer, { integration, previous, approvals, marketplaceName }) {
    const limit = integration.policies!.priceDropGuard!.maxDropPercent;
    const reference = previous?.sellingPrice;
    if (!previous || !reference || reference <= 0) return { offer };
    const proposed = offer.sellingPrice;
    const drop = ((reference - proposed) / reference) * 100;
    if (drop <= limit) return { offer };
    if (approvals['price-drop-guard'] === proposed) {
      return { offer, note: `price cut ${money(reference)} → ${money(proposed)} (−${drop.toFixed(1)} %) approved by a reviewer` };
    }
    return {
      offer: { ...offer, price: previous.price, listPrice: previous.listPrice, sellingPrice: previous.sellingPrice },
      warning: {
        policy: 'price-drop-guard',
        kind: 'price',
        message: `The price cut from ${money(reference)} to ${money(proposed)} (−${drop.toFixed(1)} %) exceeds the ${limit} % limit for ${marketplaceName}: ${marketplaceName} keeps ${money(reference)} until the cut is approved or the price in VTEX is corrected.`,
        details: { referencePrice: reference, proposed, dropPercent: Math.round(drop * 10) / 10, maxDropPercent: limit },
      },
      note: `price cut to ${money(proposed)} held for review (−${drop.toFixed(1)} % > ${limit} %)`,
    };
  },
};
