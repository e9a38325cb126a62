import { Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';

import { MerchantEntity } from '../merchants/merchant.entity';

/** Table `api_keys`: a merchant's API keys, stored as SHA-256 hashes (the key is shown once). */
@Entity({ name: 'api_keys' })
@Unique('uq_api_keys_key_hash', ['keyHash'])
@Index('ix_api_keys_merchant_id_id', ['merchantId', 'id'])
export class ApiKeyEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_api_keys' })
  id!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  @ForeignKey(() => MerchantEntity, { name: 'fk_api_keys_merchant', onDelete: 'CASCADE' })
  merchantId!: string;

  /** The first characters of the key, shown in lists so a merchant can tell keys apart. */
  @Column({ type: 'text' })
  prefix!: string;

  /** The merchant's label for the key ("production server"). */
  @Column({ type: 'text', nullable: true })
  name!: string | null;

  /** SHA-256 of the full key, lowercase hex. */
  @Column({ name: 'key_hash', type: 'text' })
  keyHash!: string;

  @Column({ type: 'text', array: true, default: () => "'{read,write}'" })
  scopes!: string[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;
}
