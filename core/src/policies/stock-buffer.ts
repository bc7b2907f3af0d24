import type { MerchantPolicy } from './types.js';

/**
 * A per-marketplace safety buffer: that many units are held back from the marketplace (stock − N,
 * never below 0), so simultaneous sales on several channels do not oversell. When the buffer
 * swallows all the stock the merchant gets an inventory warning.
 */
export const stockBufferPolicy: MerchantPolicy = {
  id: 'stock-buffer',
  enabled: (integration) => (integration.policies?.stockBuffer ?? 0) > 0,
  apply(offer, { integration, marketplaceName }) {
    const buffer = integration.policies!.stockBuffer!;
    if (offer.stock <= 0) return { offer };
    const stock = Math.max(0, offer.stock - buffer);
    return {
      offer: { ...offer, stock },
      note: `stock buffer ${buffer}: ${stock} of ${offer.stock} sent`,
      ...(stock === 0
        ? {
            warning: {
              policy: 'stock-buffer',
              kind: 'inventory' as const,
              message: `The buffer of ${buffer} units held for ${marketplaceName} takes all ${offer.stock} in stock: ${marketplaceName} is sent 0.`,
              details: { stock: offer.stock, buffer },
            },
          }
        : {}),
    };
  },
};
