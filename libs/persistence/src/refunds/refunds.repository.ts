import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { type Address, asMerchantId, type Hex, type MerchantId, type Refund, type RefundAddressSource, type RefundStatus } from '@kassa/domain';

import { runSql, selectOne, selectRows, SqlConditions } from '../database/sql';
import { toBigInt, toBigIntOrNull } from '../database/bigints';

/** A refund with its two capabilities: the claim page token and the approval page token. */
export interface StoredRefund extends Refund {
  claimToken: string;
  approvalToken: string;
  logIndex: number | null;
  /** The transaction the approval page reported (unverified until the worker finds it on chain). */
  reportedTxHash: Hex | null;
}

export interface RefundListFilters {
  paymentId?: string;
  status?: RefundStatus;
  createdGte?: Date;
  createdLt?: Date;
  limit: number;
  /** Cursor: the id of the last refund of the previous page. */
  startingAfter?: string;
}

interface RefundRow {
  id: string;
  merchant_id: string;
  payment_id: string;
  chain_id: number;
  token_symbol: string;
  token_address: string | null;
  token_decimals: number;
  amount: string;
  reason: string | null;
  method: Refund['method'];
  status: RefundStatus;
  address: string | null;
  address_source: RefundAddressSource | null;
  payout_id: string | null;
  claim_token: string;
  approval_token: string;
  approval_expires_at: Date | null;
  watch_from_block: string | null;
  reported_tx_hash: string | null;
  tx_hash: string | null;
  log_index: number | null;
  block_number: string | null;
  failure_reason: string | null;
  created_at: Date;
  sent_at: Date | null;
  confirmed_at: Date | null;
  canceled_at: Date | null;
}

const COLUMNS = `id, merchant_id, payment_id, chain_id, token_symbol, token_address, token_decimals, amount, reason, method, status,
  address, address_source, payout_id, claim_token, approval_token, approval_expires_at, watch_from_block, reported_tx_hash, tx_hash, log_index,
  block_number, failure_reason, created_at, sent_at, confirmed_at, canceled_at`;

function toRefund(row: RefundRow): StoredRefund {
  return {
    id: row.id,
    merchantId: asMerchantId(row.merchant_id),
    paymentId: row.payment_id,
    chainId: row.chain_id,
    token: { symbol: row.token_symbol, address: row.token_address as Address | null, decimals: row.token_decimals },
    amount: toBigInt(row.amount),
    reason: row.reason,
    method: row.method,
    status: row.status,
    address: row.address as Address | null,
    addressSource: row.address_source,
    payoutId: row.payout_id,
    claimToken: row.claim_token,
    approvalToken: row.approval_token,
    approvalExpiresAt: row.approval_expires_at,
    watchFromBlock: toBigIntOrNull(row.watch_from_block),
    reportedTxHash: row.reported_tx_hash as Hex | null,
    txHash: row.tx_hash as Hex | null,
    logIndex: row.log_index,
    blockNumber: toBigIntOrNull(row.block_number),
    failureReason: row.failure_reason,
    createdAt: row.created_at,
    sentAt: row.sent_at,
    confirmedAt: row.confirmed_at,
    canceledAt: row.canceled_at,
  };
}

/** The on-chain transfer that paid a refund. */
export interface RefundTransfer {
  txHash: Hex;
  /** The ERC-20 `Transfer` log's index; -1 for a native-coin transaction; null when sent by the payout wallet (its own transaction). */
  logIndex: number | null;
  /** Null until mined. */
  blockNumber: bigint | null;
}

/**
 * Refunds (`refunds`, docs/refunds.md). Every state change is a conditional update on the
 * state it leaves, so two writers (a cancel and the worker, two claim pages) cannot both win.
 */
