import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';

import { EventEntity } from '../events/event.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';

export const DELIVERY_STATUSES = ['pending', 'delivering', 'delivered', 'failed'] as const;
/**
 * `pending`: waiting for `next_attempt_at`; `delivering`: claimed by a worker until its
 * lease (`next_attempt_at`) expires; `delivered`: a 2xx was received; `failed`: retries
 * exhausted, left for manual redelivery.
 */
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Table `webhook_deliveries`: one event to one endpoint, retried until delivered or failed. */
@Entity({ name: 'webhook_deliveries' })
@Unique('uq_webhook_deliveries_event_endpoint', ['eventId', 'endpointId'])
@Check('ck_webhook_deliveries_status', "status IN ('pending', 'delivering', 'delivered', 'failed')")
@Check('ck_webhook_deliveries_attempt_count', 'attempt_count >= 0')
@Index('ix_webhook_deliveries_due', ['nextAttemptAt'], {
  where: "(status = ANY (ARRAY['pending'::text, 'delivering'::text]))",
})
@Index('ix_webhook_deliveries_endpoint_id', ['endpointId'])
@Index('ix_webhook_deliveries_endpoint_queue', ['endpointId', 'nextAttemptAt'], {
  where: "(status = ANY (ARRAY['pending'::text, 'delivering'::text]))",
})
@Index('ix_webhook_deliveries_in_flight', ['endpointId'], { where: "(status = 'delivering'::text)" })
@Index('ix_webhook_deliveries_failed_updated_at', ['updatedAt'], { where: "(status = 'failed'::text)" })
@Check('ck_webhook_deliveries_attempts_before_window', 'attempts_before_window >= 0 AND attempts_before_window <= attempt_count')
export class WebhookDeliveryEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_webhook_deliveries' })
  id!: string;

  @Column({ name: 'event_id', type: 'text' })
  @ForeignKey(() => EventEntity, { name: 'fk_webhook_deliveries_event', onDelete: 'CASCADE' })
  eventId!: string;

  @Column({ name: 'endpoint_id', type: 'text' })
  @ForeignKey(() => WebhookEndpointEntity, { name: 'fk_webhook_deliveries_endpoint', onDelete: 'CASCADE' })
  endpointId!: string;

  @Column({ type: 'text', default: 'pending' })
  status!: DeliveryStatus;

  @Column({ name: 'attempt_count', type: 'integer', default: 0 })
  attemptCount!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz' })
  nextAttemptAt!: Date;

  @Column({ name: 'last_attempt_at', type: 'timestamptz', nullable: true })
  lastAttemptAt!: Date | null;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  /** Retries stop `webhooks.maxAgeSeconds` after this: the event's time, or the last manual redelivery's. */
  @Column({ name: 'retry_window_started_at', type: 'timestamptz' })
  retryWindowStartedAt!: Date;

  /** Attempts made before the current retry window; the backoff counts only the ones after. */
  @Column({ name: 'attempts_before_window', type: 'integer', default: 0 })
  attemptsBeforeWindow!: number;

  /** A manual redelivery asked while this delivery was being sent: applied when the send ends. */
  @Column({ name: 'redeliver_requested_at', type: 'timestamptz', nullable: true })
  redeliverRequestedAt!: Date | null;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
