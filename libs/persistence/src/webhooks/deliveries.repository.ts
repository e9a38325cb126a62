import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { asMerchantId, type EventPayload, type EventType, type MerchantId } from '@kassa/domain';

import { selectOne, selectRows } from '../database/sql';

export const DELIVERY_STATUSES = ['pending', 'delivering', 'delivered', 'failed'] as const;
/**
 * `pending`: waiting for `next_attempt_at`; `delivering`: claimed by a worker until its
 * lease (`next_attempt_at`) expires; `delivered`: a 2xx was received; `failed`: retries
 * exhausted, left for manual redelivery.
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** A delivery claimed by a worker, with everything needed to send and sign it. */
export interface ClaimedDelivery {
  deliveryId: string;
  eventId: string;
  endpointId: string;
  merchantId: MerchantId;
  /** Attempts made before this one. */
  attemptCount: number;
  /** Attempts made before the current retry window (a manual redelivery starts a new one). */
  attemptsBeforeWindow: number;
  /** The claim is this worker's until then; pass it back to {@link DeliveriesRepository.recordAttempt}. */
  leaseExpiresAt: Date;
  createdAt: Date;
  /** Retries go on until `maxAge` after this: the event's time, or the last manual redelivery's. */
  retryWindowStartedAt: Date;
  eventType: EventType;
  /** The webhook body to send (JSON). */
  payload: EventPayload;
  url: string;
  /** Secrets to sign with: the current one, then the previous one while it is still valid. */
  secrets: string[];
}

/** What {@link DeliveriesRepository.claimDue} claims. */
export interface ClaimRequest {
  /** At most this many deliveries (the worker's free send slots). */
  limit: number;
  /** Deliveries due at or before this time are claimed. */
  now: Date;
  /** How long the claim is the worker's, milliseconds: longer than the HTTP timeout plus the time to record the outcome. */
  leaseMs: number;
  /** At most this many deliveries of one endpoint in flight (under a lease), counting those claimed before. */
  perEndpoint: number;
}

/** What an attempt leads to. */
export type AttemptOutcome =
  | { status: 'delivered' }
  /** Retry at `nextAttemptAt`. */
  | { status: 'pending'; nextAttemptAt: Date }
  /** Give up; the delivery waits for a manual redelivery. */
  | { status: 'failed' };

export interface AttemptReport {
  deliveryId: string;
  /** From the claim: the outcome applies only while this worker still holds the claim. */
  leaseExpiresAt: Date;
  startedAt: Date;
  durationMs: number;
  /** HTTP status, or null when no response arrived. */
  statusCode: number | null;
  error: string | null;
  /** Stored truncated to {@link MAX_RESPONSE_BODY_BYTES}. */
  responseBody: string | null;
  outcome: AttemptOutcome;
}

export interface RecordedAttempt {
  /** 1 for the first attempt of the delivery; null when the delivery no longer exists. */
  attemptNumber: number | null;
  /** False when the claim had expired and another worker took the delivery over (the attempt is still logged). */
  applied: boolean;
}

/** A delivery as shown to the merchant (`GET /v1/events/:id`). */
export interface Delivery {
  id: string;
  eventId: string;
  endpointId: string;
  url: string;
  status: DeliveryStatus;
  attemptCount: number;
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
  createdAt: Date;
}

/** A delivery with its event's type and payment, and its attempts in order. */
export interface DeliveryWithAttempts extends Delivery {
  eventType: string;
  paymentId: string | null;
  attempts: DeliveryAttempt[];
}

export interface DeliveryAttempt {
  attemptNumber: number;
  startedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

/** How much of a response body is kept per attempt. */
export const MAX_RESPONSE_BODY_BYTES = 2048;

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character; drops NUL, which PostgreSQL text refuses. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text.replaceAll(String.fromCharCode(0), ''), 'utf8');
  if (bytes.length <= maxBytes) return bytes.toString('utf8');
  let end = maxBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end -= 1; // continuation byte: back to the character's start
  return bytes.subarray(0, end).toString('utf8');
}

