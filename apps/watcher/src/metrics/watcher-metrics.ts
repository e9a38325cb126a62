import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { KassaMetrics } from '@kassa/observability';

import type { StepTimes } from '../transfers/record-blocks.use-case';

interface PaidPaymentRow {
  seconds: number | null;
}

/**
 * What the watcher observes after each stored step (docs/operations.md "Metrics"), from
 * the times the step wrote ({@link StepTimes}), so both ends of each interval come from the
 * same clocks as the stored rows (PostgreSQL's for a transfer's `created_at`, the watcher's
 * for `paid_at`):
 * - `kassa_transfer_record_delay_seconds`: a new transfer's `created_at` (the start of the
 *   step's transaction) minus its block's timestamp;
 * - `kassa_payment_time_to_paid_seconds`: for each payment a step made PAID, its `paid_at`
 *   minus the `created_at` of the first transfer recorded for it. When the step stored that
 *   first transfer, it knows both; otherwise the first `created_at` is read back, by payment
 *   id, in the background (at most one read per chain; a failed read is logged at debug
 *   level and its payments are read again after the next step).
 * Each process observes the steps it stored, each once.
 */
@Injectable()
export class WatcherMetrics {
  private readonly logger = new Logger(WatcherMetrics.name);
  private readonly pending = new Map<number, { paid: Set<string>; reading?: Promise<void>; again: boolean }>();

  constructor(
    private readonly metrics: KassaMetrics,
    private readonly dataSource: DataSource,
  ) {}

  /**
   * Observes what a committed step of `chainId` stored: call it after each step that stored
   * new transfers or changed payments. Observes at once what the step's times give; a read
   * back, when one is needed, runs in the background.
   * @param paidPaymentIds the payments the step made PAID
   */
  afterStep(chainId: number, times: StepTimes, paidPaymentIds: readonly string[]): void {
    const labels = { chain_id: String(chainId) };
    const { recordedAt, paidAt } = times;
    if (recordedAt !== null) {
      for (const blockTime of times.newTransferBlockTimes) this.metrics.transferRecordDelay.observe(labels, seconds(recordedAt, blockTime));
    }
    const firstHere = new Set(times.paidOnFirstTransfers);
    const unknown: string[] = [];
    for (const id of paidPaymentIds) {
      if (recordedAt !== null && firstHere.has(id)) this.metrics.timeToPaid.observe(labels, seconds(paidAt, recordedAt));
      else unknown.push(id);
    }
    if (unknown.length > 0) this.readBack(chainId, unknown);
  }

  /** Waits for the reads under way (tests, shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.pending.values()].map((state) => state.reading));
  }

  /** Queues payments whose first transfer an earlier step recorded; reads them unless a read runs (then after it). */
  private readBack(chainId: number, paymentIds: readonly string[]): void {
    let state = this.pending.get(chainId);
    if (!state) this.pending.set(chainId, (state = { paid: new Set(), again: false }));
    for (const id of paymentIds) state.paid.add(id);
    if (state.reading) {
      state.again = true;
      return;
    }
    const current = state;
    current.reading = this.read(chainId, current).finally(() => {
      current.reading = undefined;
      if (current.again) {
        current.again = false;
        this.readBack(chainId, []);
      }
    });
  }

  private async read(chainId: number, state: { paid: Set<string> }): Promise<void> {
    const paid = [...state.paid];
    state.paid.clear();
    if (paid.length === 0) return;
    try {
      const rows = await this.dataSource.query<PaidPaymentRow[]>(
        `SELECT extract(epoch FROM p.paid_at - (SELECT min(t.created_at) FROM transfers t WHERE t.payment_id = p.id AND t.log_index >= -1))::float8 AS seconds
           FROM payments p
          WHERE p.id = ANY ($1::text[]) AND p.paid_at IS NOT NULL`,
        [paid],
      );
      const labels = { chain_id: String(chainId) };
      for (const row of rows) if (row.seconds !== null) this.metrics.timeToPaid.observe(labels, Math.max(0, row.seconds));
    } catch (error) {
      for (const id of paid) state.paid.add(id);
      this.logger.debug(`Reading the step metrics of chain ${chainId} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** `later - earlier` in seconds, at least 0 (the two clocks may disagree by a little). */
function seconds(later: Date, earlier: Date): number {
  return Math.max(0, (later.getTime() - earlier.getTime()) / 1000);
}
