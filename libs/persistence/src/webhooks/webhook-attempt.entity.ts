import { Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn } from 'typeorm';

import { WebhookDeliveryEntity } from './webhook-delivery.entity';

/** Table `webhook_attempts`: the log of every HTTP attempt of a delivery. */
@Entity({ name: 'webhook_attempts' })
@Index('ix_webhook_attempts_delivery_id', ['deliveryId'])
export class WebhookAttemptEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_webhook_attempts',
  })
  /** Internal row id; bigint as pg returns it, a decimal string. */
  id!: string;

  @Column({ name: 'delivery_id', type: 'text' })
  @ForeignKey(() => WebhookDeliveryEntity, { name: 'fk_webhook_attempts_delivery', onDelete: 'CASCADE' })
  deliveryId!: string;

  /** 1 for the first attempt of the delivery. */
  @Column({ name: 'attempt_number', type: 'integer' })
  attemptNumber!: number;

  @Column({ name: 'started_at', type: 'timestamptz' })
  startedAt!: Date;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  /** HTTP status, or null when no response arrived (timeout, connection error). */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  /** The start of the response body, at most 2 KiB. */
  @Column({ name: 'response_body', type: 'text', nullable: true })
  responseBody!: string | null;
}
