import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { Address, Hex, Transfer, TransferStatus } from '@kassa/domain';

import { runSql, selectRows } from '../database/sql';
import { toBigInt } from '../database/bigints';

/** The outcome of recording one transfer. */
export interface RecordedTransfer {
  transfer: Transfer;
  /**
   * True when the transfer was not stored before. A transfer seen again (a re-scan after a
   * crash, or the same transaction re-appearing in the new branch after a reorg) is false:
   * it is one transfer and must be counted and announced once.
   */
  isNew: boolean;
}

/** What {@link TransfersRepository.insertReportingStored} stored and found. */
export interface StoredTransfers {
  /** One result per input transfer, in input order. */
  recorded: RecordedTransfer[];
  /** The payments, of those asked about, that had transfers stored before the statement. */
  withStoredTransfers: Set<string>;
  /** The `created_at` of the rows the statement inserted (PostgreSQL's `now()`: its transaction's start); null when given no transfer. */
  recordedAt: Date | null;
}

interface TransferRow {
  chain_id: number;
  tx_hash: string;
  log_index: number;
  block_number: string;
  block_hash: string;
  block_timestamp: Date;
  from_address: string;
  to_address: string;
  token_address: string | null;
  amount: string;
  payment_id: string | null;
  status: TransferStatus;
}

const COLUMNS = `chain_id, tx_hash, log_index, block_number, block_hash, block_timestamp, from_address, to_address,
  token_address, amount, payment_id, status`;
const ORDER = 'ORDER BY block_number, log_index, tx_hash';

function toTransfer(row: TransferRow): Transfer {
  return {
    chainId: row.chain_id,
    txHash: row.tx_hash as Hex,
    logIndex: row.log_index,
    blockNumber: toBigInt(row.block_number),
    blockHash: row.block_hash as Hex,
    blockTimestamp: row.block_timestamp,
    from: row.from_address as Address,
    to: row.to_address as Address,
    tokenAddress: row.token_address as Address | null,
    amount: toBigInt(row.amount),
    paymentId: row.payment_id,
    status: row.status,
  };
}

const keyOf = (t: Pick<Transfer, 'chainId' | 'txHash' | 'logIndex'>): string => `${t.chainId}:${t.txHash}:${t.logIndex}`;

