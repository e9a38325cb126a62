import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';

import type { SettlementMode, SettlementStatus } from '@kassa/domain';

import { bigintTransformer } from '../database/transformers';
import { MerchantEntity } from '../merchants/merchant.entity';
import { PaymentEntity } from '../payments/payment.entity';

/** Statuses of a settlement transaction: `pending` until mined and confirmed (or given up). */
export const SETTLEMENT_TRANSACTION_STATUSES = ['pending', 'confirmed', 'reverted', 'dropped'] as const;
export type SettlementTransactionStatus = (typeof SETTLEMENT_TRANSACTION_STATUSES)[number];

/** Table `settlement_policies`: when a merchant's deposit addresses are flushed (no row: immediately). */
@Entity({ name: 'settlement_policies' })
@Check('ck_settlement_policies_mode', "mode IN ('immediate', 'threshold', 'schedule', 'off')")
@Check('ck_settlement_policies_interval_seconds', 'interval_seconds > 0')
@Check('ck_settlement_policies_max_wait_seconds', 'max_wait_seconds > 0')
export class SettlementPolicyEntity {
  @PrimaryColumn({ name: 'merchant_id', type: 'text', primaryKeyConstraintName: 'pk_settlement_policies' })
  @ForeignKey(() => MerchantEntity, { name: 'fk_settlement_policies_merchant', onDelete: 'CASCADE' })
  merchantId!: string;

  @Column({ type: 'text' })
  mode!: SettlementMode;

  /** Currency symbol -> decimal threshold in token units. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  thresholds!: Record<string, string>;

  @Column({ name: 'interval_seconds', type: 'integer', nullable: true })
  intervalSeconds!: number | null;

  @Column({ name: 'max_wait_seconds', type: 'integer', nullable: true })
  maxWaitSeconds!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}

/**
 * Table `settlement_transactions`: a flush transaction signed by a gas payer, stored before it
 * is broadcast. `tx_hashes` holds every hash signed for its nonce (fee replacements).
 */
@Entity({ name: 'settlement_transactions' })
@Unique('uq_settlement_transactions_sender_nonce', ['chainId', 'fromAddress', 'nonce'])
@Check('ck_settlement_transactions_status', "status IN ('pending', 'confirmed', 'reverted', 'dropped')")
@Check('ck_settlement_transactions_nonce', 'nonce >= 0')
@Check(
  'ck_settlement_transactions_fees',
  '(gas_price IS NULL) = (max_fee_per_gas IS NOT NULL AND max_priority_fee_per_gas IS NOT NULL)',
)
@Check('ck_settlement_transactions_finished_at', "(status = 'pending') = (finished_at IS NULL)")
@Index('uq_settlement_transactions_in_flight', ['chainId', 'fromAddress'], { unique: true, where: "(status = 'pending'::text)" })
@Index('ix_settlement_transactions_created_at', ['createdAt'])
export class SettlementTransactionEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_settlement_transactions' })
  id!: string;

  @Column({ name: 'chain_id', type: 'integer' })
  chainId!: number;

  /** The gas payer. */
  @Column({ name: 'from_address', type: 'text' })
  fromAddress!: string;

  /** The DepositFactory called. */
  @Column({ name: 'to_address', type: 'text' })
  toAddress!: string;

  @Column({ type: 'bigint', transformer: bigintTransformer })
  nonce!: bigint;

  @Column({ type: 'text' })
  status!: SettlementTransactionStatus;

  /** The latest signed hash. */
  @Column({ name: 'tx_hash', type: 'text' })
  txHash!: string;

  @Column({ name: 'tx_hashes', type: 'text', array: true })
  txHashes!: string[];

  /** The latest signed transaction, for rebroadcasting. */
  @Column({ name: 'raw_transaction', type: 'text' })
  rawTransaction!: string;

  @Column({ name: 'gas_limit', type: 'bigint', transformer: bigintTransformer })
  gasLimit!: bigint;

  @Column({ name: 'max_fee_per_gas', type: 'numeric', precision: 78, scale: 0, nullable: true, transformer: bigintTransformer })
  maxFeePerGas!: bigint | null;

  @Column({ name: 'max_priority_fee_per_gas', type: 'numeric', precision: 78, scale: 0, nullable: true, transformer: bigintTransformer })
  maxPriorityFeePerGas!: bigint | null;

  @Column({ name: 'gas_price', type: 'numeric', precision: 78, scale: 0, nullable: true, transformer: bigintTransformer })
  gasPrice!: bigint | null;

