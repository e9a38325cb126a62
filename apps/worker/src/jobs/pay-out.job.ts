import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { SettlementTransactionsRepository } from '@kassa/persistence';

import { FollowMerchantRefunds } from '../payouts/follow-merchant-refunds';
import { PayoutLanes } from '../payouts/payout-lanes';
import { ReconcilePayout } from '../payouts/reconcile-payout';
import { type PayoutSendResult, SendPayout } from '../payouts/send-payout';
import { type LaneRun, runLane, type SettlementLane } from '../settlement/settlement-lanes';

/** Name of the interval in the scheduler registry; its period is `jobs.payouts.intervalMs`. */
export const PAY_OUT_JOB = 'pay-out';

/** What one run did on one payout lane (the payout wallet on one chain). */
export type PayoutLaneRunResult = LaneRun<PayoutSendResult>;

/**
 * Money going out (docs/refunds.md): every `jobs.payouts.intervalMs`, for each payout lane
 * under its advisory lock, follow the in-flight payout transaction ({@link ReconcilePayout})
 * and, once the lane is free, send the oldest pending payout ({@link SendPayout}); then follow
 * the refunds paid from merchants' wallets ({@link FollowMerchantRefunds}). One lane's
 * failure never stops another. `jobs.payouts.enabled=false` switches it off in this worker.
 */
@Injectable()
export class PayOutJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PayOutJob.name);
  private running: Promise<PayoutLaneRunResult[]> | null = null;

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly dataSource: DataSource,
    private readonly lanes: PayoutLanes,
    private readonly transactions: SettlementTransactionsRepository,
    private readonly send: SendPayout,
    private readonly reconcile: ReconcilePayout,
    private readonly merchantRefunds: FollowMerchantRefunds,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const { enabled, intervalMs } = this.config.jobs.payouts;
    if (!enabled) {
      this.logger.log('Payouts are switched off in this worker (jobs.payouts.enabled=false)');
      return;
    }
    for (const lane of this.lanes.all) this.logger.log(`Paying out on chain ${lane.chain.chainId} from ${lane.gasPayer}`);
    const timer = setInterval(() => {
      if (this.running) return;
      void this.runOnce();
    }, intervalMs);
    this.scheduler.addInterval(PAY_OUT_JOB, timer);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', PAY_OUT_JOB)) this.scheduler.deleteInterval(PAY_OUT_JOB);
    await this.running?.catch(() => undefined);
  }

  /** Runs every lane and the merchant-refund follower once now (never two runs at once in this process). */
  runOnce(now: Date = new Date()): Promise<PayoutLaneRunResult[]> {
    if (!this.running) {
      this.running = (async () => {
        const results = await Promise.all(this.lanes.all.map((lane) => this.runLane(lane, now)));
        await this.merchantRefunds.run(now).catch((error: unknown) => {
          this.logger.error(`Following refunds paid from merchants' wallets failed: ${(error as Error).message}`, (error as Error).stack);
        });
        return results;
      })().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private runLane(lane: SettlementLane, now: Date): Promise<PayoutLaneRunResult> {
    return runLane(
      this.dataSource,
      this.transactions,
      lane,
      { reconcile: (tx) => this.reconcile.run(lane, tx, now), send: () => this.send.next(lane, now) },
      this.logger,
      'Payouts',
    );
  }
}
