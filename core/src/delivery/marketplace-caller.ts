import { inject, injectable } from 'tsyringe';
import type { StoreConfig } from '../config/types.js';
import { TOKENS } from '../di/tokens.js';
import { ConnectorError, Errors, isConnectorError } from '../errors/errors.js';
import type { Logger } from '../logging/logger.js';
import type { MarketplaceHandlers } from '../plugin-api/index.js';
import type { PluginHost } from '../plugins/plugin-host.js';
import type { Clock } from '../util/clock.js';
import type { Breakers } from './breakers.js';
import type { Contingency } from './contingency.js';
import type { DeliveryGate } from './gate.js';
import type { IntegrationLimitsService } from './integration-limits.js';
import type { RateBudget } from './rate-budget.js';

/** 429s waited out in a row within one call; past that the job is deferred (not failed). */
const MAX_RATE_LIMIT_WAITS = 20;
/** A refresh this recent is reused by the other calls that were refused with the old token. */
const REFRESH_REUSE_MS = 5_000;

export type Failure = 'rejected' | 'technical' | 'auth' | 'deferred';

/** How the core treats an error from a plugin call. Anything untyped counts as the marketplace being unavailable. */
export function classify(error: unknown, marketplace: string): { kind: Failure | 'rate-limited'; error: ConnectorError } {
  const e = isConnectorError(error) ? error : Errors.marketplaceUnavailable(marketplace, (error as Error)?.message ?? String(error));
  switch (e.code) {
    case Errors.marketplaceRejected.code:
    // A plugin reaching for a host its manifest does not declare fails the same way every time.
    case Errors.pluginHostNotAllowed.code:
      return { kind: 'rejected', error: e };
    case Errors.marketplaceAuth.code:
      return { kind: 'auth', error: e };
    case Errors.marketplaceRateLimited.code:
      return { kind: 'rate-limited', error: e };
    case Errors.deliveryDeferred.code:
      return { kind: 'deferred', error: e };
    default:
      return { kind: 'technical', error: e };
  }
}

export interface CallOptions {
  /** The breaker's probe or the credentials probe: goes although the gate is closed. */
  probe?: boolean;
  signal?: AbortSignal;
  /**
   * Runs once, before the call waits for its budget (e.g. writing an intent): nothing but the call
   * itself may stand between the budget's slot and the request, or requests bunch up on the wire.
   */
  before?: () => Promise<void>;
  /** Rather than wait longer than this for the budget's slot, defer the call (CONNECTOR_ERR_DELIVERY_DEFERRED with `details.budget`). */
  maxWaitMs?: number;
}

/**
 * The one way the core calls a plugin handler that reaches the marketplace. Per call: the gate must
 * be open (breaker closed, integration not paused); a token of the operation's global budget is
 * taken (retries included — nothing bypasses the budget); then the outcome is acted on:
 * - 429 → the budget honours Retry-After and slows down, and the call goes again (not a failure);
 * - 401/403 → the plugin's `refreshAuth` once, the call again; still refused → the integration pauses;
 * - 5xx/timeout → counts towards the breaker, the error goes to the caller (pg-boss retries the job);
 * - success, or a 4xx rejection (the marketplace is up) → the breaker's failure count resets.
 */
@injectable()
export class MarketplaceCaller {
  private readonly refreshes = new Map<string, { at: number; pending?: Promise<boolean> }>();

  // Typed by what the caller uses, so the test host (core/src/testing) runs this very caller in-process.
  constructor(
    @inject(TOKENS.PluginHost) private readonly plugins: Pick<PluginHost, 'handlers'>,
    @inject(TOKENS.RateBudget) private readonly budget: Pick<RateBudget, 'take' | 'penalize'>,
    @inject(TOKENS.Breakers) private readonly breakers: Pick<Breakers, 'failure' | 'success'>,
    @inject(TOKENS.Contingency) private readonly contingency: Pick<Contingency, 'pause'>,
    @inject(TOKENS.DeliveryGate) private readonly gate: Pick<DeliveryGate, 'isOpen' | 'state' | 'retryAt' | 'noteBreaker' | 'notePaused'>,
    @inject(TOKENS.IntegrationLimits) private readonly limits: Pick<IntegrationLimitsService, 'bucketFor'>,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly log: Logger,
  ) {}

