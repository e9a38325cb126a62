/** Limits of a {@link WriteBatcher}. */
export interface WriteBatcherOptions {
  /** Batches written at once; items arriving while this many run wait and join the next batch. */
  maxInFlight: number;
  /** Items in one batch at most. */
  maxBatchSize: number;
  /**
   * Whether an item of a failed batch may be the cause, so that each item is written again
   * on its own to find out; for any other failure every item of the batch fails with it.
   */
  mayBeCausedByItem: (error: unknown) => boolean;
}

interface Pending<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes items with one statement for all the items that arrive while earlier writes run:
 * group commit, done by the application. While fewer than `maxInFlight` batches run, an
 * item is written at once, alone, so an idle process adds no wait; under load the items
 * queue behind the running batches and go together, up to `maxBatchSize`, sharing one
 * statement, one transaction and one commit (its WAL flush) instead of one each.
 *
 * Each item's promise settles with its own outcome: the result the write gave for it. A batch is all or nothing (one
 * statement); when it fails with an error an item may cause (`mayBeCausedByItem`: a
 * constraint violated, a value out of range), each of its items is written again alone, so
 * one bad item fails only its own promise. Any other failure (the connection lost, the
 * database shutting down) fails every item of the batch with that error, as it would have
 * failed each of them alone.
 */
export class WriteBatcher<T, R = void> {
  private readonly queue: Pending<T, R>[] = [];
  private inFlight = 0;

  /**
   * @param write writes the items (one or more, in arrival order) atomically and gives one
   *   result per item, in their order; or throws and writes nothing
   */
  constructor(
    private readonly write: (items: readonly T[]) => Promise<readonly R[]>,
    private readonly options: WriteBatcherOptions,
  ) {}

  /**
   * Writes `item` alone or with the items queued beside it; resolves with its result once it
   * is committed.
   * @throws what its write threw: its own failure, or its batch's when not caused by an item
   */
  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatchSize);
      this.inFlight += 1;
      void this.run(batch).finally(() => {
        this.inFlight -= 1;
        this.drain();
      });
    }
  }

  private async run(batch: readonly Pending<T, R>[]): Promise<void> {
    try {
      const results = await this.write(batch.map(({ item }) => item));
      batch.forEach((pending, index) => pending.resolve(results[index]!));
    } catch (error: unknown) {
      if (batch.length === 1 || !this.options.mayBeCausedByItem(error)) {
        for (const pending of batch) pending.reject(error);
        return;
      }
      await Promise.all(batch.map((pending) => this.write([pending.item]).then(([result]) => pending.resolve(result!), pending.reject)));
    }
  }
}
