import { type BeforeApplicationShutdown, Inject, Injectable, Logger, Optional } from '@nestjs/common';

import { KassaMetrics } from '@kassa/observability';
import { type AttemptOutcome, type ClaimedDelivery, DeliveriesRepository } from '@kassa/persistence';

import { signWebhook } from '../signing/webhook-signature';
import { DEFAULT_RETRY_POLICY, nextRetry, type RandomSource, type RetryPolicy } from './retry-schedule';
import { type AttemptResult, WebhookSender } from './webhook.sender';

/** Injection token of the {@link WebhookDeliveryOptions}. */
export const WEBHOOK_DELIVERY_OPTIONS = Symbol('WEBHOOK_DELIVERY_OPTIONS');

export interface WebhookDeliveryOptions {
  /** Deliveries sent at once by this process; a hanging endpoint holds one until its timeout. */
  concurrency: number;
  /** Deliveries to one endpoint sent at once (`webhooks.endpointConcurrency`), so a dead endpoint never holds every slot. */
  perEndpointConcurrency: number;
  /** `webhooks.timeoutMs`: the longest a send takes. */
  timeoutMs: number;
  retryPolicy: RetryPolicy;
  /** Jitter source of the retry schedule; `Math.random` except in tests. */
  random: RandomSource;
}

/** Sends at once per worker process unless configured otherwise. */
export const DEFAULT_DELIVERY_CONCURRENCY = 32;

/**
 * How long a claim stays this worker's beyond the HTTP timeout: the time to sign, connect
 * and record the outcome. A worker that dies mid-send loses its claims after the lease, and
 * another worker sends those deliveries again (delivery is at least once).
 */
const LEASE_MARGIN_MS = 30_000;

/** What one claim round did, counted when all of its sends were recorded. */
export interface DeliveryRunSummary {
  claimed: number;
  delivered: number;
  /** Failed attempts that will be tried again. */
  retried: number;
  /** Failed attempts after which the delivery was given up (maximum age reached). */
  failed: number;
  /** Attempts whose outcome could not be recorded (database error, or the claim had been taken over). */
  unrecorded: number;
}

/** A claim round whose sends are under way. */
export interface StartedDeliveryRun {
  /** Free send slots when the round started: the most it could claim. */
  requested: number;
  claimed: number;
  /** Resolves once every claimed delivery was sent and its attempt recorded; never rejects. */
  finished: Promise<DeliveryRunSummary>;
}

type Tally = Exclude<keyof DeliveryRunSummary, 'claimed'>;

/**
 * Sends due webhook deliveries (DESIGN.md "Webhooks"): claims them from the queue (two
 * workers never hold the same delivery), signs each attempt per Standard Webhooks, POSTs
 * it, logs the attempt and schedules the next one with backoff, or marks the delivery failed
 * after the maximum age.
 *
 * Sends run concurrently, at most `concurrency` per process. A round claims only as many
 * deliveries as there are free slots, so a claimed delivery is sent at once (never queued
 * behind another endpoint), and a slow or dead endpoint holds one slot per delivery until
 * the timeout while the other slots keep going.
 */
