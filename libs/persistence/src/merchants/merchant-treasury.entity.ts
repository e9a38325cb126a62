import { Check, Column, Entity, ForeignKey, PrimaryColumn } from 'typeorm';

import { MerchantEntity } from './merchant.entity';

/**
 * Table `merchant_treasuries`: the treasury a merchant uses on one chain; chains without a
 * row use the merchant's default `treasury_address`.
 */
@Entity({ name: 'merchant_treasuries' })
@Check('ck_merchant_treasuries_chain_id', 'chain_id > 0')
export class MerchantTreasuryEntity {
  @PrimaryColumn({ name: 'merchant_id', type: 'text', primaryKeyConstraintName: 'pk_merchant_treasuries' })
  @ForeignKey(() => MerchantEntity, { name: 'fk_merchant_treasuries_merchant', onDelete: 'CASCADE' })
  merchantId!: string;

  /** EIP-155 chain id. */
  @PrimaryColumn({ name: 'chain_id', type: 'integer', primaryKeyConstraintName: 'pk_merchant_treasuries' })
  chainId!: number;

  /** EIP-55 checksummed address. */
  @Column({ name: 'treasury_address', type: 'text' })
  treasuryAddress!: string;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