  async call<T>(store: StoreConfig, marketplace: string, operation: string, fn: (handlers: MarketplaceHandlers) => Promise<T>, options: CallOptions = {}): Promise<T> {
    const account = store.account;
    const bucket = this.limits.bucketFor(account, marketplace, operation);
    let authRetried = false;
    this.checkGate(account, marketplace, options);
    const handlers = await this.plugins.handlers(store, marketplace);
    await options.before?.();
    for (let rateWaits = 0; ; ) {
      this.checkGate(account, marketplace, options);
      if (bucket) await this.budget.take({ store: account, marketplace, operation: bucket }, options.signal, options.maxWaitMs);
      this.checkGate(account, marketplace, options);
      try {
        const value = await fn(handlers);
        // A probe's success is acted on by the prober once the probe's results are recorded.
        if (!options.probe) await this.succeeded(account, marketplace);
        return value;
      } catch (error) {
        const { kind, error: e } = classify(error, marketplace);
        if (kind === 'rate-limited') {
          const retryAfterMs = (e.details as { retryAfterMs?: number } | undefined)?.retryAfterMs ?? 1000;
          if (bucket) await this.budget.penalize({ store: account, marketplace, operation: bucket }, retryAfterMs);
          else await this.clock.sleep(retryAfterMs, options.signal);
          if (++rateWaits > MAX_RATE_LIMIT_WAITS) {
            throw Errors.deliveryDeferred(marketplace, `answered 429 ${rateWaits} times in a row`, this.clock.now() + retryAfterMs);
          }
          continue;
        }
        if (kind === 'auth') {
          if (!options.probe) await this.succeeded(account, marketplace); // it answered: it is up
          if (!authRetried && (await this.refreshAuth(store, marketplace, handlers))) {
            authRetried = true;
            continue;
          }
          await this.contingency.pause(account, marketplace, e.message);
          this.gate.notePaused(account, marketplace, true);
          throw e;
        }
        if (kind === 'technical') {
          this.gate.noteBreaker(await this.breakers.failure(account, marketplace, e.message, options.probe));
        } else if (kind === 'rejected' && !options.probe) {
          await this.succeeded(account, marketplace);
        }
        throw e;
      }
    }
  }

  private checkGate(store: string, marketplace: string, options: CallOptions) {
    if (options.probe || this.gate.isOpen(store, marketplace)) return;
    const s = this.gate.state(store, marketplace);
    const reason = s.paused ? 'integration paused: credentials refused' : `circuit breaker ${s.breaker}`;
    throw Errors.deliveryDeferred(marketplace, reason, this.gate.retryAt(store, marketplace, this.clock.now()));
  }

  private async succeeded(store: string, marketplace: string) {
    // Only write when there is something to reset: most calls succeed with a closed breaker.
    const s = this.gate.state(store, marketplace);
    if (s.consecutiveFailures > 0 || s.breaker !== 'closed') this.gate.noteBreaker(await this.breakers.success(store, marketplace));
  }

  /**
   * The plugin's refresh, once for all the calls refused at the same time (single flight per
   * integration in this process). Returns whether the call is worth trying again.
   */
  async refreshAuth(store: StoreConfig, marketplace: string, handlers: MarketplaceHandlers): Promise<boolean> {
    if (!handlers.refreshAuth) return false;
    const k = `${store.account}\0${marketplace}`;
    const last = this.refreshes.get(k);
    if (last?.pending) return last.pending;
    if (last && this.clock.now() - last.at < REFRESH_REUSE_MS) return true;
    const bucket = this.limits.bucketFor(store.account, marketplace, 'refreshAuth');
    const pending = (async () => {
      try {
        if (bucket) await this.budget.take({ store: store.account, marketplace, operation: bucket });
        await handlers.refreshAuth!();
        this.log.info({ store: store.account, marketplace }, 'marketplace credentials refreshed');
        return true;
      } catch (error) {
        this.log.warn({ store: store.account, marketplace, err: { code: (error as ConnectorError)?.code, message: (error as Error)?.message } }, 'credentials refresh failed');
        return false;
      }
    })();
    this.refreshes.set(k, { at: this.clock.now(), pending });
    const ok = await pending;
    this.refreshes.set(k, { at: ok ? this.clock.now() : 0 });
    return ok;
  }
}
