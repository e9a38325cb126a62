import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { Address, Hex, TransactionFees } from '@kassa/domain';

import { runSql, selectOne } from '../database/sql';
import { toBigInt, toBigIntOrNull } from '../database/bigints';

/** Statuses of a settlement transaction: `pending` until mined and confirmed (or given up). */
export const SETTLEMENT_TRANSACTION_STATUSES = ['pending', 'confirmed', 'reverted', 'dropped'] as const;
export type SettlementTransactionStatus = (typeof SETTLEMENT_TRANSACTION_STATUSES)[number];

/** A settlement transaction as stored (see `settlement_transactions`). Gas in gas units, fees in wei. */
export interface SettlementTransactionRecord {
  id: string;
  chainId: number;
  /** The gas payer. */
  from: Address;
  /** The DepositFactory. */
  to: Address;
  nonce: bigint;
  status: SettlementTransactionStatus;
  /** The latest signed hash; {@link txHashes} holds every one signed for this nonce, oldest first. */
  txHash: Hex;
  txHashes: Hex[];
  rawTransaction: Hex;
  gasLimit: bigint;
  fees: TransactionFees;
  replacements: number;
  batchSize: number;
  /** When the latest signed transaction was last handed to the node; null: not (known to be) yet. */
  broadcastAt: Date | null;
  minedTxHash: Hex | null;
  blockNumber: bigint | null;
  gasUsed: bigint | null;
  effectiveGasPrice: bigint | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/** A signed transaction about to be broadcast (write-ahead). */
export type NewSettlementTransaction = Pick<
  SettlementTransactionRecord,
  'id' | 'chainId' | 'from' | 'to' | 'nonce' | 'txHash' | 'rawTransaction' | 'gasLimit' | 'fees' | 'batchSize'
>;

/** How a mined transaction ended, from its receipt. */
export interface MinedSettlementTransaction {
  status: 'confirmed' | 'reverted';
  minedTxHash: Hex;
  blockNumber: bigint;
  gasUsed: bigint;
  effectiveGasPrice: bigint;
}

interface Row {
  id: string;
  chain_id: number;
  from_address: string;
  to_address: string;
  nonce: string;
  status: SettlementTransactionStatus;
  tx_hash: string;
  tx_hashes: string[];
  raw_transaction: string;
  gas_limit: string;
  max_fee_per_gas: string | null;
  max_priority_fee_per_gas: string | null;
  gas_price: string | null;
  replacements: number;
  batch_size: number;
  broadcast_at: Date | null;
  mined_tx_hash: string | null;
  block_number: string | null;
  gas_used: string | null;
  effective_gas_price: string | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
}

const COLUMNS = `id, chain_id, from_address, to_address, nonce, status, tx_hash, tx_hashes, raw_transaction, gas_limit,
  max_fee_per_gas, max_priority_fee_per_gas, gas_price, replacements, batch_size, broadcast_at, mined_tx_hash,
  block_number, gas_used, effective_gas_price, error, created_at, finished_at`;

function toRecord(row: Row): SettlementTransactionRecord {
  return {
    id: row.id,
    chainId: row.chain_id,
    from: row.from_address as Address,
    to: row.to_address as Address,
    nonce: toBigInt(row.nonce),
    status: row.status,
    txHash: row.tx_hash as Hex,
    txHashes: row.tx_hashes as Hex[],
    rawTransaction: row.raw_transaction as Hex,
    gasLimit: toBigInt(row.gas_limit),
    fees:
      row.gas_price !== null
        ? { gasPrice: toBigInt(row.gas_price) }
        : { maxFeePerGas: toBigInt(row.max_fee_per_gas!), maxPriorityFeePerGas: toBigInt(row.max_priority_fee_per_gas!) },
    replacements: row.replacements,
    batchSize: row.batch_size,
    broadcastAt: row.broadcast_at,
    minedTxHash: row.mined_tx_hash as Hex | null,
    blockNumber: toBigIntOrNull(row.block_number),
    gasUsed: toBigIntOrNull(row.gas_used),
    effectiveGasPrice: toBigIntOrNull(row.effective_gas_price),
    error: row.error,
    createdAt: row.created_at,
    finishedAt: row.finished_at,
  };
}

const feeParams = (fees: TransactionFees): [string | null, string | null, string | null] =>
  'gasPrice' in fees ? [null, null, fees.gasPrice.toString()] : [fees.maxFeePerGas.toString(), fees.maxPriorityFeePerGas.toString(), null];

/**
 * Settlement transactions (`settlement_transactions`): the write-ahead log of what gas payers
 * signed. The schema allows one row per (chain, sender, nonce) and one unfinished row per
 * (chain, sender), so two workers can never hold two transactions for one nonce.
 */
@Injectable()
export class SettlementTransactionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The sender's unfinished transaction on the chain, if any (at most one exists). */
  async inFlight(chainId: number, from: Address, manager: EntityManager = this.dataSource.manager): Promise<SettlementTransactionRecord | null> {
    const row = await selectOne<Row>(
      manager,
      `SELECT ${COLUMNS} FROM settlement_transactions WHERE chain_id = $1 AND from_address = $2 AND status = 'pending'`,
      [chainId, from],
    );
    return row ? toRecord(row) : null;
  }

