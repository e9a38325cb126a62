import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import {
  asMerchantId,
  type Address,
  type Hex,
  type MerchantId,
  type PaymentSettlementState,
  type Settlement,
  type SettlementCandidate,
  type SettlementMode,
  type SettlementStatus,
  type TokenRef,
  type TransactionFees,
} from '@kassa/domain';

import { runSql, selectRows, SqlConditions } from '../database/sql';
import { toBigInt, toBigIntOrNull } from '../database/bigints';

/** Token address stored for the native coin in `settlement_amounts` (the contracts' address(0)). */
export const NATIVE_TOKEN_ADDRESS: Address = '0x0000000000000000000000000000000000000000';

/** A payment to settle, with what the settlement job needs to flush its deposit address. */
export interface SettlementCandidateRow extends SettlementCandidate {
  token: TokenRef;
  depositAddress: Address;
  salt: Hex;
  treasuryAddress: Address;
  factoryAddress: Address;
  /** The newest active transfer to the address: a settlement planned now covers up to it. */
  lastTransferId: bigint;
  /** Block of the newest uncovered transfer (the node must have seen it before balances are read). */
  lastBlockNumber: bigint;
  /** 1, or one more than the payment's consecutive failed attempts. */
  attempt: number;
  /** The fees of the transaction of the payment's last attempt when it failed on chain (a retry offers more). */
  previousFees: TransactionFees | null;
}

export interface SettlementCandidateQuery {
  chainId: number;
  /** The watcher's cursor on the chain: transfers need the payment's confirmations below it. */
  cursorBlock: bigint;
  /** Only payments final at or after this time. */
  finalizedSince: Date;
  now: Date;
  limit: number;
}

/** A settlement to insert. */
export interface NewSettlement extends Pick<Settlement, 'id' | 'merchantId' | 'paymentId' | 'chainId' | 'depositAddress' | 'treasuryAddress'> {
  coveredTransferId: bigint;
  attempt: number;
  transactionId: string | null;
}

export interface SettlementListFilters {
  paymentId?: string;
  status?: SettlementStatus;
  chainId?: number;
  createdGte?: Date;
  createdLt?: Date;
  limit: number;
  /** Cursor: the id of the last settlement of the previous page. */
  startingAfter?: string;
}

interface SettlementRow {
  id: string;
  merchant_id: string;
  payment_id: string;
  chain_id: number;
  deposit_address: string;
  treasury_address: string;
  status: SettlementStatus;
  error: string | null;
  created_at: Date;
  settled_at: Date | null;
  tx_hash: string | null;
  nonce: string | null;
  block_number: string | null;
  gas_used: string | null;
  effective_gas_price: string | null;
  batch_size: number | null;
}

const SETTLEMENT_COLUMNS = `s.id, s.merchant_id, s.payment_id, s.chain_id, s.deposit_address, s.treasury_address, s.status, s.error,
  s.created_at, s.settled_at, COALESCE(tx.mined_tx_hash, tx.tx_hash) AS tx_hash, tx.nonce, tx.block_number, tx.gas_used,
  tx.effective_gas_price, tx.batch_size`;

/** The latest settled coverage of payment `p`: transfers with a greater id are not settled yet. */
/**
 * The last transfer id of payment `p` on chain `chain` (SQL) that a settled settlement
 * covers: a payment is settled chain by chain, each chain's transfers by that chain's
 * settlements (transfer ids grow, so "covered" is "at or below").
 */
const coveredOn = (chain: string) =>
  `COALESCE((SELECT max(c.covered_transfer_id) FROM settlements c WHERE c.payment_id = p.id AND c.chain_id = ${chain} AND c.status = 'settled'), 0)`;

/**
 * Settlements (`settlements`, `settlement_amounts`): merchant reads are scoped by
 * `merchantId`; the settlement job's queries and writes are not.
 */
