import { Check, Column, Entity, ForeignKey, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

import type { TransferStatus } from '@kassa/domain';

import { bigintTransformer } from '../database/transformers';
import { PaymentEntity } from '../payments/payment.entity';

/**
 * Table `transfers`: value sent to a watched address, one row per `(chain, tx, log index)`
 * (native-coin transfers use log index -1, balance credits -2). A reorg marks a row `orphaned`; the same
 * transfer re-appearing in the new branch reactivates the same row.
 */
@Entity({ name: 'transfers' })
@Unique('uq_transfers_chain_tx_log', ['chainId', 'txHash', 'logIndex'])
@Check('ck_transfers_status', "status IN ('active', 'orphaned')")
@Check('ck_transfers_log_index', 'log_index >= -2')
@Check('ck_transfers_amount', 'amount >= 0')
@Index('ix_transfers_payment_id', ['paymentId'])
@Index('ix_transfers_chain_id_block_number', ['chainId', 'blockNumber'])
export class TransferEntity {
  @PrimaryGeneratedColumn('identity', {
    type: 'bigint',
    generatedIdentity: 'ALWAYS',
    primaryKeyConstraintName: 'pk_transfers',
  })
  /** Internal row id; bigint as pg returns it, a decimal string. */
  id!: string;

  @Column({ name: 'chain_id', type: 'integer' })
  chainId!: number;

  @Column({ name: 'tx_hash', type: 'text' })
  txHash!: string;

  @Column({ name: 'log_index', type: 'integer' })
  logIndex!: number;

  @Column({ name: 'block_number', type: 'bigint', transformer: bigintTransformer })
  blockNumber!: bigint;

  @Column({ name: 'block_hash', type: 'text' })
  blockHash!: string;

  @Column({ name: 'block_timestamp', type: 'timestamptz' })
  blockTimestamp!: Date;

  @Column({ name: 'from_address', type: 'text' })
  fromAddress!: string;

  @Column({ name: 'to_address', type: 'text' })
  toAddress!: string;

  @Column({ name: 'token_address', type: 'text', nullable: true })
  tokenAddress!: string | null;

  @Column({ type: 'numeric', precision: 78, scale: 0, transformer: bigintTransformer })
  amount!: bigint;

  @Column({ name: 'payment_id', type: 'text', nullable: true })
  @ForeignKey(() => PaymentEntity, { name: 'fk_transfers_payment' })
  paymentId!: string | null;

  @Column({ type: 'text', default: 'active' })
  status!: TransferStatus;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
