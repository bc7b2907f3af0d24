/**
 * Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. When a call
 * fails, no further item is started, the calls in flight are waited for, and then the first error is thrown:
 * nothing keeps running behind the caller's back once it has been told of the failure. (A delivery batch whose
 * handler rejected while its other deliveries went on in the background had those SKUs retried by pg-boss
 * alongside them — a create sent twice.)
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failure) throw failure.error;
  return results;
}

/** Like mapLimit, but a rejection becomes `{ error }` for that item instead of failing the rest. */
export function settleLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>) {
  return mapLimit(items, limit, (item) =>
    fn(item).then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    ),
  );
}