@Injectable()
export class SettlementsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Final payments (PAID, TIMEOUT, CANCELED: the funds are the treasury's whatever the status)
   * with an option on the chain (docs/pricing.md: a payment is settled chain by chain, at
   * its deposit address there) whose merchant's policy is not `off`, with active transfers on
   * that chain that no settled settlement of that chain covers, all of them with the
   * option's confirmations; none with a settlement on that chain in flight, and a failed one
   * only once its retry is due. Oldest final first.
   */
  async candidates(query: SettlementCandidateQuery): Promise<SettlementCandidateRow[]> {
    const rows = await selectRows<{
      id: string;
      merchant_id: string;
      chain_id: number;
      currency: string;
      token_address: string | null;
      token_decimals: number;
      deposit_address: string;
      salt: string;
      treasury_address: string;
      factory_address: string;
      finalized_at: Date;
      last_transfer_id: string;
      waiting_amount: string;
      first_recorded_at: Date;
      last_block: string;
      attempt: number;
      max_fee_per_gas: string | null;
      max_priority_fee_per_gas: string | null;
      gas_price: string | null;
    }>(
      this.dataSource.manager,
      `SELECT p.id, p.merchant_id, o.chain_id, o.currency, o.token_address, o.token_decimals, o.deposit_address, p.salt,
              o.treasury_address, o.factory_address, p.finalized_at,
              w.last_transfer_id, w.waiting_amount, w.first_recorded_at, w.last_block,
              CASE WHEN s.status = 'failed' THEN s.attempt + 1 ELSE 1 END AS attempt,
              ptx.max_fee_per_gas, ptx.max_priority_fee_per_gas, ptx.gas_price
       FROM payments p
       -- The payment's coin on this chain: its selected option when that is on this chain, else its first option here.
       CROSS JOIN LATERAL (
         SELECT o.chain_id, o.currency, o.token_address, o.token_decimals, o.deposit_address, o.treasury_address, o.factory_address,
                o.required_confirmations
         FROM payment_options o
         WHERE o.payment_id = p.id AND o.chain_id = $1
         ORDER BY (o.chain_id = p.chain_id AND lower(o.token_address) IS NOT DISTINCT FROM lower(p.token_address)) DESC, o.position
         LIMIT 1
       ) o
       LEFT JOIN settlement_policies sp ON sp.merchant_id = p.merchant_id
       LEFT JOIN LATERAL (
         SELECT s.status, s.attempt, s.next_attempt_at, s.transaction_id FROM settlements s
         WHERE s.payment_id = p.id AND s.chain_id = $1 ORDER BY s.id DESC LIMIT 1
       ) s ON true
       LEFT JOIN settlement_transactions ptx ON ptx.id = s.transaction_id AND s.status = 'failed'
       CROSS JOIN LATERAL (
         SELECT max(t.id) AS last_transfer_id,
                COALESCE(sum(t.amount) FILTER (WHERE lower(t.token_address) IS NOT DISTINCT FROM lower(o.token_address)), 0) AS waiting_amount,
                min(t.created_at) AS first_recorded_at,
                max(t.block_number) AS last_block
         FROM transfers t
         WHERE t.payment_id = p.id AND t.chain_id = $1 AND t.status = 'active' AND t.id > ${coveredOn('$1')}
       ) w
       WHERE p.status IN ('PAID', 'TIMEOUT', 'CANCELED')
         AND p.finalized_at >= $2
         AND COALESCE(sp.mode, 'immediate') <> 'off'
         AND w.last_transfer_id IS NOT NULL
         AND w.last_block <= $3::bigint - o.required_confirmations + 1
         AND (s.status IS NULL OR s.status = 'settled' OR (s.status = 'failed' AND s.next_attempt_at <= $4))
       ORDER BY p.finalized_at, p.id
       LIMIT $5`,
      [query.chainId, query.finalizedSince, query.cursorBlock.toString(), query.now, query.limit],
    );
    return rows.map((row) => ({
      paymentId: row.id,
      merchantId: asMerchantId(row.merchant_id),
      chainId: row.chain_id,
      currency: row.currency,
      decimals: row.token_decimals,
      token: { symbol: row.currency, address: row.token_address as Address | null, decimals: row.token_decimals },
      waitingAmount: toBigInt(row.waiting_amount),
      waitingSince: row.first_recorded_at > row.finalized_at ? row.first_recorded_at : row.finalized_at,
      depositAddress: row.deposit_address as Address,
      salt: row.salt as Hex,
      treasuryAddress: row.treasury_address as Address,
      factoryAddress: row.factory_address as Address,
      lastTransferId: toBigInt(row.last_transfer_id),
      lastBlockNumber: toBigInt(row.last_block),
      attempt: row.attempt,
      previousFees:
        row.gas_price !== null
          ? { gasPrice: toBigInt(row.gas_price) }
          : row.max_fee_per_gas !== null && row.max_priority_fee_per_gas !== null
            ? { maxFeePerGas: toBigInt(row.max_fee_per_gas), maxPriorityFeePerGas: toBigInt(row.max_priority_fee_per_gas) }
            : null,
    }));
  }

  /**
   * Inserts settlements (pending when `transactionId` is set or `status` says so), in the
   * caller's transaction.
   * @throws QueryFailedError on `uq_settlements_payment_chain_pending` when a payment already has a
   *   pending settlement on that chain (another worker planned it)
   */
  async insertMany(
    manager: EntityManager,
    settlements: readonly NewSettlement[],
    outcome:
      | { status: 'pending' }
      | { status: 'settled'; at: Date }
      /** `shortfall`: the deposit address lacks counted money (an alarm, `kassa_settlement_shortfalls`). */
      | { status: 'failed'; error: string; nextAttemptAt: Date; shortfall?: boolean },
  ): Promise<void> {
    if (settlements.length === 0) return;
    await runSql(
      manager,
      `INSERT INTO settlements (id, merchant_id, payment_id, chain_id, deposit_address, treasury_address, covered_transfer_id,
                                attempt, transaction_id, status, settled_at, error, next_attempt_at, shortfall)
       SELECT *, $10::text, $11::timestamptz, $12::text, $13::timestamptz, $14::boolean
       FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[], $6::text[], $7::bigint[], $8::integer[], $9::text[])`,
      [
        settlements.map((s) => s.id),
        settlements.map((s) => s.merchantId),
        settlements.map((s) => s.paymentId),
        settlements.map((s) => s.chainId),
        settlements.map((s) => s.depositAddress),
        settlements.map((s) => s.treasuryAddress),
        settlements.map((s) => s.coveredTransferId.toString()),
        settlements.map((s) => s.attempt),
        settlements.map((s) => s.transactionId),
        outcome.status,
        outcome.status === 'settled' ? outcome.at : null,
        outcome.status === 'failed' ? outcome.error : null,
        outcome.status === 'failed' ? outcome.nextAttemptAt : null,
        outcome.status === 'failed' && outcome.shortfall === true,
      ],
    );
  }

  /** The pending settlements a transaction carries: id, payment and deposit address. */
  async pendingOfTransaction(
    transactionId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<{ id: string; paymentId: string; depositAddress: Address; attempt: number }[]> {
    const rows = await selectRows<{ id: string; payment_id: string; deposit_address: string; attempt: number }>(
      manager,
      `SELECT id, payment_id, deposit_address, attempt FROM settlements WHERE transaction_id = $1 AND status = 'pending' ORDER BY id`,
      [transactionId],
    );
    return rows.map((row) => ({ id: row.id, paymentId: row.payment_id, depositAddress: row.deposit_address as Address, attempt: row.attempt }));
  }

  /** Marks pending settlements settled at `at` and records what each moved (amounts in base units). */
  async markSettled(
    manager: EntityManager,
    settled: readonly { id: string; amounts: readonly { token: TokenRef; amount: bigint }[] }[],
    at: Date,
  ): Promise<void> {
    if (settled.length === 0) return;
    await runSql(
      manager,
      `UPDATE settlements SET status = 'settled', settled_at = $2, updated_at = now() WHERE id = ANY ($1::text[]) AND status = 'pending'`,
      [settled.map((s) => s.id), at],
    );
    const amounts = settled.flatMap((s) => s.amounts.filter((a) => a.amount > 0n).map((a) => ({ id: s.id, ...a })));
    if (amounts.length === 0) return;
    await runSql(
      manager,
      `INSERT INTO settlement_amounts (settlement_id, token_address, currency, decimals, amount)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::numeric[])`,
      [
        amounts.map((a) => a.id),
        amounts.map((a) => a.token.address ?? NATIVE_TOKEN_ADDRESS),
        amounts.map((a) => a.token.symbol),
        amounts.map((a) => a.token.decimals),
        amounts.map((a) => a.amount.toString()),
      ],
    );
  }

  /** Marks pending settlements failed; each may be tried again from its `nextAttemptAt`. */
  async markFailed(manager: EntityManager, failed: readonly { id: string; nextAttemptAt: Date }[], error: string): Promise<void> {
    if (failed.length === 0) return;
    await runSql(
      manager,
      `UPDATE settlements AS s SET status = 'failed', error = $3, next_attempt_at = f.next_attempt_at, updated_at = now()
       FROM unnest($1::text[], $2::timestamptz[]) AS f (id, next_attempt_at)
       WHERE s.id = f.id AND s.status = 'pending'`,
      [failed.map((f) => f.id), failed.map((f) => f.nextAttemptAt), error],
    );
  }

  /**
   * What the payment objects of these payments show about settlement (see
   * `paymentSettlementOf`), in `manager`'s transaction when given.
   * @returns an entry for every existing payment among `paymentIds`
   */
  async paymentStates(paymentIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, PaymentSettlementState>> {
    if (paymentIds.length === 0) return new Map();
    const rows = await selectRows<{
      id: string;
      mode: SettlementMode;
      settlement_id: string | null;
      status: SettlementStatus | null;
      tx_hash: string | null;
      settled_at: Date | null;
      has_value: boolean;
      has_unsettled_value: boolean;
    }>(
      manager,
      `SELECT p.id, COALESCE(sp.mode, 'immediate') AS mode, s.id AS settlement_id, s.status, COALESCE(tx.mined_tx_hash, tx.tx_hash) AS tx_hash,
              s.settled_at,
              EXISTS (SELECT 1 FROM transfers t WHERE t.payment_id = p.id AND t.status = 'active') AS has_value,
              EXISTS (SELECT 1 FROM transfers t WHERE t.payment_id = p.id AND t.status = 'active' AND t.id > ${coveredOn('t.chain_id')}) AS has_unsettled_value
       FROM payments p
       LEFT JOIN settlement_policies sp ON sp.merchant_id = p.merchant_id
       LEFT JOIN LATERAL (
         SELECT s.id, s.status, s.settled_at, s.transaction_id FROM settlements s WHERE s.payment_id = p.id ORDER BY s.id DESC LIMIT 1
       ) s ON true
       LEFT JOIN settlement_transactions tx ON tx.id = s.transaction_id
       WHERE p.id = ANY ($1::text[])`,
      [paymentIds],
    );
    return new Map(
      rows.map((row) => [
        row.id,
        {
          latest: row.settlement_id
            ? { id: row.settlement_id, status: row.status!, txHash: row.tx_hash as Hex | null, settledAt: row.settled_at }
            : null,
          hasValue: row.has_value,
          hasUnsettledValue: row.has_unsettled_value,
          mode: row.mode,
        },
      ]),
    );
  }

  /** The merchant's settlements, newest first (ids are time-ordered), one page. */
  async list(merchantId: MerchantId, filters: SettlementListFilters): Promise<Settlement[]> {
    return this.query(new SqlConditions().add('s.merchant_id = ?', merchantId), filters);
  }

  /** The merchant's settlement with this id; another merchant's is null. */
  async findById(merchantId: MerchantId, id: string): Promise<Settlement | null> {
    const [settlement] = await this.query(new SqlConditions().add('s.merchant_id = ?', merchantId).add('s.id = ?', id), { limit: 1 });
    return settlement ?? null;
  }

  /** Any merchant's settlements, newest first: for operators' tools, never for a merchant's request. */
  async listUnscoped(filters: SettlementListFilters & { merchantId?: MerchantId }): Promise<Settlement[]> {
    const where = new SqlConditions();
    if (filters.merchantId !== undefined) where.add('s.merchant_id = ?', filters.merchantId);
    return this.query(where, filters);
  }

  private async query(where: SqlConditions, filters: SettlementListFilters): Promise<Settlement[]> {
    if (filters.paymentId !== undefined) where.add('s.payment_id = ?', filters.paymentId);
    if (filters.status !== undefined) where.add('s.status = ?', filters.status);
    if (filters.chainId !== undefined) where.add('s.chain_id = ?', filters.chainId);
    if (filters.createdGte !== undefined) where.add('s.created_at >= ?', filters.createdGte);
    if (filters.createdLt !== undefined) where.add('s.created_at < ?', filters.createdLt);
    if (filters.startingAfter !== undefined) where.add('s.id < ?', filters.startingAfter);
    const condition = where.toString() || 'true';
    const rows = await selectRows<SettlementRow>(
      this.dataSource.manager,
      `SELECT ${SETTLEMENT_COLUMNS}
       FROM settlements s LEFT JOIN settlement_transactions tx ON tx.id = s.transaction_id
       WHERE ${condition} ORDER BY s.id DESC LIMIT ${where.param(filters.limit)}`,
      where.params,
    );
    const amounts = await this.amountsOf(rows.map((row) => row.id));
    return rows.map((row) => ({
      id: row.id,
      merchantId: asMerchantId(row.merchant_id),
      paymentId: row.payment_id,
      chainId: row.chain_id,
      depositAddress: row.deposit_address as Address,
      treasuryAddress: row.treasury_address as Address,
      status: row.status,
      amounts: amounts.get(row.id) ?? [],
      transaction:
        row.tx_hash === null
          ? null
          : {
              hash: row.tx_hash as Hex,
              nonce: Number(row.nonce),
              blockNumber: toBigIntOrNull(row.block_number),
              gasUsed: toBigIntOrNull(row.gas_used),
              effectiveGasPrice: toBigIntOrNull(row.effective_gas_price),
              batchSize: row.batch_size ?? 1,
            },
      error: row.error,
      createdAt: row.created_at,
      settledAt: row.settled_at,
    }));
  }

  private async amountsOf(ids: readonly string[]): Promise<Map<string, { token: TokenRef; amount: bigint }[]>> {
    const byId = new Map<string, { token: TokenRef; amount: bigint }[]>();
    if (ids.length === 0) return byId;
    const rows = await selectRows<{ settlement_id: string; token_address: string; currency: string; decimals: number; amount: string }>(
      this.dataSource.manager,
      `SELECT settlement_id, token_address, currency, decimals, amount FROM settlement_amounts
       WHERE settlement_id = ANY ($1::text[]) ORDER BY settlement_id, (token_address = $2) DESC, currency`,
      [ids, NATIVE_TOKEN_ADDRESS],
    );
    for (const row of rows) {
      const list = byId.get(row.settlement_id) ?? [];
      list.push({
        token: {
          symbol: row.currency,
          address: row.token_address === NATIVE_TOKEN_ADDRESS ? null : (row.token_address as Address),
          decimals: row.decimals,
        },
        amount: toBigInt(row.amount),
      });
      byId.set(row.settlement_id, list);
    }
    return byId;
  }
}
