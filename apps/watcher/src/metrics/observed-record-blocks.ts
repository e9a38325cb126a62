import { Inject, Injectable } from '@nestjs/common';

import { type BlockStep, type FoundStep, RecordBlocks, type RecordedStep } from '../transfers/record-blocks.use-case';
import { WatcherMetrics } from './watcher-metrics';

/**
 * {@link RecordBlocks} that, once a step (or transfers found on a second read of stored
 * blocks) committed with new transfers or changed payments,
 * lets {@link WatcherMetrics} observe them. Provided in place of `RecordBlocks`, so the
 * stored step itself is untouched.
 */
@Injectable()
export class ObservedRecordBlocks extends RecordBlocks {
  @Inject(WatcherMetrics) private readonly observer!: WatcherMetrics;

  override async record(step: BlockStep): Promise<RecordedStep> {
    return this.observed(step.chain.chainId, await super.record(step));
  }

  override async recordFound(step: FoundStep): Promise<RecordedStep> {
    return this.observed(step.chain.chainId, await super.recordFound(step));
  }

  private observed(chainId: number, recorded: RecordedStep): RecordedStep {
    if (recorded.newTransfers > 0 || recorded.changedPayments > 0) this.observer.afterStep(chainId, recorded.times, recorded.paidPaymentIds);
    return recorded;
  }
}
