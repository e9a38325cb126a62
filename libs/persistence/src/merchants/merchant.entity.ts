import { Check, Column, Entity, PrimaryColumn } from 'typeorm';

/** Table `merchants`: a tenant, with its treasury and payment defaults. */
@Entity({ name: 'merchants' })
@Check('ck_merchants_tolerance_percent', 'tolerance_percent >= 0 AND tolerance_percent < 100')
@Check('ck_merchants_default_expires_in_seconds', 'default_expires_in_seconds > 0')
export class MerchantEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_merchants' })
  id!: string;

  @Column({ type: 'text' })
  name!: string;

  @Column({ name: 'treasury_address', type: 'text' })
  treasuryAddress!: string;

  /** Percentage as a decimal string, e.g. "0.50". */
  @Column({ name: 'tolerance_percent', type: 'numeric', precision: 5, scale: 2, default: 0 })
  tolerancePercent!: string;

  @Column({ name: 'default_expires_in_seconds', type: 'integer', default: 1800 })
  defaultExpiresInSeconds!: number;

  @Column({ name: 'allowed_origins', type: 'text', array: true, default: () => "'{}'" })
  allowedOrigins!: string[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