@Injectable()
export class RefundsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Stores a new refund (in the caller's transaction, which holds the payment's row lock). */
  async insert(manager: EntityManager, refund: StoredRefund): Promise<void> {
    await runSql(
      manager,
      `INSERT INTO refunds (id, merchant_id, payment_id, chain_id, token_symbol, token_address, token_decimals, amount, reason, method,
         status, address, address_source, claim_token, approval_token, approval_expires_at, watch_from_block, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
      [
        refund.id,
        refund.merchantId,
        refund.paymentId,
        refund.chainId,
        refund.token.symbol,
        refund.token.address,
        refund.token.decimals,
        refund.amount.toString(),
        refund.reason,
        refund.method,
        refund.status,
        refund.address,
        refund.addressSource,
        refund.claimToken,
        refund.approvalToken,
        refund.approvalExpiresAt,
        refund.watchFromBlock?.toString() ?? null,
        refund.createdAt,
      ],
    );
  }

  /** The merchant's refund, or null (another merchant's refund is not found either). */
  async findById(merchantId: MerchantId, id: string, manager: EntityManager = this.dataSource.manager): Promise<StoredRefund | null> {
    const row = await selectOne<RefundRow>(manager, `SELECT ${COLUMNS} FROM refunds WHERE id = $1 AND merchant_id = $2`, [id, merchantId]);
    return row ? toRefund(row) : null;
  }

  /** A refund by id whatever its merchant (the worker, the hosted pages after a token lookup). */
  async findByIdUnscoped(id: string, manager: EntityManager = this.dataSource.manager): Promise<StoredRefund | null> {
    const row = await selectOne<RefundRow>(manager, `SELECT ${COLUMNS} FROM refunds WHERE id = $1`, [id]);
    return row ? toRefund(row) : null;
  }

  /** The refund a claim or approval page token opens, or null. */
  async findByToken(kind: 'claim' | 'approval', token: string): Promise<StoredRefund | null> {
    const column = kind === 'claim' ? 'claim_token' : 'approval_token';
    const row = await selectOne<RefundRow>(this.dataSource.manager, `SELECT ${COLUMNS} FROM refunds WHERE ${column} = $1`, [token]);
    return row ? toRefund(row) : null;
  }

  /** The merchant's refunds, newest first. */
  async list(merchantId: MerchantId, filters: RefundListFilters): Promise<StoredRefund[]> {
    const where = new SqlConditions().add('merchant_id = ?', merchantId);
    if (filters.paymentId !== undefined) where.add('payment_id = ?', filters.paymentId);
    if (filters.status !== undefined) where.add('status = ?', filters.status);
    if (filters.createdGte !== undefined) where.add('created_at >= ?', filters.createdGte);
    if (filters.createdLt !== undefined) where.add('created_at < ?', filters.createdLt);
    if (filters.startingAfter !== undefined) where.add('id < ?', filters.startingAfter);
    const rows = await selectRows<RefundRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM refunds WHERE ${where} ORDER BY id DESC LIMIT ${where.param(filters.limit)}`,
      where.params,
    );
    return rows.map(toRefund);
  }

  /** The refunds of each payment, oldest first. */
  async listByPayments(paymentIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, StoredRefund[]>> {
    const byPayment = new Map<string, StoredRefund[]>();
    if (paymentIds.length === 0) return byPayment;
    const rows = await selectRows<RefundRow>(manager, `SELECT ${COLUMNS} FROM refunds WHERE payment_id = ANY($1) ORDER BY id`, [paymentIds]);
    for (const refund of rows.map(toRefund)) byPayment.set(refund.paymentId, [...(byPayment.get(refund.paymentId) ?? []), refund]);
    return byPayment;
  }

  /**
   * Sets the address of a refund that awaits one and makes it pending.
   * @returns the updated refund, or null when it no longer awaits an address
   */
  async setAddress(
    manager: EntityManager,
    id: string,
    change: { address: Address; source: RefundAddressSource; watchFromBlock: bigint | null },
    now: Date,
  ): Promise<StoredRefund | null> {
    const row = await selectOne<RefundRow>(
      manager,
      `UPDATE refunds SET address = $2, address_source = $3, watch_from_block = $4, status = 'pending', updated_at = $5
       WHERE id = $1 AND status = 'awaiting_address' RETURNING ${COLUMNS}`,
      [id, change.address, change.source, change.watchFromBlock?.toString() ?? null, now],
    );
    return row ? toRefund(row) : null;
  }

  /** Links the payout that will send it. */
  async attachPayout(manager: EntityManager, id: string, payoutId: string): Promise<void> {
    await runSql(manager, `UPDATE refunds SET payout_id = $2, updated_at = now() WHERE id = $1`, [id, payoutId]);
  }

  /**
   * Moves a refund from one of `from` to `to`, with the fields that go with it.
   * @returns the updated refund, or null when it was not in one of `from` (another writer moved it)
   */
  async transition(
    manager: EntityManager,
    id: string,
    from: readonly RefundStatus[],
    to: RefundStatus,
    now: Date,
    fields: { transfer?: RefundTransfer | null; failureReason?: string; approvalExpiresAt?: Date } = {},
  ): Promise<StoredRefund | null> {
    const sets = ['status = $3', 'updated_at = $4'];
    const params: unknown[] = [id, [...from], to, now];
    const set = (column: string, value: unknown) => {
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    };
    if (to === 'sent') set('sent_at', now);
    if (to === 'confirmed') set('confirmed_at', now);
    if (to === 'canceled') set('canceled_at', now);
    if (fields.transfer !== undefined) {
      set('tx_hash', fields.transfer?.txHash ?? null);
      set('log_index', fields.transfer?.logIndex ?? null);
      set('block_number', fields.transfer?.blockNumber?.toString() ?? null);
      if (fields.transfer === null) set('sent_at', null);
    }
    if (fields.failureReason !== undefined) set('failure_reason', fields.failureReason);
    if (fields.approvalExpiresAt !== undefined) set('approval_expires_at', fields.approvalExpiresAt);
    const row = await selectOne<RefundRow>(
      manager,
      `UPDATE refunds SET ${sets.join(', ')} WHERE id = $1 AND status = ANY($2) RETURNING ${COLUMNS}`,
      params,
    );
    return row ? toRefund(row) : null;
  }

  /**
   * Gives a merchant-wallet refund not sent yet a new approval token and expiry (the old link stops working).
   * @returns the refund, or null when it is not awaiting its address or pending
   */
  async renewApproval(id: string, token: string, expiresAt: Date): Promise<StoredRefund | null> {
    const row = await selectOne<RefundRow>(
      this.dataSource.manager,
      `UPDATE refunds SET approval_token = $2, approval_expires_at = $3, updated_at = now()
       WHERE id = $1 AND method = 'merchant_wallet' AND status IN ('awaiting_address', 'pending') RETURNING ${COLUMNS}`,
      [id, token, expiresAt],
    );
    return row ? toRefund(row) : null;
  }

  /** Notes the transaction the approval page reports for a refund that waits for it. */
  async reportTransaction(id: string, txHash: Hex): Promise<boolean> {
    const { rowCount } = await runSql(
      this.dataSource.manager,
      `UPDATE refunds SET reported_tx_hash = $2, updated_at = now() WHERE id = $1 AND status = 'pending' AND method = 'merchant_wallet'`,
      [id, txHash],
    );
    return rowCount > 0;
  }

  /** Moves a pending refund's search for its transfer on to `block` (the blocks before it were searched). */
  async watchFrom(id: string, block: bigint): Promise<void> {
    await runSql(this.dataSource.manager, `UPDATE refunds SET watch_from_block = $2, updated_at = now() WHERE id = $1 AND status = 'pending'`, [id, block.toString()]);
  }

  /** Merchant-wallet refunds on the chain that wait for their transfer (`pending`) or its confirmations (`sent`). */
  async watched(chainId: number, manager: EntityManager = this.dataSource.manager): Promise<StoredRefund[]> {
    const rows = await selectRows<RefundRow>(
      manager,
      `SELECT ${COLUMNS} FROM refunds WHERE chain_id = $1 AND method = 'merchant_wallet' AND status IN ('pending', 'sent') ORDER BY id`,
      [chainId],
    );
    return rows.map(toRefund);
  }

  /** True when a transfer already pays another refund. */
  async transferTaken(chainId: number, transfer: { txHash: Hex; logIndex: number }, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const row = await selectOne(manager, `SELECT 1 FROM refunds WHERE chain_id = $1 AND tx_hash = $2 AND log_index = $3`, [chainId, transfer.txHash, transfer.logIndex]);
    return row !== null;
  }
}
