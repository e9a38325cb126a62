import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { KassaMetrics } from '@kassa/observability';

interface RecordedTransferRow {
  id: string;
  delay_seconds: number;
}

interface PaidPaymentRow {
  seconds: number | null;
}

/**
 * What the watcher observes after each stored step (docs/operations.md "Metrics"), read
 * back from the rows the step committed so both ends of each interval come from the same
 * clock (PostgreSQL's, except `paid_at`, written by the watcher):
 * - `kassa_transfer_record_delay_seconds`: a new transfer's `created_at` (the start of the
 *   step's transaction) minus its block's timestamp;
 * - `kassa_payment_time_to_paid_seconds`: for each payment a step made PAID, its `paid_at`
 *   minus the `created_at` of the first transfer recorded for it.
 * Only rows written since this process started are observed, each once (per chain: the
 * highest transfer id seen; the payments by id, so a busy chain's read never scans the
 * payments). Reads run in the background after the step; a failed read is logged at debug
 * level and its rows are observed after the next step.
 */
@Injectable()
export class WatcherMetrics implements OnApplicationBootstrap {
  private readonly logger = new Logger(WatcherMetrics.name);
  private startTransferId = 0n;
  private readonly seen = new Map<number, { transferId: bigint; paid: Set<string>; reading?: Promise<void>; again: boolean }>();

  constructor(
    private readonly metrics: KassaMetrics,
    private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const [row] = await this.dataSource.query<{ id: string | null }[]>('SELECT max(id) AS id FROM transfers');
    this.startTransferId = BigInt(row?.id ?? 0);
  }

  /**
   * Observes what a committed step of `chainId` recorded: call it after each step that
   * stored new transfers or changed payments, with the ids of the payments it made PAID.
   * Returns at once; the read runs in the background (at most one per chain, a call
   * meanwhile reads again after it).
   */
  afterStep(chainId: number, paidPaymentIds: readonly string[] = []): void {
    let state = this.seen.get(chainId);
    if (!state) this.seen.set(chainId, (state = { transferId: this.startTransferId, paid: new Set(), again: false }));
    for (const id of paidPaymentIds) state.paid.add(id);
    if (state.reading) {
      state.again = true;
      return;
    }
    const current = state;
    current.reading = this.read(chainId, current).finally(() => {
      current.reading = undefined;
      if (current.again) {
        current.again = false;
        this.afterStep(chainId);
      }
    });
  }

  /** Waits for the reads under way (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.seen.values()].map((state) => state.reading));
  }

  private async read(chainId: number, state: { transferId: bigint; paid: Set<string> }): Promise<void> {
    const labels = { chain_id: String(chainId) };
    const paidIds = [...state.paid];
    state.paid.clear();
    try {
      const transfers = await this.dataSource.query<RecordedTransferRow[]>(
        `SELECT id, greatest(0, extract(epoch FROM created_at - block_timestamp))::float8 AS delay_seconds
           FROM transfers
          WHERE chain_id = $1 AND id > $2 AND log_index >= -1
          ORDER BY id`,
        [chainId, state.transferId.toString()],
      );
      for (const row of transfers) {
        this.metrics.transferRecordDelay.observe(labels, row.delay_seconds);
        state.transferId = BigInt(row.id);
      }
      if (paidIds.length === 0) return;
      const paid = await this.dataSource.query<PaidPaymentRow[]>(
        `SELECT extract(epoch FROM p.paid_at - (SELECT min(t.created_at) FROM transfers t WHERE t.payment_id = p.id AND t.log_index >= -1))::float8 AS seconds
           FROM payments p
          WHERE p.id = ANY ($1::text[]) AND p.paid_at IS NOT NULL`,
        [paidIds],
      );
      for (const row of paid) if (row.seconds !== null) this.metrics.timeToPaid.observe(labels, Math.max(0, row.seconds));
    } catch (error) {
      for (const id of paidIds) state.paid.add(id);
      this.logger.debug(`Reading the step metrics of chain ${chainId} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
