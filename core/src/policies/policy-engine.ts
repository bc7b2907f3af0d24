import { injectable } from 'tsyringe';
import { minimumStockPolicy } from './minimum-stock.js';
import { priceDropGuardPolicy } from './price-drop-guard.js';
import { stockBufferPolicy } from './stock-buffer.js';
import type { MerchantPolicy, PolicyContext, PolicyOutcome, PolicyWarning } from './types.js';

/**
 * Runs the merchant policies an integration turned on, in order, over the SKU's offer. Minimum stock
 * judges VTEX's own figure (as VTEX's control does), the buffer then holds units back, and the price
 * guard looks at price only.
 */
@injectable()
export class PolicyEngine {
  private readonly policies: MerchantPolicy[] = [minimumStockPolicy, stockBufferPolicy, priceDropGuardPolicy];

  /** Adds a policy after the built-in ones. */
  register(policy: MerchantPolicy): void {
    if (this.policies.some((p) => p.id === policy.id)) throw new Error(`a policy "${policy.id}" is already registered`);
    this.policies.push(policy);
  }

  ids(): string[] {
    return this.policies.map((p) => p.id);
  }

  apply(context: PolicyContext): PolicyOutcome {
    let offer = { ...context.vtexOffer };
    const warnings: PolicyWarning[] = [];
    const notes: string[] = [];
    for (const policy of this.policies) {
      if (!policy.enabled(context.integration)) continue;
      const step = policy.apply(offer, context);
      offer = step.offer;
      if (step.warning) warnings.push(step.warning);
      if (step.note) notes.push(step.note);
    }
    return { offer, warnings, notes };
  }
}
