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
    const { maxDropPercent: limit, checkListPrice } = integration.policies!.priceDropGuard!;
    if (!previous) return { offer };
    // The selling price always; the list ("from") price too where the marketplace refuses deep cuts of it (Casas Bahia).
    const cuts = (checkListPrice ? (['sellingPrice', 'listPrice'] as const) : (['sellingPrice'] as const)).flatMap((field) => {
      const reference = previous[field];
      if (!reference || reference <= 0) return [];
      const drop = ((reference - offer[field]) / reference) * 100;
      return drop > limit ? [{ field, reference, proposedValue: offer[field], drop }] : [];
    });
    if (!cuts.length) return { offer };
    const [cut] = cuts;
    const { reference, proposedValue, drop, field } = cut!;
    // A reviewer approves the selling price they saw: that price (and a list-price cut with it) goes through.
    const proposed = offer.sellingPrice;
    const what = field === 'listPrice' ? 'list price' : 'price';
    if (approvals['price-drop-guard'] === proposed) {
      return { offer, note: `${what} cut ${money(reference)} → ${money(proposedValue)} (−${drop.toFixed(1)} %) approved by a reviewer` };
    }
    return {
      offer: { ...offer, price: previous.price, listPrice: previous.listPrice, sellingPrice: previous.sellingPrice },
      warning: {
        policy: 'price-drop-guard',
        kind: 'price',
        message: `The ${what} cut from ${money(reference)} to ${money(proposedValue)} (−${drop.toFixed(1)} %) exceeds the ${limit} % limit for ${marketplaceName}: ${marketplaceName} keeps ${money(reference)} until the cut is approved or the price in VTEX is corrected.`,
        details: { referencePrice: previous.sellingPrice, proposed, dropPercent: Math.round(drop * 10) / 10, maxDropPercent: limit, ...(field === 'listPrice' ? { field, referenceListPrice: reference, proposedListPrice: proposedValue } : {}) },
      },
      note: `${what} cut to ${money(proposedValue)} held for review (−${drop.toFixed(1)} % > ${limit} %)`,
    };
  },
};
