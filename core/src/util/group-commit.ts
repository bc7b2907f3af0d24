/**
 * Group commit for writes that callers await one by one: while a write is in flight, the items that
 * arrive wait, then go together in the next one (items added in the same event-loop turn join the
 * first). Each caller resolves only once the write holding its item has completed. When a shared
 * write fails, its items are written again one by one, so a bad item fails only its own caller.
 * Hand-rolled: a dozen lines, and the batching libraries (dataloader) batch per tick, not behind an
 * in-flight write.
 */
export class GroupCommit<T> {
  private queue: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];
  private running?: Promise<void>;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxItems = 500,
  ) {}

  add(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.running ??= this.drain();
    });
  }

  private async drain(): Promise<void> {
    await new Promise((r) => setImmediate(r));
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxItems);
      try {
        await this.write(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (error) {
        if (batch.length === 1) batch[0]!.reject(error);
        else {
          for (const b of batch) {
            try {
              await this.write([b.item]);
              b.resolve();
            } catch (own) {
              b.reject(own);
            }
          }
        }
      }
    }
    this.running = undefined;
  }
}
