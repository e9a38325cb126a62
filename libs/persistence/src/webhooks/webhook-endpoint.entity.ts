import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

import { MerchantEntity } from '../merchants/merchant.entity';

/** Table `webhook_endpoints`: where a merchant's events are delivered, with the signing secret. */
@Entity({ name: 'webhook_endpoints' })
@Index('ix_webhook_endpoints_merchant_id_id', ['merchantId', 'id'])
export class WebhookEndpointEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_webhook_endpoints' })
  id!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  @ForeignKey(() => MerchantEntity, { name: 'fk_webhook_endpoints_merchant', onDelete: 'CASCADE' })
  merchantId!: string;

  @Column({ type: 'text' })
  url!: string;

  /** Standard Webhooks secret, `whsec_<base64>`. */
  @Column({ type: 'text' })
  secret!: string;

  /** The secret before the last rotation, still signing until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_secret', type: 'text', nullable: true })
  previousSecret!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  /** Event types delivered to this endpoint; empty means all. */
  @Column({ name: 'enabled_events', type: 'text', array: true, default: () => "'{}'" })
  enabledEvents!: string[];

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
