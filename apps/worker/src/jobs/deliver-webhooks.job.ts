import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { type DeliveryRunSummary, OutboxNotifications, type OutboxSubscription, WebhookDeliveryService } from '@kassa/webhooks';

/** Name of the interval in the scheduler registry; its period is `jobs.delivery.intervalMs`. */
export const DELIVER_WEBHOOKS_JOB = 'deliver-webhooks';

/**
 * Webhook delivery in the worker (DESIGN.md "Webhooks"). A claim round takes due deliveries
 * into the free send slots of {@link WebhookDeliveryService} and starts them; the sends go on
 * in the background, so a round never waits for a slow endpoint and the next round fills the
 * slots that fast endpoints freed. Rounds never overlap: a wake-up during a round runs one
 * more round right after it.
 *
 * Rounds are started by:
 * - the interval `jobs.delivery.intervalMs` (retries that come due, and a safety net);
 * - `NOTIFY kassa_events` from the outbox, via LISTEN, so a new event goes out right
 *   after its transaction commits rather than up to one interval later;
 * - the end of a round that filled every free slot (there may be more due).
 * `jobs.delivery.enabled=false` switches all of it off.
 */
@Injectable()
export class DeliverWebhooksJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DeliverWebhooksJob.name);
  private round: Promise<void> | null = null;
  private wakeAgain = false;
  private stopped = false;
  private subscription: OutboxSubscription | null = null;

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    private readonly delivery: WebhookDeliveryService,
    private readonly notifications: OutboxNotifications,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    const { enabled, intervalMs } = this.config.jobs.delivery;
    if (!enabled) {
      this.logger.log('Webhook delivery is switched off in this worker (jobs.delivery.enabled=false)');
      return;
    }
    this.scheduler.addInterval(DELIVER_WEBHOOKS_JOB, setInterval(() => this.wake(), intervalMs));
    try {
      this.subscription = this.notifications.subscribe(() => this.wake());
    } catch (error) {
      this.logger.warn(`Not listening for new events, polling every ${intervalMs} ms only: ${(error as Error).message}`);
    }
    this.wake();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.scheduler.doesExist('interval', DELIVER_WEBHOOKS_JOB)) this.scheduler.deleteInterval(DELIVER_WEBHOOKS_JOB);
    await this.subscription?.stop();
    await this.round;
    // Sends under way are awaited by WebhookDeliveryService before the application shuts down.
  }

  /** Asks for a claim round now: starts one, or one more right after the round under way. */
  wake(): void {
    if (this.stopped) return;
    if (this.round) {
      this.wakeAgain = true;
      return;
    }
    this.round = this.claimRound().finally(() => {
      this.round = null;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      }
    });
  }

  /**
   * One round outside the schedule, for tests and operators' tools: claims what is due at
   * `now` and resolves when every claimed delivery was sent and recorded.
   */
  runOnce(now: Date = new Date()): Promise<DeliveryRunSummary> {
    return this.delivery.deliverDue(now);
  }

  private async claimRound(): Promise<void> {
    try {
      const run = await this.delivery.startDue();
      if (run.claimed > 0 && run.claimed === run.requested) {
        // Every free slot was filled: more may be due. Look again when these sends are done.
        void run.finished.then(() => this.wake());
      }
    } catch (error) {
      this.logger.error(`Cannot claim webhook deliveries: ${(error as Error).message}`);
    }
  }
}