/** Transfers to watched addresses, keyed by `(chainId, txHash, logIndex)`. */
@Injectable()
export class TransfersRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Records transfers in one multi-row `INSERT ... ON CONFLICT` (call it in the
   * transaction that also advances the chain cursor). A transfer already stored is moved
   * to its (new) block and made `active` again, with the amount given (the same for a
   * transfer seen on chain; a balance credit re-made after a reorg may differ); its
   * payment link is kept, or set when it had none. Whether each row is new comes from `xmax = 0`, true only for a row this
   * statement inserted.
   *
   * @param transfers any number; a transfer listed twice is recorded once
   * @returns one result per input transfer, in input order
   */
  async insertMany(manager: EntityManager, transfers: readonly Transfer[]): Promise<RecordedTransfer[]> {
    return (await this.insertReportingStored(manager, transfers, [])).recorded;
  }

  /**
   * {@link insertMany}, also telling which of `paymentIds` had any transfer stored before
   * it: read in the same statement, whose snapshot holds none of the rows it inserts. With
   * the payments locked beforehand (no other writer adds their transfers meanwhile), a
   * payment that had none and whose every transfer here is new has exactly those stored,
   * as given: a chain step need not read them back.
   * @returns the results of {@link insertMany}, the payments of `paymentIds` with transfers
   *   stored before, and the time the inserted rows carry
   */
  async insertReportingStored(
    manager: EntityManager,
    transfers: readonly Transfer[],
    paymentIds: readonly string[],
  ): Promise<StoredTransfers> {
    if (transfers.length === 0) return { recorded: [], withStoredTransfers: new Set(), recordedAt: null };
    // ON CONFLICT DO UPDATE may not touch a row twice in one statement.
    const unique = [...new Map(transfers.map((t) => [keyOf(t), t])).values()];
    const { rows } = await runSql<{
      chain_id: number | null;
      tx_hash: string | null;
      log_index: number | null;
      is_new: boolean | null;
      stored_payment_id: string | null;
      recorded_at: Date | null;
    }>(
      manager,
      // The rows and ids travel as JSON, split by PostgreSQL: serialised in one native call
      // instead of the driver escaping every element of eleven arrays.
      `WITH stored AS (
         SELECT DISTINCT payment_id FROM transfers WHERE payment_id = ANY (ARRAY(SELECT json_array_elements_text($2::json)))
       ),
       recorded AS (
         INSERT INTO transfers (chain_id, tx_hash, log_index, block_number, block_hash, block_timestamp,
                                from_address, to_address, token_address, amount, payment_id, status)
         SELECT *, 'active' FROM json_to_recordset($1::json) AS t (chain_id integer, tx_hash text, log_index integer,
           block_number bigint, block_hash text, block_timestamp timestamptz, from_address text, to_address text,
           token_address text, amount numeric, payment_id text)
         ON CONFLICT ON CONSTRAINT uq_transfers_tx_chain_log DO UPDATE
           SET block_number = EXCLUDED.block_number,
               block_hash = EXCLUDED.block_hash,
               block_timestamp = EXCLUDED.block_timestamp,
               amount = EXCLUDED.amount,
               payment_id = COALESCE(transfers.payment_id, EXCLUDED.payment_id),
               status = 'active',
               updated_at = now()
         RETURNING chain_id, tx_hash, log_index, (xmax = 0) AS is_new
       )
       SELECT chain_id, tx_hash, log_index, is_new, NULL AS stored_payment_id, NULL::timestamptz AS recorded_at FROM recorded
       UNION ALL
       SELECT NULL, NULL, NULL, NULL, payment_id, NULL FROM stored
       UNION ALL
       SELECT NULL, NULL, NULL, NULL, NULL, now()`,
      [
        JSON.stringify(
          unique.map((t) => ({
            chain_id: t.chainId,
            tx_hash: t.txHash,
            log_index: t.logIndex,
            block_number: t.blockNumber.toString(),
            block_hash: t.blockHash,
            block_timestamp: t.blockTimestamp.toISOString(),
            from_address: t.from,
            to_address: t.to,
            token_address: t.tokenAddress,
            amount: t.amount.toString(),
            payment_id: t.paymentId,
          })),
        ),
        JSON.stringify(paymentIds),
      ],
      { prepared: true },
    );
    const isNew = new Map<string, boolean>();
    const withStoredTransfers = new Set<string>();
    let recordedAt: Date | null = null;
    for (const row of rows) {
      if (row.recorded_at !== null) recordedAt = row.recorded_at;
      else if (row.stored_payment_id !== null) withStoredTransfers.add(row.stored_payment_id);
      else isNew.set(keyOf({ chainId: row.chain_id!, txHash: row.tx_hash as Hex, logIndex: row.log_index! }), row.is_new === true);
    }
    const reported = new Set<string>();
    const recorded = transfers.map((transfer) => {
      const key = keyOf(transfer);
      const first = !reported.has(key);
      reported.add(key);
      return { transfer, isNew: first && isNew.get(key) === true };
    });
    return { recorded, withStoredTransfers, recordedAt };
  }

  /** A payment's transfers, active and orphaned, in chain order. */
  async listByPayment(paymentId: string, manager: EntityManager = this.dataSource.manager): Promise<Transfer[]> {
    const rows = await selectRows<TransferRow>(manager, `SELECT ${COLUMNS} FROM transfers WHERE payment_id = $1 ${ORDER}`, [paymentId]);
    return rows.map(toTransfer);
  }

  /**
   * The transfers of several payments, in chain order.
   * @returns a map with an entry (possibly empty) for every requested payment id
   */
  async listByPayments(paymentIds: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Map<string, Transfer[]>> {
    const byPayment = new Map<string, Transfer[]>(paymentIds.map((id) => [id, []]));
    if (paymentIds.length === 0) return byPayment;
    const rows = await selectRows<TransferRow>(
      manager,
      `SELECT ${COLUMNS} FROM transfers WHERE payment_id = ANY ($1::text[]) ${ORDER}`,
      [paymentIds],
    );
    for (const row of rows) byPayment.get(row.payment_id as string)?.push(toTransfer(row));
    return byPayment;
  }

  /**
   * Marks the chain's active transfers in blocks `>= fromBlockNumber` as orphaned (their
   * blocks left the canonical chain in a reorg).
   * @returns the distinct ids of the payments whose transfers were orphaned, to re-evaluate
   */
  async orphanFromBlock(manager: EntityManager, chainId: number, fromBlockNumber: bigint): Promise<string[]> {
    const { rows } = await runSql<{ payment_id: string | null }>(
      manager,
      `UPDATE transfers SET status = 'orphaned', updated_at = now()
       WHERE chain_id = $1 AND block_number >= $2 AND status = 'active'
       RETURNING payment_id`,
      [chainId, fromBlockNumber.toString()],
    );
    return [...new Set(rows.flatMap((row) => (row.payment_id === null ? [] : [row.payment_id])))];
  }
}