  @Column({ type: 'integer', default: 0 })
  replacements!: number;

  @Column({ name: 'batch_size', type: 'integer' })
  batchSize!: number;

  @Column({ name: 'broadcast_at', type: 'timestamptz', nullable: true })
  broadcastAt!: Date | null;

  @Column({ name: 'mined_tx_hash', type: 'text', nullable: true })
  minedTxHash!: string | null;

  @Column({ name: 'block_number', type: 'bigint', nullable: true, transformer: bigintTransformer })
  blockNumber!: bigint | null;

  @Column({ name: 'gas_used', type: 'bigint', nullable: true, transformer: bigintTransformer })
  gasUsed!: bigint | null;

  @Column({ name: 'effective_gas_price', type: 'numeric', precision: 78, scale: 0, nullable: true, transformer: bigintTransformer })
  effectiveGasPrice!: bigint | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}

/** Table `settlements`: one flush of one payment's deposit address. */
@Entity({ name: 'settlements' })
@Check('ck_settlements_status', "status IN ('pending', 'settled', 'failed')")
@Check('ck_settlements_settled_at', "(status = 'settled') = (settled_at IS NOT NULL)")
@Check('ck_settlements_next_attempt_at', "(status = 'failed') = (next_attempt_at IS NOT NULL)")
@Check('ck_settlements_attempt', 'attempt >= 1')
@Index('uq_settlements_payment_chain_pending', ['paymentId', 'chainId'], { unique: true, where: "(status = 'pending'::text)" })
@Index('ix_settlements_merchant_id_id', ['merchantId', 'id'])
@Index('ix_settlements_payment_id_id', ['paymentId', 'id'])
@Index('ix_settlements_transaction_id', ['transactionId'])
export class SettlementEntity {
  @PrimaryColumn({ type: 'text', primaryKeyConstraintName: 'pk_settlements' })
  id!: string;

  @Column({ name: 'merchant_id', type: 'text' })
  @ForeignKey(() => MerchantEntity, { name: 'fk_settlements_merchant' })
  merchantId!: string;

  @Column({ name: 'payment_id', type: 'text' })
  @ForeignKey(() => PaymentEntity, { name: 'fk_settlements_payment' })
  paymentId!: string;

  @Column({ name: 'chain_id', type: 'integer' })
  chainId!: number;

  @Column({ name: 'deposit_address', type: 'text' })
  depositAddress!: string;

  @Column({ name: 'treasury_address', type: 'text' })
  treasuryAddress!: string;

  @Column({ type: 'text' })
  status!: SettlementStatus;

  @Column({ name: 'transaction_id', type: 'text', nullable: true })
  @ForeignKey(() => SettlementTransactionEntity, { name: 'fk_settlements_transaction' })
  transactionId!: string | null;

  /** The payment's transfers with an id up to this one are covered by this settlement. */
  @Column({ name: 'covered_transfer_id', type: 'bigint', transformer: bigintTransformer })
  coveredTransferId!: bigint;

  /** 1 for a first try; one more for each consecutive failure of the payment before it. */
  @Column({ type: 'integer', default: 1 })
  attempt!: number;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  /** The deposit address lacked money Kassa had counted: an alarm, never a settlement. */
  @Column({ type: 'boolean', default: false })
  shortfall!: boolean;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;

  @Column({ name: 'settled_at', type: 'timestamptz', nullable: true })
  settledAt!: Date | null;
}

/** Table `settlement_amounts`: what one settlement moved, per token (zero address: native coin). */
@Entity({ name: 'settlement_amounts' })
@Check('ck_settlement_amounts_amount', 'amount > 0')
@Check('ck_settlement_amounts_decimals', 'decimals >= 0')
export class SettlementAmountEntity {
  @PrimaryColumn({ name: 'settlement_id', type: 'text', primaryKeyConstraintName: 'pk_settlement_amounts' })
  @ForeignKey(() => SettlementEntity, { name: 'fk_settlement_amounts_settlement', onDelete: 'CASCADE' })
  settlementId!: string;

  @PrimaryColumn({ name: 'token_address', type: 'text', primaryKeyConstraintName: 'pk_settlement_amounts' })
  tokenAddress!: string;

  @Column({ type: 'text' })
  currency!: string;

  @Column({ type: 'smallint' })
  decimals!: number;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: bigintTransformer })
  amount!: bigint;
}
