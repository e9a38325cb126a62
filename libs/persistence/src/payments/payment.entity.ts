import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';

import type { PaymentException, PaymentStatus } from '@kassa/domain';

import { bigintTransformer } from '../database/transformers';
import { MerchantEntity } from '../merchants/merchant.entity';

/**
 * The coin columns a payment option and a payment share (a payment's are those of its
 * selected option): chain, token, amounts in base units (`NUMERIC(78,0)`), addresses and
 * confirmations.
 */
abstract class PaymentCoinColumns {
  @Column({ name: 'chain_id', type: 'integer' })
  chainId!: number;

  /** Token symbol, e.g. "USDC" or the native coin's symbol. */
  @Column({ type: 'text' })
  currency!: string;

  /** ERC-20 contract; null for the native coin. */
  @Column({ name: 'token_address', type: 'text', nullable: true })
  tokenAddress!: string | null;

  @Column({ name: 'token_decimals', type: 'smallint' })
  tokenDecimals!: number;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: bigintTransformer })
  amount!: bigint;

  @Column({ name: 'amount_minimum', type: 'numeric', precision: 78, scale: 0, transformer: bigintTransformer })
  amountMinimum!: bigint;

  @Column({ name: 'required_confirmations', type: 'integer' })
  requiredConfirmations!: number;

  @Column({ name: 'deposit_address', type: 'text' })
  depositAddress!: string;

  @Column({ name: 'treasury_address', type: 'text' })
  treasuryAddress!: string;

  @Column({ name: 'factory_address', type: 'text' })
  factoryAddress!: string;
}

/** Table `payments`; amounts in base units (`NUMERIC(78,0)`, bigint in TypeScript). */
@Entity({ name: 'payments' })
@Unique('uq_payments_deposit_address', ['depositAddress'])
@Check('ck_payments_status', "status IN ('CREATED', 'PENDING', 'PAID', 'TIMEOUT', 'CANCELED')")
@Check('ck_payments_exception', "exception IN ('UNDERPAID', 'OVERPAID', 'PAID_LATE', 'REORGED')")
@Check('ck_payments_amount', 'amount > 0')
@Check('ck_payments_amount_minimum', 'amount_minimum > 0 AND amount_minimum <= amount')
@Check('ck_payments_amount_received', 'amount_received >= 0')
@Check('ck_payments_token_decimals', 'token_decimals >= 0')
@Check('ck_payments_required_confirmations', 'required_confirmations >= 0')
@Check('ck_payments_price', '(price_amount IS NULL) = (price_currency IS NULL) AND (price_amount IS NULL OR price_amount > 0)')
@Check('ck_payments_finalized_at', "(status IN ('CREATED', 'PENDING')) = (finalized_at IS NULL)")
@Index('ix_payments_merchant_id_id', ['merchantId', 'id'])
@Index('ix_payments_merchant_id_order_id', ['merchantId', 'orderId'])
@Index('ix_payments_open_expires_at', ['expiresAt'], {
  where: "(status = ANY (ARRAY['CREATED'::text, 'PENDING'::text]))",
})
@Index('ix_payments_chain_id_status', ['chainId', 'status'])
@Index('ix_payments_finalized_at', ['finalizedAt'], { where: '(finalized_at IS NOT NULL)' })
export class PaymentEntity extends PaymentCoinColumns {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_payments' })
  id!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  @ForeignKey(() => MerchantEntity, { name: 'fk_payments_merchant' })
  merchantId!: string;

  @Column({ type: 'text' })
  status!: PaymentStatus;

  @Column({ type: 'text', nullable: true })
  exception!: PaymentException | null;

  @Column({
    name: 'amount_received',
    type: 'numeric',
    precision: 78,
    scale: 0,
    default: 0,
    transformer: bigintTransformer,
  })
  amountReceived!: bigint;

  @Column({ type: 'text' })
  salt!: string;

  @Column({ name: 'order_id', type: 'text', nullable: true })
  orderId!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  metadata!: Record<string, unknown>;

  @Column({ name: 'success_url', type: 'text', nullable: true })
  successUrl!: string | null;

  @Column({ name: 'cancel_url', type: 'text', nullable: true })
  cancelUrl!: string | null;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true })
  paidAt!: Date | null;

  @Column({ name: 'finalized_at', type: 'timestamptz', nullable: true })
  finalizedAt!: Date | null;

  /** The price the options were quoted from (decimal, pricing currency units); null for a fixed-coin payment. */
  @Column({ name: 'price_amount', type: 'numeric', nullable: true })
  priceAmount!: string | null;

  /** The pricing currency, e.g. "USD". */
  @Column({ name: 'price_currency', type: 'text', nullable: true })
  priceCurrency!: string | null;
}

/** Table `payment_options`: the ways to pay a payment (one per coin and chain), amounts in base units. */
@Entity({ name: 'payment_options' })
@Unique('uq_payment_options_position', ['paymentId', 'position'])
@Unique('uq_payment_options_coin', ['paymentId', 'chainId', 'currency'])
@Check('ck_payment_options_amount', 'amount > 0 AND amount_minimum > 0 AND amount_minimum <= amount')
@Check('ck_payment_options_rate_source', "rate_source IN ('peg', 'price_feed')")
@Check('ck_payment_options_rate', '(rate_source IS NULL) = (rate_value IS NULL) AND (rate_value IS NULL OR rate_value > 0)')
@Index('ix_payment_options_chain_id_deposit_address', ['chainId', 'depositAddress'])
export class PaymentOptionEntity extends PaymentCoinColumns {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_payment_options' })
  id!: string;

  @Column({ name: 'payment_id', type: 'text' })
  @ForeignKey(() => PaymentEntity, { name: 'fk_payment_options_payment', onDelete: 'CASCADE' })
  paymentId!: string;

  /** The merchant's order of the options, from 0. */
  @Column({ type: 'smallint' })
  position!: number;

  /** Pricing-currency units per whole coin; null for a fixed-coin payment. */
  @Column({ name: 'rate_value', type: 'numeric', nullable: true })
  rateValue!: string | null;

  @Column({ name: 'rate_pricing_currency', type: 'text', nullable: true })
  ratePricingCurrency!: string | null;

  @Column({ name: 'rate_source', type: 'text', nullable: true })
  rateSource!: 'peg' | 'price_feed' | null;

  @Column({ name: 'rate_feed_address', type: 'text', nullable: true })
  rateFeedAddress!: string | null;

  @Column({ name: 'rate_updated_at', type: 'timestamptz', nullable: true })
  rateUpdatedAt!: Date | null;
}
