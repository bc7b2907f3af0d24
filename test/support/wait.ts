/**
 * Polls `probe` until it returns a truthy value, or fails with `describe()` after `timeoutMs`.
 * This waits for a condition, not for time: tests never sleep a fixed amount to synchronise.
 */
export async function waitFor<T>(probe: () => Promise<T> | T, options: { timeoutMs?: number; intervalMs?: number; describe?: () => string | Promise<string> } = {}): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 100 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms${options.describe ? `: ${await options.describe()}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
