import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

import type { EventPayload, EventType } from '@kassa/domain';

import { MerchantEntity } from '../merchants/merchant.entity';
import { PaymentEntity } from '../payments/payment.entity';

/** Table `events`: the transactional outbox; `payload` is the full webhook body. */
@Entity({ name: 'events' })
@Index('ix_events_merchant_id_id', ['merchantId', 'id'])
@Index('ix_events_payment_id', ['paymentId'])
export class EventEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_events' })
  id!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  @ForeignKey(() => MerchantEntity, { name: 'fk_events_merchant' })
  merchantId!: string;

  @Column({ type: 'text' })
  type!: EventType;

  @Column({ name: 'payment_id', type: 'text', nullable: true })
  @ForeignKey(() => PaymentEntity, { name: 'fk_events_payment' })
  paymentId!: string | null;

  @Column({ type: 'jsonb' })
  payload!: EventPayload;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