interface ClaimedRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  attempt_count: number;
  attempts_before_window: number;
  next_attempt_at: Date;
  created_at: Date;
  retry_window_started_at: Date;
  merchant_id: string;
  type: EventType;
  payload: EventPayload;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
}

interface AttemptRow {
  attempt_number: number;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
}

function toAttempt(row: AttemptRow): DeliveryAttempt {
  return {
    attemptNumber: row.attempt_number,
    startedAt: row.started_at,
    durationMs: row.duration_ms,
    statusCode: row.status_code,
    error: row.error,
    responseBody: row.response_body,
  };
}

interface DeliveryRow {
  id: string;
  event_id: string;
  endpoint_id: string;
  url: string;
  status: DeliveryStatus;
  attempt_count: number;
  next_attempt_at: Date;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
}

function toDelivery(row: DeliveryRow): Delivery {
  return {
    id: row.id,
    eventId: row.event_id,
    endpointId: row.endpoint_id,
    url: row.url,
    status: row.status,
    attemptCount: row.attempt_count,
    nextAttemptAt: row.next_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    deliveredAt: row.delivered_at,
    createdAt: row.created_at,
  };
}

/** The webhook delivery queue (`webhook_deliveries`) and its attempt log (`webhook_attempts`). */
@Injectable()
export class DeliveriesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims up to `limit` due deliveries, oldest due first: pending ones whose
   * `next_attempt_at <= now`, and claimed ones whose lease expired (their worker died).
   * Concurrent claimers never get the same delivery (`FOR UPDATE SKIP LOCKED`). A claim
   * sets status `delivering` and `next_attempt_at = now + leaseMs`, the lease.
   * Deliveries to disabled endpoints stay queued until the endpoint is enabled again.
   *
   * No endpoint gets more than `perEndpoint` sends in flight: its deliveries still under a
   * lease count against it, and a claim takes at most the rest, so a dead endpoint with a
   * large backlog holds at most `perEndpoint` send slots and every other endpoint's due
   * deliveries are claimed in the same round (DESIGN.md "Webhooks": a slow or dead endpoint
   * never delays another endpoint's deliveries). The in-flight count is read when the claim
   * starts: claimers racing at the same instant can each take the rest.
   */
  async claimDue(request: ClaimRequest, manager: EntityManager = this.dataSource.manager): Promise<ClaimedDelivery[]> {
    const { limit, now, leaseMs, perEndpoint } = request;
    const leaseExpiresAt = new Date(now.getTime() + leaseMs);
    const rows = await selectRows<ClaimedRow>(
      manager,
      `WITH in_flight AS (
         SELECT endpoint_id, count(*)::int AS sending
         FROM webhook_deliveries
         WHERE status = 'delivering' AND next_attempt_at > $2
         GROUP BY endpoint_id
       ),
       candidates AS (
         SELECT due.id, due.next_attempt_at
         FROM webhook_endpoints AS endpoint
         LEFT JOIN in_flight ON in_flight.endpoint_id = endpoint.id
         CROSS JOIN LATERAL (
           SELECT d.id, d.next_attempt_at
           FROM webhook_deliveries AS d
           WHERE d.endpoint_id = endpoint.id AND d.status IN ('pending', 'delivering') AND d.next_attempt_at <= $2
           ORDER BY d.next_attempt_at
           LIMIT LEAST($1, GREATEST(0, $4 - COALESCE(in_flight.sending, 0)))
           FOR UPDATE SKIP LOCKED
         ) AS due
         WHERE endpoint.enabled
       ),
       chosen AS (
         SELECT id FROM candidates ORDER BY next_attempt_at, id LIMIT $1
       ),
       claimed AS (
         -- A redelivery asked during an earlier send whose lease ran out is this very send.
         UPDATE webhook_deliveries AS d SET status = 'delivering', next_attempt_at = $3, updated_at = $2, redeliver_requested_at = NULL
         FROM chosen WHERE d.id = chosen.id
         RETURNING d.id, d.event_id, d.endpoint_id, d.attempt_count, d.next_attempt_at, d.created_at,
                   d.retry_window_started_at, d.attempts_before_window
       )
       SELECT claimed.*, event.merchant_id, event.type, event.payload,
              endpoint.url, endpoint.secret, endpoint.previous_secret, endpoint.previous_secret_expires_at
       FROM claimed
       JOIN events AS event ON event.id = claimed.event_id
       JOIN webhook_endpoints AS endpoint ON endpoint.id = claimed.endpoint_id
       ORDER BY claimed.created_at, claimed.id`,
      [limit, now, leaseExpiresAt, perEndpoint],
    );
    return rows.map((row) => ({
      deliveryId: row.id,
      eventId: row.event_id,
      endpointId: row.endpoint_id,
      merchantId: asMerchantId(row.merchant_id),
      attemptCount: row.attempt_count,
      attemptsBeforeWindow: row.attempts_before_window,
      leaseExpiresAt: row.next_attempt_at,
      createdAt: row.created_at,
      retryWindowStartedAt: row.retry_window_started_at,
      eventType: row.type,
      payload: row.payload,
      url: row.url,
      secrets:
        row.previous_secret !== null && row.previous_secret_expires_at !== null && row.previous_secret_expires_at > now
          ? [row.secret, row.previous_secret]
          : [row.secret],
    }));
  }

  /**
   * Logs an attempt and moves the delivery to its outcome (delivered; pending until
   * `nextAttemptAt`; failed), in one statement. The outcome applies only while the claim
   * is still this worker's (status `delivering` with the same lease); otherwise only the
   * attempt is logged.
   */
  async recordAttempt(report: AttemptReport, manager: EntityManager = this.dataSource.manager): Promise<RecordedAttempt> {
    const finishedAt = new Date(report.startedAt.getTime() + report.durationMs);
    const nextAttemptAt = report.outcome.status === 'pending' ? report.outcome.nextAttemptAt : null;
    const row = await selectOne<{ attempt_number: number; applied: boolean }>(
      manager,
      `WITH updated AS (
         UPDATE webhook_deliveries
         SET attempt_count = attempt_count + 1,
             -- A redelivery asked during this send queues the delivery again, with a retry window from the request.
             status = CASE WHEN redeliver_requested_at IS NULL THEN $3 ELSE 'pending' END,
             next_attempt_at = CASE WHEN redeliver_requested_at IS NULL THEN COALESCE($4, next_attempt_at) ELSE redeliver_requested_at END,
             retry_window_started_at = COALESCE(redeliver_requested_at, retry_window_started_at),
             attempts_before_window = CASE WHEN redeliver_requested_at IS NULL THEN attempts_before_window ELSE attempt_count + 1 END,
             redeliver_requested_at = NULL,
             last_attempt_at = $5,
             delivered_at = CASE WHEN $3 = 'delivered' THEN $6 ELSE delivered_at END,
             updated_at = now()
         WHERE id = $1 AND status = 'delivering' AND next_attempt_at = $2
         RETURNING attempt_count
       )
       INSERT INTO webhook_attempts (delivery_id, attempt_number, started_at, duration_ms, status_code, error, response_body)
       SELECT $1, COALESCE((SELECT attempt_count FROM updated), d.attempt_count + 1), $5, $7, $8, $9, $10
       FROM webhook_deliveries AS d WHERE d.id = $1
       RETURNING attempt_number, EXISTS (SELECT 1 FROM updated) AS applied`,
      [
        report.deliveryId,
        report.leaseExpiresAt,
        report.outcome.status,
        nextAttemptAt,
        report.startedAt,
        finishedAt,
        Math.round(report.durationMs),
        report.statusCode,
        report.error === null ? null : truncateUtf8(report.error, MAX_RESPONSE_BODY_BYTES),
        report.responseBody === null ? null : truncateUtf8(report.responseBody, MAX_RESPONSE_BODY_BYTES),
      ],
    );
    return row ? { attemptNumber: row.attempt_number, applied: row.applied } : { attemptNumber: null, applied: false };
  }

  /** The deliveries of the merchant's event, with their endpoint URLs. */
  async listByEvent(merchantId: MerchantId, eventId: string): Promise<Delivery[]> {
    const rows = await selectRows<DeliveryRow>(
      this.dataSource.manager,
      `SELECT d.id, d.event_id, d.endpoint_id, endpoint.url, d.status, d.attempt_count, d.next_attempt_at,
              d.last_attempt_at, d.delivered_at, d.created_at
       FROM webhook_deliveries AS d
       JOIN events AS event ON event.id = d.event_id
       JOIN webhook_endpoints AS endpoint ON endpoint.id = d.endpoint_id
       WHERE event.merchant_id = $1 AND d.event_id = $2
       ORDER BY d.created_at, d.id`,
      [merchantId, eventId],
    );
    return rows.map(toDelivery);
  }

  /**
   * Deliveries with their event's type and payment and every attempt, in two queries: those of
   * one payment's events (oldest first), or the latest `limit` to one endpoint (newest first).
   * The dashboard's payment page and an endpoint's delivery log.
   */
  async listWithAttempts(merchantId: MerchantId, scope: { paymentId: string } | { endpointId: string; limit: number }): Promise<DeliveryWithAttempts[]> {
    const byPayment = 'paymentId' in scope;
    const rows = await selectRows<DeliveryRow & { event_type: string; payment_id: string | null }>(
      this.dataSource.manager,
      `SELECT d.id, d.event_id, d.endpoint_id, endpoint.url, d.status, d.attempt_count, d.next_attempt_at,
              d.last_attempt_at, d.delivered_at, d.created_at, event.type AS event_type, event.payment_id
       FROM webhook_deliveries AS d
       JOIN events AS event ON event.id = d.event_id
       JOIN webhook_endpoints AS endpoint ON endpoint.id = d.endpoint_id
       WHERE event.merchant_id = $1 AND ${byPayment ? 'event.payment_id = $2' : 'd.endpoint_id = $2'}
       ORDER BY ${byPayment ? 'd.event_id, d.created_at, d.id' : 'd.created_at DESC, d.id DESC'} LIMIT $3`,
      [merchantId, byPayment ? scope.paymentId : scope.endpointId, byPayment ? null : scope.limit],
    );
    const attempts = await this.attemptsOf(merchantId, 'a.delivery_id', rows.map((row) => row.id));
    return rows.map((row) => ({ ...toDelivery(row), eventType: row.event_type, paymentId: row.payment_id, attempts: attempts.get(row.id) ?? [] }));
  }

  /** The attempts of one of the merchant's deliveries, first attempt first. */
  async listAttempts(merchantId: MerchantId, deliveryId: string): Promise<DeliveryAttempt[]> {
    return (await this.attemptsOf(merchantId, 'a.delivery_id', [deliveryId])).get(deliveryId) ?? [];
  }

  /** The attempts of every delivery of the merchant's event, by delivery id, first attempt first. */
  async listAttemptsByEvent(merchantId: MerchantId, eventId: string): Promise<Map<string, DeliveryAttempt[]>> {
    return this.attemptsOf(merchantId, 'd.event_id', [eventId]);
  }

  /** The merchant's attempts whose `column` (a delivery's or its event's id) is `id`, by delivery id, in order. */
  private async attemptsOf(merchantId: MerchantId, column: 'a.delivery_id' | 'd.event_id', ids: readonly string[]): Promise<Map<string, DeliveryAttempt[]>> {
    const rows = await selectRows<AttemptRow & { delivery_id: string }>(
      this.dataSource.manager,
      `SELECT a.delivery_id, a.attempt_number, a.started_at, a.duration_ms, a.status_code, a.error, a.response_body
       FROM webhook_attempts AS a
       JOIN webhook_deliveries AS d ON d.id = a.delivery_id
       JOIN events AS event ON event.id = d.event_id
       WHERE event.merchant_id = $1 AND ${column} = ANY($2::text[])
       ORDER BY a.id`,
      [merchantId, ids],
    );
    const byDelivery = new Map<string, DeliveryAttempt[]>();
    for (const row of rows) {
      const list = byDelivery.get(row.delivery_id) ?? [];
      list.push(toAttempt(row));
      byDelivery.set(row.delivery_id, list);
    }
    return byDelivery;
  }

  /**
   * Queues the merchant's event again, due at `now`: for `endpointId` only when given (an
   * enabled endpoint of the merchant, subscribed to the type or not, so a new endpoint can
   * be back-filled), else for every enabled endpoint now subscribed to its type. Existing
   * deliveries (delivered or failed included) go back to pending, endpoints without one get
   * a new delivery; one being sent right now is queued again when that send ends (never
   * sent twice at once). Each queued delivery starts a
   * new retry window at `now` (full backoff schedule, `maxAge` from now); attempt numbers
   * continue, so the attempt log keeps its history.
   *
   * @returns the deliveries queued (none also when the event is not the merchant's)
   */
  async redeliverEvent(
    merchantId: MerchantId,
    eventId: string,
    now: Date,
    options: { endpointId?: string } = {},
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ deliveryId: string; endpointId: string }[]> {
    const rows = await selectRows<{ id: string; endpoint_id: string }>(
      manager,
      `WITH target AS (
         SELECT event.id AS event_id, endpoint.id AS endpoint_id
         FROM events AS event
         JOIN webhook_endpoints AS endpoint ON endpoint.merchant_id = event.merchant_id
         WHERE event.merchant_id = $1 AND event.id = $2 AND endpoint.enabled
           AND CASE WHEN $4::text IS NULL
                    THEN cardinality(endpoint.enabled_events) = 0 OR event.type = ANY (endpoint.enabled_events)
                    ELSE endpoint.id = $4::text END
       ),
       -- Being sent right now: queued again when that send ends (recordAttempt).
       in_flight AS (
         UPDATE webhook_deliveries AS d SET redeliver_requested_at = $3, updated_at = $3
         FROM target WHERE d.event_id = target.event_id AND d.endpoint_id = target.endpoint_id AND d.status = 'delivering'
         RETURNING d.id, d.endpoint_id
       ),
       queued AS (
         INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at, retry_window_started_at)
         SELECT kassa_new_id('dlv'), target.event_id, target.endpoint_id, 'pending', $3, $3, $3, $3
         FROM target
         -- One statement never touches a row twice: the ones in flight are the other branch's.
         WHERE NOT EXISTS (
           SELECT 1 FROM webhook_deliveries AS d
           WHERE d.event_id = target.event_id AND d.endpoint_id = target.endpoint_id AND d.status = 'delivering'
         )
         ON CONFLICT ON CONSTRAINT uq_webhook_deliveries_event_endpoint DO UPDATE
           SET status = 'pending', next_attempt_at = EXCLUDED.next_attempt_at, updated_at = EXCLUDED.updated_at,
               retry_window_started_at = EXCLUDED.retry_window_started_at,
               attempts_before_window = webhook_deliveries.attempt_count
           WHERE webhook_deliveries.status <> 'delivering'
         RETURNING id, endpoint_id
       )
       SELECT id, endpoint_id FROM queued UNION ALL SELECT id, endpoint_id FROM in_flight`,
      [merchantId, eventId, now, options.endpointId ?? null],
    );
    return rows.map((row) => ({ deliveryId: row.id, endpointId: row.endpoint_id }));
  }

  /** Deliveries waiting (`pending`) and in flight (`delivering`), for the queue-depth metric. */
  async queueDepth(): Promise<{ pending: number; delivering: number }> {
    const rows = await selectRows<{ status: DeliveryStatus; count: string }>(
      this.dataSource.manager,
      `SELECT status, count(*) AS count FROM webhook_deliveries WHERE status IN ('pending', 'delivering') GROUP BY status`,
    );
    const count = (status: DeliveryStatus): number => Number(rows.find((row) => row.status === status)?.count ?? 0);
    return { pending: count('pending'), delivering: count('delivering') };
  }
}
