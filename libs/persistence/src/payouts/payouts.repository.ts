import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { type Address, asMerchantId, type Hex, type MerchantId, type Payout, type PayoutStatus } from '@kassa/domain';

import { runSql, selectOne, selectRows, SqlConditions } from '../database/sql';
import { toBigInt, toBigIntOrNull } from '../database/bigints';

export interface PayoutListFilters {
  status?: PayoutStatus;
  batchId?: string;
  createdGte?: Date;
  createdLt?: Date;
  limit: number;
  /** Cursor: the id of the last payout of the previous page. */
  startingAfter?: string;
}

interface PayoutRow {
  id: string;
  merchant_id: string;
  chain_id: number;
  token_symbol: string;
  token_address: string | null;
  token_decimals: number;
  amount: string;
  address: string;
  status: PayoutStatus;
  refund_id: string | null;
  batch_id: string | null;
  description: string | null;
  metadata: Record<string, unknown>;
  transaction_id: string | null;
  tx_hash: string | null;
  block_number: string | null;
  failure_reason: string | null;
  last_error: string | null;
  created_at: Date;
  sent_at: Date | null;
  confirmed_at: Date | null;
  canceled_at: Date | null;
}

const COLUMNS = `id, merchant_id, chain_id, token_symbol, token_address, token_decimals, amount, address, status, refund_id, batch_id,
  description, metadata, transaction_id, tx_hash, block_number, failure_reason, last_error, created_at, sent_at, confirmed_at, canceled_at`;

function toPayout(row: PayoutRow): Payout {
  return {
    id: row.id,
    merchantId: asMerchantId(row.merchant_id),
    chainId: row.chain_id,
    token: { symbol: row.token_symbol, address: row.token_address as Address | null, decimals: row.token_decimals },
    amount: toBigInt(row.amount),
    address: row.address as Address,
    status: row.status,
    refundId: row.refund_id,
    batchId: row.batch_id,
    description: row.description,
    metadata: row.metadata,
    transactionId: row.transaction_id,
    txHash: row.tx_hash as Hex | null,
    blockNumber: toBigIntOrNull(row.block_number),
    failureReason: row.failure_reason,
    lastError: row.last_error,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    confirmedAt: row.confirmed_at,
    canceledAt: row.canceled_at,
  };
}

/**
 * First key of the payout limit advisory locks, `pg_advisory_xact_lock(key, hashtext('<chainId>:<symbol>'))`:
 * ASCII "KSPO". Creating payouts of one coin takes it, so two requests cannot both fit in
 * what is left of the day's limit.
 */
export const PAYOUT_LIMIT_LOCK_KEY = 0x4b53504f;

/**
 * Payouts (`payouts`, docs/refunds.md "Payouts"): what the payout wallet sends. Every state
 * change is a conditional update on the state it leaves.
 */