@Injectable()
export class WebhookDeliveryService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  /** Slots held by sends under way and by claim rounds waiting for the database. */
  private reserved = 0;
  private readonly sending = new Set<Promise<unknown>>();

  constructor(
    private readonly deliveries: DeliveriesRepository,
    private readonly sender: WebhookSender,
    @Inject(WEBHOOK_DELIVERY_OPTIONS) private readonly options: WebhookDeliveryOptions,
    @Optional() private readonly metrics?: KassaMetrics,
  ) {}

  /** Sends that have not finished yet. */
  get inFlight(): number {
    return this.sending.size;
  }

  /**
   * Claims the deliveries due at `now` (as many as there are free slots), sends them
   * concurrently and resolves when every attempt is recorded.
   *
   * @param now the time of this round: claims, signatures and retry decisions read it, moved
   *   forward by the real time elapsed since the call (a test passes a time days ahead to
   *   see the maximum age reached; production passes nothing)
   */
  async deliverDue(now: Date = new Date()): Promise<DeliveryRunSummary> {
    const run = await this.startDue(now);
    return run.finished;
  }

  /**
   * Like {@link deliverDue} but resolves as soon as the claimed sends have started, so a
   * scheduler can claim again (into slots freed meanwhile) without waiting for slow endpoints.
   * @throws the database error when claiming fails (nothing was claimed then)
   */
  async startDue(now: Date = new Date()): Promise<StartedDeliveryRun> {
    const offsetMs = now.getTime() - Date.now();
    const clock = () => new Date(Date.now() + offsetMs);
    const requested = Math.max(0, this.options.concurrency - this.reserved);
    if (requested === 0) return { requested, claimed: 0, finished: Promise.resolve(emptySummary()) };

    this.reserved += requested;
    let claimed: ClaimedDelivery[] = [];
    try {
      claimed = await this.deliveries.claimDue({
        limit: requested,
        now,
        leaseMs: this.options.timeoutMs + LEASE_MARGIN_MS,
        perEndpoint: this.options.perEndpointConcurrency,
      });
    } finally {
      this.reserved -= requested - claimed.length;
    }

    const summary = { ...emptySummary(), claimed: claimed.length };
    const sends = claimed.map((delivery) => {
      const send = this.attempt(delivery, clock)
        .catch((error: unknown): Tally => {
          this.logger.error(`delivery ${delivery.deliveryId}: unexpected failure (${String(error)})`);
          return 'unrecorded';
        })
        .then((tally) => {
          summary[tally] += 1;
          this.metrics?.webhookDeliveries.inc({ outcome: tally });
        })
        .finally(() => {
          this.reserved -= 1;
          this.sending.delete(send);
        });
      this.sending.add(send);
      return send;
    });
    return { requested, claimed: claimed.length, finished: Promise.all(sends).then(() => summary) };
  }

  /** Waits for the sends under way, so a stopping worker records what it sent. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.sending]);
  }

  /** Sends one claimed delivery and records the attempt; never rejects. */
  private async attempt(delivery: ClaimedDelivery, clock: () => Date): Promise<Tally> {
    const startedAt = clock();
    const result = await this.send(delivery, startedAt);
    this.metrics?.webhookDeliveryDuration.observe(result.durationMs / 1000);
    const outcome: AttemptOutcome = result.ok
      ? { status: 'delivered' }
      : this.afterFailure(delivery, new Date(startedAt.getTime() + result.durationMs));

    const context = `delivery ${delivery.deliveryId} of event ${delivery.eventId} to endpoint ${delivery.endpointId}`;
    try {
      const recorded = await this.deliveries.recordAttempt({
        deliveryId: delivery.deliveryId,
        leaseExpiresAt: delivery.leaseExpiresAt,
        startedAt,
        durationMs: result.durationMs,
        statusCode: result.statusCode,
        error: result.error,
        responseBody: result.responseBody,
        outcome,
      });
      if (!recorded.applied) {
        this.logger.warn(`${context}: attempt logged, but the claim had expired and another worker took the delivery over`);
        return 'unrecorded';
      }
    } catch (error) {
      // The claim expires and another round sends the delivery again: at least once.
      this.logger.error(`${context}: cannot record the attempt (${(error as Error).message})`);
      return 'unrecorded';
    }

    const what = result.statusCode === null ? result.error : `HTTP ${result.statusCode}${result.error ? ` (${result.error})` : ''}`;
    switch (outcome.status) {
      case 'delivered':
        this.logger.debug(`${context}: delivered in ${result.durationMs} ms`);
        return 'delivered';
      case 'pending':
        this.logger.warn(`${context}: attempt ${delivery.attemptCount + 1} failed, ${what}; next at ${outcome.nextAttemptAt.toISOString()}`);
        return 'retried';
      case 'failed':
        this.logger.warn(`${context}: attempt ${delivery.attemptCount + 1} failed, ${what}; maximum age reached, delivery failed`);
        return 'failed';
    }
  }

  private async send(delivery: ClaimedDelivery, startedAt: Date): Promise<AttemptResult> {
    try {
      // Serialised once per attempt: these bytes are both signed and sent.
      const body = JSON.stringify(delivery.payload);
      const headers = signWebhook({ id: delivery.eventId, timestamp: startedAt, body }, delivery.secrets);
      return await this.sender.send({ url: delivery.url, body, headers });
    } catch (error) {
      // Only a corrupt stored secret gets here; the attempt is logged and retried like any failure.
      return { ok: false, statusCode: null, durationMs: 0, error: `cannot sign: ${(error as Error).message}`, responseBody: null };
    }
  }

  private afterFailure(delivery: ClaimedDelivery, finishedAt: Date): AttemptOutcome {
    // A manual redelivery restarts both the window and the backoff (see DeliveriesRepository.redeliverEvent).
    const decision = nextRetry(
      { attempts: delivery.attemptCount + 1 - delivery.attemptsBeforeWindow, windowStartedAt: delivery.retryWindowStartedAt, now: finishedAt },
      this.options.retryPolicy,
      this.options.random,
    );
    return decision.outcome === 'retry' ? { status: 'pending', nextAttemptAt: decision.nextAttemptAt } : { status: 'failed' };
  }
}

function emptySummary(): DeliveryRunSummary {
  return { claimed: 0, delivered: 0, retried: 0, failed: 0, unrecorded: 0 };
}

/** Delivery settings from `webhooks.*` configuration, with the default concurrency and backoff. */
export function deliveryOptionsFrom(webhooks: { timeoutMs: number; maxAgeSeconds: number; endpointConcurrency: number }): WebhookDeliveryOptions {
  return {
    concurrency: DEFAULT_DELIVERY_CONCURRENCY,
    perEndpointConcurrency: Math.min(webhooks.endpointConcurrency, DEFAULT_DELIVERY_CONCURRENCY),
    timeoutMs: webhooks.timeoutMs,
    retryPolicy: { ...DEFAULT_RETRY_POLICY, maxAgeMs: webhooks.maxAgeSeconds * 1000 },
    random: Math.random,
  };
}
