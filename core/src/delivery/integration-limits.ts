import { inject, injectable } from 'tsyringe';
import { TOKENS } from '../di/tokens.js';
import { Errors } from '../errors/errors.js';
import type { MarketplaceCapabilities } from '../plugins/manifest.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import type { StoreRegistry } from '../stores/store-registry.js';
import { bucketFor, capabilitiesOf, effectiveLimits, operationKey, type Bucket, type EffectiveLimits } from './limits.js';
import type { RateBudget } from './rate-budget.js';

export interface IntegrationLimits {
  store: string;
  marketplace: string;
  plugin: string;
  limits: EffectiveLimits;
  /** The token buckets as enforced (after the jitter guard), per bucket name. */
  buckets: Record<string, Bucket>;
  capabilities: MarketplaceCapabilities;
}

/** The limits and capabilities the core enforces per integration: the manifest's, with the config's overrides. */
@injectable()
export class IntegrationLimitsService {
  private readonly cache = new Map<string, IntegrationLimits>();

  constructor(
    @inject(TOKENS.PluginHost) private readonly plugins: Pick<PluginHost, 'manifest'>,
    @inject(TOKENS.StoreRegistry) private readonly stores: Pick<StoreRegistry, 'integration' | 'get' | 'list'>,
    @inject(TOKENS.RateBudget) private readonly budget: Pick<RateBudget, 'ensure'>,
  ) {}

  /** Effective limits of `store` × `marketplace` (what the admin API and `connector plugin list` show). */
  get(store: string, marketplace: string): IntegrationLimits {
    const key = `${store}\0${marketplace}`;
    let found = this.cache.get(key);
    if (!found) this.cache.set(key, (found = this.compute(store, marketplace)));
    return found;
  }

  private compute(store: string, marketplace: string): IntegrationLimits {
    const integration = this.stores.integration(store, marketplace);
    if (!integration) {
      const known = this.stores.get(store)?.integrations.map((i) => i.marketplace).join(', ');
      throw Errors.invalidArgument('marketplace', `store "${store}" has no integration "${marketplace}"${known === undefined ? ' (unknown store)' : ` (configured: ${known || 'none'})`}`);
    }
    const manifest = this.plugins.manifest(marketplace);
    const limits = effectiveLimits(manifest.contributes.marketplace.limits, integration.limits);
    const buckets = Object.fromEntries(Object.entries(limits.rate).map(([op, limit]) => [op, bucketFor(limit)]));
    return { store, marketplace, plugin: `${manifest.name}@${manifest.version}`, limits, buckets, capabilities: capabilitiesOf(manifest) };
  }

  /** Every configured integration's limits. */
  all(): IntegrationLimits[] {
    return this.stores.list().flatMap((s) => s.integrations.map((i) => this.get(s.account, i.marketplace)));
  }

  /** Writes the buckets of an integration (rate and burst follow the config; saved tokens are kept). */
  async ensureBuckets(store: string, marketplace: string): Promise<void> {
    for (const [operation, bucket] of Object.entries(this.get(store, marketplace).buckets)) {
      await this.budget.ensure({ store, marketplace, operation }, bucket);
    }
  }

  /** The bucket `operation` draws on, if it is rate limited. */
  bucketFor(store: string, marketplace: string, operation: string): string | undefined {
    return operationKey(this.get(store, marketplace).limits, operation);
  }
}
