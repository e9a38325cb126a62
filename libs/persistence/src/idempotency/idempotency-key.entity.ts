import { Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

import { MerchantEntity } from '../merchants/merchant.entity';

/** Table `idempotency_keys`: the first response to a request made with an `Idempotency-Key`. */
@Entity({ name: 'idempotency_keys' })
@Index('ix_idempotency_keys_created_at', ['createdAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'merchant_id', type: 'text', primaryKeyConstraintName: 'pk_idempotency_keys' })
  @ForeignKey(() => MerchantEntity, { name: 'fk_idempotency_keys_merchant', onDelete: 'CASCADE' })
  merchantId!: string;

  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_idempotency_keys' })
  key!: string;

  /** Hash of the request (method, path, body) the key was first used with. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @Column({ name: 'response_status', type: 'integer' })
  responseStatus!: number;

  @Column({ name: 'response_body', type: 'jsonb' })
  responseBody!: unknown;

  @Column({ name: 'resource_id', type: 'text', nullable: true })
  resourceId!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