@Injectable()
export class PayoutsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores new payouts (status pending) in the caller's transaction. */
  async insertMany(manager: EntityManager, payouts: readonly Payout[]): Promise<void> {
    for (const payout of payouts) {
      await runSql(
        manager,
        `INSERT INTO payouts (id, merchant_id, chain_id, token_symbol, token_address, token_decimals, amount, address, status, refund_id,
           batch_id, description, metadata, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
        [
          payout.id,
          payout.merchantId,
          payout.chainId,
          payout.token.symbol,
          payout.token.address,
          payout.token.decimals,
          payout.amount.toString(),
          payout.address,
          payout.status,
          payout.refundId,
          payout.batchId,
          payout.description,
          JSON.stringify(payout.metadata),
          payout.createdAt,
        ],
      );
    }
  }

  /**
   * Takes the coin's limit lock (per chain and symbol) for the rest of the caller's
   * transaction and returns what the payout wallet has paid or holds for payment of the
   * coin on the chain since `since` (base units): payouts that are not failed or canceled,
   * and refunds from the payout wallet that await their address (their payout is created
   * when the customer gives it, without a second check).
   */
  async lockAndSumSince(manager: EntityManager, chainId: number, symbol: string, since: Date): Promise<bigint> {
    await runSql(manager, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, [PAYOUT_LIMIT_LOCK_KEY, `${chainId}:${symbol}`]);
    const row = await selectOne<{ used: string }>(
      manager,
      `SELECT (SELECT coalesce(sum(amount), 0) FROM payouts
               WHERE chain_id = $1 AND token_symbol = $2 AND created_at >= $3 AND status IN ('pending', 'sent', 'confirmed'))
            + (SELECT coalesce(sum(amount), 0) FROM refunds
               WHERE chain_id = $1 AND token_symbol = $2 AND created_at >= $3 AND method = 'payout_wallet' AND status = 'awaiting_address') AS used`,
      [chainId, symbol, since],
    );
    return toBigInt(row!.used);
  }

  /** The merchant's payout, or null. */
  async findById(merchantId: MerchantId, id: string, manager: EntityManager = this.dataSource.manager): Promise<Payout | null> {
    const row = await selectOne<PayoutRow>(manager, `SELECT ${COLUMNS} FROM payouts WHERE id = $1 AND merchant_id = $2`, [id, merchantId]);
    return row ? toPayout(row) : null;
  }

  /** A payout whatever its merchant (the worker). */
  async findByIdUnscoped(id: string, manager: EntityManager = this.dataSource.manager): Promise<Payout | null> {
    const row = await selectOne<PayoutRow>(manager, `SELECT ${COLUMNS} FROM payouts WHERE id = $1`, [id]);
    return row ? toPayout(row) : null;
  }

  /** The merchant's payouts, newest first. */
  async list(merchantId: MerchantId, filters: PayoutListFilters): Promise<Payout[]> {
    const where = new SqlConditions().add('merchant_id = ?', merchantId);
    if (filters.status !== undefined) where.add('status = ?', filters.status);
    if (filters.batchId !== undefined) where.add('batch_id = ?', filters.batchId);
    if (filters.createdGte !== undefined) where.add('created_at >= ?', filters.createdGte);
    if (filters.createdLt !== undefined) where.add('created_at < ?', filters.createdLt);
    if (filters.startingAfter !== undefined) where.add('id < ?', filters.startingAfter);
    const rows = await selectRows<PayoutRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM payouts WHERE ${where} ORDER BY id DESC LIMIT ${where.param(filters.limit)}`,
      where.params,
    );
    return rows.map(toPayout);
  }

  /** The oldest pending payouts on the chain, at most `limit` (the worker sends them in order of creation). */
  async pending(chainId: number, limit: number, manager: EntityManager = this.dataSource.manager): Promise<Payout[]> {
    const rows = await selectRows<PayoutRow>(manager, `SELECT ${COLUMNS} FROM payouts WHERE chain_id = $1 AND status = 'pending' ORDER BY id LIMIT $2`, [chainId, limit]);
    return rows.map(toPayout);
  }

  /** The payouts a stored transaction carries. */
  async ofTransaction(transactionId: string, manager: EntityManager = this.dataSource.manager): Promise<Payout[]> {
    const rows = await selectRows<PayoutRow>(manager, `SELECT ${COLUMNS} FROM payouts WHERE transaction_id = $1 ORDER BY id`, [transactionId]);
    return rows.map(toPayout);
  }

  /**
   * Moves a payout from one of `from` to `to`, with the fields that go with it.
   * @returns the updated payout, or null when it was not in one of `from`
   */
  async transition(
    manager: EntityManager,
    id: string,
    from: readonly PayoutStatus[],
    to: PayoutStatus,
    now: Date,
    fields: { transactionId?: string | null; txHash?: Hex | null; blockNumber?: bigint | null; failureReason?: string } = {},
  ): Promise<Payout | null> {
    const sets = ['status = $3', 'updated_at = $4'];
    const params: unknown[] = [id, [...from], to, now];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (to === 'sent') {
      set('sent_at', now);
      sets.push('last_error = NULL');
    }
    if (to === 'confirmed') set('confirmed_at', now);
    if (to === 'canceled') set('canceled_at', now);
    if (to === 'pending') set('sent_at', null);
    if (fields.transactionId !== undefined) set('transaction_id', fields.transactionId);
    if (fields.txHash !== undefined) set('tx_hash', fields.txHash);
    if (fields.blockNumber !== undefined) set('block_number', fields.blockNumber?.toString() ?? null);
    if (fields.failureReason !== undefined) set('failure_reason', fields.failureReason);
    const row = await selectOne<PayoutRow>(manager, `UPDATE payouts SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($2) RETURNING ${COLUMNS}`, params);
    return row ? toPayout(row) : null;
  }

  /** Notes why the worker could not send a pending payout yet (shown as `lastError`). */
  async noteWait(id: string, error: string): Promise<void> {
    await runSql(this.dataSource.manager, `UPDATE payouts SET last_error = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`, [id, error]);
  }
}
