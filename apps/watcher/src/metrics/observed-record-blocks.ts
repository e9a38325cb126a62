import { Inject, Injectable } from '@nestjs/common';

import { type BlockStep, RecordBlocks, type RecordedStep } from '../transfers/record-blocks.use-case';
import { WatcherMetrics } from './watcher-metrics';

/**
 * {@link RecordBlocks} that, once a step committed with new transfers or changed payments,
 * lets {@link WatcherMetrics} observe them. Provided in place of `RecordBlocks`, so the
 * stored step itself is untouched.
 */
@Injectable()
export class ObservedRecordBlocks extends RecordBlocks {
  @Inject(WatcherMetrics) private readonly observer!: WatcherMetrics;

  override async record(step: BlockStep): Promise<RecordedStep> {
    const recorded = await super.record(step);
    if (recorded.newTransfers > 0 || recorded.changedPayments > 0) this.observer.afterStep(step.chain.chainId, recorded.paidPaymentIds);
    return recorded;
  }
}
