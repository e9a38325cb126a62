import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { DataSource } from 'typeorm';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { SettlementTransactionsRepository } from '@kassa/persistence';

import { PlanSettlements } from '../settlement/plan-settlements';
import { ReconcileSettlement } from '../settlement/reconcile-settlement';
import { type SendResult, SendSettlement } from '../settlement/send-settlement';
import { type LaneRun, runLane, type SettlementLane, SettlementLanes } from '../settlement/settlement-lanes';

/** Name of the interval in the scheduler registry; its period is `jobs.settlement.intervalMs`. */
export const SETTLE_PAYMENTS_JOB = 'settle-payments';

/** What one run did on one settlement lane (a chain and its gas payer). */
export type LaneRunResult = LaneRun<SendResult>;

/**
 * Settlement (issue 7, docs/settlement.md): moves paid funds from deposit addresses to their
 * treasuries by calling `DepositFactory.flush`/`flushMany` from the configured gas payer.
 * Every `jobs.settlement.intervalMs`, for each lane (chain with a gas payer key), under the
 * lane's advisory lock (another worker skips the lane): follow the in-flight transaction
 * ({@link ReconcileSettlement}); once the lane is free, send the next batch
 * ({@link PlanSettlements}, {@link SendSettlement}). One lane's failure never stops another,
 * and nothing here runs in the watcher or delivery paths, so settlement never delays payment
 * detection or webhooks. `jobs.settlement.enabled=false` switches it off in this worker.
 */
@Injectable()
export class SettlePaymentsJob implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SettlePaymentsJob.name);
  private running: Promise<LaneRunResult[]> | null = null;

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly dataSource: DataSource,
    private readonly lanes: SettlementLanes,
    private readonly transactions: SettlementTransactionsRepository,
    private readonly plan: PlanSettlements,
    private readonly send: SendSettlement,
    private readonly reconcile: ReconcileSettlement,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const { enabled, intervalMs } = this.config.jobs.settlement;
    if (!enabled) {
      this.logger.log('Settlement is switched off in this worker (jobs.settlement.enabled=false)');
      return;
    }
    if (this.lanes.all.length === 0) return;
    for (const lane of this.lanes.all) this.logger.log(`Settling on chain ${lane.chain.chainId} with gas payer ${lane.gasPayer}`);
    const timer = setInterval(() => {
      if (this.running) return;
      void this.runOnce();
    }, intervalMs);
    this.scheduler.addInterval(SETTLE_PAYMENTS_JOB, timer);
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', SETTLE_PAYMENTS_JOB)) this.scheduler.deleteInterval(SETTLE_PAYMENTS_JOB);
    await this.running?.catch(() => undefined);
  }

  /** Runs every lane once now (never two runs at once in this process); resolves with what each lane did. */
  runOnce(now: Date = new Date()): Promise<LaneRunResult[]> {
    if (!this.running) {
      this.running = Promise.all(this.lanes.all.map((lane) => this.runLane(lane, now))).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private runLane(lane: SettlementLane, now: Date): Promise<LaneRunResult> {
    return runLane(
      this.dataSource,
      this.transactions,
      lane,
      {
        reconcile: (tx) => this.reconcile.run(lane, tx, now),
        send: async () => {
          const plan = await this.plan.next(lane, now);
          return plan ? this.send.send(lane, plan, now) : null;
        },
      },
      this.logger,
      'Settlement',
    );
  }
}