  /** The highest nonce ever recorded for the sender on the chain, or null. */
  async highestNonce(chainId: number, from: Address, manager: EntityManager = this.dataSource.manager): Promise<bigint | null> {
    const row = await selectOne<{ nonce: string | null }>(
      manager,
      `SELECT max(nonce) AS nonce FROM settlement_transactions WHERE chain_id = $1 AND from_address = $2`,
      [chainId, from],
    );
    return toBigIntOrNull(row?.nonce ?? null);
  }

  /**
   * Records a signed transaction before it is broadcast (status pending, not broadcast yet).
   * @throws QueryFailedError on `uq_settlement_transactions_sender_nonce` (the nonce is taken) or
   *   `uq_settlement_transactions_in_flight` (the sender already has a transaction in flight)
   */
  async insert(manager: EntityManager, tx: NewSettlementTransaction): Promise<void> {
    await runSql(
      manager,
      `INSERT INTO settlement_transactions (id, chain_id, from_address, to_address, nonce, status, tx_hash, tx_hashes,
         raw_transaction, gas_limit, max_fee_per_gas, max_priority_fee_per_gas, gas_price, batch_size)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, ARRAY[$6], $7, $8, $9, $10, $11, $12)`,
      [tx.id, tx.chainId, tx.from, tx.to, tx.nonce.toString(), tx.txHash, tx.rawTransaction, tx.gasLimit.toString(), ...feeParams(tx.fees), tx.batchSize],
    );
  }

  /**
   * Records a replacement (same nonce, higher fees) before it is broadcast: it becomes the
   * latest signed transaction and its hash joins the list.
   * @returns false when the transaction is no longer pending (another worker finished it)
   */
  async recordReplacement(id: string, replacement: { txHash: Hex; rawTransaction: Hex; fees: TransactionFees }): Promise<boolean> {
    const { rowCount } = await runSql(
      this.dataSource.manager,
      `UPDATE settlement_transactions
       SET tx_hash = $2, tx_hashes = array_append(tx_hashes, $2), raw_transaction = $3, max_fee_per_gas = $4,
           max_priority_fee_per_gas = $5, gas_price = $6, replacements = replacements + 1, broadcast_at = NULL, updated_at = now()
       WHERE id = $1 AND status = 'pending'`,
      [id, replacement.txHash, replacement.rawTransaction, ...feeParams(replacement.fees)],
    );
    return rowCount > 0;
  }

  /** Notes that the node accepted (or already had) the latest signed transaction at `at`. */
  async markBroadcast(id: string, txHash: Hex, at: Date): Promise<void> {
    await runSql(
      this.dataSource.manager,
      `UPDATE settlement_transactions SET broadcast_at = $3, error = NULL, updated_at = now() WHERE id = $1 AND tx_hash = $2 AND status = 'pending'`,
      [id, txHash, at],
    );
  }

  /** Notes why the last broadcast failed (kept until the next success). */
  async noteError(id: string, error: string): Promise<void> {
    await runSql(this.dataSource.manager, `UPDATE settlement_transactions SET error = $2, updated_at = now() WHERE id = $1`, [id, error]);
  }

  /**
   * Finishes a pending transaction: mined (confirmed or reverted, with its receipt's figures)
   * or dropped (its nonce went to a transaction Kassa did not sign).
   * @returns false when it was not pending any more (another worker finished it first)
   */
  async finish(manager: EntityManager, id: string, outcome: MinedSettlementTransaction | { status: 'dropped'; error: string }, at: Date): Promise<boolean> {
    const mined = outcome.status === 'dropped' ? null : outcome;
    const { rowCount } = await runSql(
      manager,
      `UPDATE settlement_transactions
       SET status = $2, mined_tx_hash = $3, block_number = $4, gas_used = $5, effective_gas_price = $6, error = $7,
           finished_at = $8, updated_at = now()
       WHERE id = $1 AND status = 'pending'`,
      [
        id,
        outcome.status,
        mined?.minedTxHash ?? null,
        mined?.blockNumber.toString() ?? null,
        mined?.gasUsed.toString() ?? null,
        mined?.effectiveGasPrice.toString() ?? null,
        outcome.status === 'dropped' ? outcome.error : outcome.status === 'reverted' ? 'the transaction reverted' : null,
        at,
      ],
    );
    return rowCount > 0;
  }

  /** A transaction by id (operators' tools and tests). */
  async findById(id: string, manager: EntityManager = this.dataSource.manager): Promise<SettlementTransactionRecord | null> {
    const row = await selectOne<Row>(manager, `SELECT ${COLUMNS} FROM settlement_transactions WHERE id = $1`, [id]);
    return row ? toRecord(row) : null;
  }
}
