import { setTimeout as sleep } from 'node:timers/promises';
import type { FakeVtex, NotificationFlags } from '../../fakes/index.js';
import { WEBHOOK_TOKEN } from '../../support/stack.js';

/**
 * Sends notifications the way VTEX does: one POST per change, and anything not answered 2xx (an error
 * status, a refused connection while the process is down) is sent again later. It records the request id
 * of every notification the webhook acknowledged: those are the ones the connector promised not to lose.
 * The base URL can change between sends (a restarted process listens on a new port).
 */
export class VtexSender {
  /** Request ids the webhook answered 2xx with. */
  readonly acknowledged: string[] = [];
  /** Non-2xx statuses seen (status → count), and sends that got no answer at all. */
  readonly refused = new Map<number, number>();
  unanswered = 0;

  constructor(
    private readonly vtex: FakeVtex,
    /** `http://host:port` of the process to send to now. */
    public baseUrl: string,
  ) {}

  /**
   * Sends one notification per SKU id, `concurrency` at a time, each until it is acknowledged — VTEX's
   * retry, every `retryDelayMs` — or `deadlineMs` passes (then it throws).
   */
  async send(skuIds: number[], flags: Partial<NotificationFlags> = { HasStockKeepingUnitModified: true }, options: { concurrency?: number; retryDelayMs?: number; deadlineMs?: number } = {}): Promise<void> {
    const { concurrency = 16, retryDelayMs = 250, deadlineMs = 180_000 + 100 * skuIds.length } = options;
    const deadline = Date.now() + deadlineMs;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < skuIds.length) {
          const skuId = skuIds[next++]!;
          for (;;) {
            if (await this.sendOnce(skuId, flags)) break;
            if (Date.now() > deadline) throw new Error(`notification for SKU ${skuId} still not acknowledged after ${deadlineMs} ms (${JSON.stringify(Object.fromEntries(this.refused))}, ${this.unanswered} unanswered)`);
            // VTEX's retry after a failed delivery: a pause before sending again, not a test waiting for a condition.
            await sleep(retryDelayMs);
          }
        }
      }),
    );
  }

  /** Sends these exact bodies (replays, out-of-order deliveries), each until acknowledged, in the order given. */
  async sendPayloads(payloads: Record<string, unknown>[], options: { concurrency?: number; retryDelayMs?: number } = {}): Promise<void> {
    const { concurrency = 8, retryDelayMs = 250 } = options;
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < payloads.length) {
          const payload = payloads[next++]!;
          for (let attempt = 1; !(await this.post(payload)); attempt++) {
            if (attempt >= 100) throw new Error(`notification ${JSON.stringify(payload)} not acknowledged after ${attempt} attempts`);
            await sleep(retryDelayMs);
          }
        }
      }),
    );
  }

  /** One attempt; true when acknowledged. */
  sendOnce(skuId: number, flags: Partial<NotificationFlags>): Promise<boolean> {
    return this.post(this.vtex.notificationPayload(skuId, flags));
  }

  private async post(payload: Record<string, unknown>): Promise<boolean> {
    try {
      const res = await fetch(`${this.baseUrl}/api/notification?token=${WEBHOOK_TOKEN}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(10_000),
      });
      const body = (await res.json().catch(() => ({}))) as { requestId?: string };
      if (res.status >= 200 && res.status < 300 && body.requestId) {
        this.acknowledged.push(body.requestId);
        return true;
      }
      this.refused.set(res.status, (this.refused.get(res.status) ?? 0) + 1);
      return false;
    } catch {
      this.unanswered++;
      return false;
    }
  }
}
