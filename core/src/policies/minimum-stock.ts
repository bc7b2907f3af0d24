import type { MerchantPolicy } from './types.js';

/**
 * VTEX's "minimum stock control for integrations": at or below the integration's minimum the
 * marketplace is sent zero, so nothing more sells until stock rises, and the merchant gets an
 * inventory warning — cleared by the first evaluation above the minimum.
 */
export const minimumStockPolicy: MerchantPolicy = {
  id: 'minimum-stock',
  enabled: (integration) => integration.minimumStock > 0,
  apply(offer, { integration, vtexOffer, marketplaceName }) {
    const minimum = integration.minimumStock;
    if (vtexOffer.stock > minimum) return { offer };
    return {
      offer: { ...offer, stock: 0 },
      warning: {
        policy: 'minimum-stock',
        kind: 'inventory',
        message: `Stock ${vtexOffer.stock} is at or below the minimum of ${minimum} set for ${marketplaceName}: ${marketplaceName} is sent 0 until the stock rises above ${minimum}.`,
        details: { stock: vtexOffer.stock, minimum },
      },
      note: `stock ${vtexOffer.stock} ≤ minimum ${minimum}: 0 sent`,
    };
  },
};
