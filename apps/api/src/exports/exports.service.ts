import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { stringify } from 'csv-stringify';
import { Pool, type PoolClient } from 'pg';
import QueryStream from 'pg-query-stream';
import { DataSource } from 'typeorm';

import type { MerchantId } from '@kassa/domain';
import { dedicatedConnectionConfig } from '@kassa/persistence';

/** What can be exported. */
export const EXPORT_KINDS = ['payments', 'transfers', 'settlements', 'refunds'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

/** The date range of an export: created at or after `from`, before `to`. */
export interface ExportRange {
  from?: Date;
  to?: Date;
}

/** A base-units column as a decimal string in the coin: `trim_scale(amount / 10^decimals)`. */
const coin = (amount: string, decimals: string) => `trim_scale(${amount}::numeric / power(10::numeric, ${decimals}))::text`;

/**
 * The SQL of each export, one row per line, the columns an accountant needs (docs/dashboard.md
 * "Exports"). `$1` is the merchant, `$2` and `$3` the range (null: open). Amounts are decimal
 * strings in the coin; the pricing-currency value is what was received at the quoted rate.
 */
const QUERIES: Record<ExportKind, string> = {
  payments: `
    SELECT p.id AS payment_id, p.created_at, p.status, p.exception, p.chain_id AS network, p.currency,
           p.token_address, ${coin('p.amount', 'p.token_decimals')} AS amount, ${coin('p.amount_received', 'p.token_decimals')} AS amount_received,
           ${coin(`(SELECT coalesce(sum(r.amount), 0) FROM refunds r WHERE r.payment_id = p.id AND r.status NOT IN ('failed', 'canceled'))`, 'p.token_decimals')} AS amount_refunded,
           p.price_amount, p.price_currency, o.rate_value::text AS rate,
           CASE WHEN o.rate_value IS NULL THEN NULL
                ELSE trim_scale(round(p.amount_received::numeric / power(10::numeric, p.token_decimals) * o.rate_value, 8))::text END AS amount_received_in_pricing_currency,
           p.order_id, p.deposit_address,
           (SELECT string_agg(t.tx_hash, ' ' ORDER BY t.id) FROM transfers t WHERE t.payment_id = p.id AND t.status = 'active') AS transfer_tx_hashes,
           s.tx_hash AS settlement_tx_hash,
           CASE WHEN s.gas_used IS NULL THEN NULL ELSE ${coin('s.gas_used * s.effective_gas_price', '18')} END AS settlement_fee_native,
           s.batch_size AS settlement_batch_size,
           p.paid_at, p.finalized_at
    FROM payments p
    LEFT JOIN payment_options o ON o.payment_id = p.id AND o.chain_id = p.chain_id AND o.token_address IS NOT DISTINCT FROM p.token_address
    LEFT JOIN LATERAL (
      SELECT st.mined_tx_hash AS tx_hash, st.gas_used, st.effective_gas_price, st.batch_size
      FROM settlements se JOIN settlement_transactions st ON st.id = se.transaction_id
      WHERE se.payment_id = p.id AND se.status = 'settled' ORDER BY se.id DESC LIMIT 1
    ) s ON true
    WHERE p.merchant_id = $1 AND ($2::timestamptz IS NULL OR p.created_at >= $2) AND ($3::timestamptz IS NULL OR p.created_at < $3)
    ORDER BY p.id`,
  transfers: `
    SELECT t.payment_id, t.chain_id AS network, t.tx_hash, t.log_index, t.block_number, t.block_timestamp, t.from_address, t.to_address,
           coalesce(o.currency, t.token_address, 'native') AS currency, t.token_address,
           CASE WHEN o.token_decimals IS NULL THEN t.amount::text ELSE ${coin('t.amount', 'o.token_decimals')} END AS amount,
           t.amount::text AS amount_base_units, t.status
    FROM transfers t
    JOIN payments p ON p.id = t.payment_id
    LEFT JOIN payment_options o ON o.payment_id = t.payment_id AND o.chain_id = t.chain_id AND lower(o.token_address) IS NOT DISTINCT FROM lower(t.token_address)
    WHERE p.merchant_id = $1 AND ($2::timestamptz IS NULL OR t.block_timestamp >= $2) AND ($3::timestamptz IS NULL OR t.block_timestamp < $3)
    ORDER BY t.id`,
  settlements: `
    SELECT se.id AS settlement_id, se.payment_id, se.chain_id AS network, se.status, se.created_at, se.settled_at, se.deposit_address, se.treasury_address,
           (SELECT string_agg(a.currency || ' ' || ${coin('a.amount', 'a.decimals')}, '; ' ORDER BY a.currency) FROM settlement_amounts a WHERE a.settlement_id = se.id) AS amounts,
           st.mined_tx_hash AS tx_hash, st.gas_used, st.effective_gas_price::text AS effective_gas_price_wei,
           CASE WHEN st.gas_used IS NULL THEN NULL ELSE ${coin('st.gas_used * st.effective_gas_price', '18')} END AS fee_native,
           st.batch_size, se.error
    FROM settlements se LEFT JOIN settlement_transactions st ON st.id = se.transaction_id
    WHERE se.merchant_id = $1 AND ($2::timestamptz IS NULL OR se.created_at >= $2) AND ($3::timestamptz IS NULL OR se.created_at < $3)
    ORDER BY se.id`,
  refunds: `
    SELECT r.id AS refund_id, r.payment_id, r.created_at, r.status, r.method, r.chain_id AS network, r.token_symbol AS currency, r.token_address,
           ${coin('r.amount', 'r.token_decimals')} AS amount, r.amount::text AS amount_base_units, r.address, r.tx_hash, r.block_number,
           r.sent_at, r.confirmed_at, r.reason, r.failure_reason
    FROM refunds r
    WHERE r.merchant_id = $1 AND ($2::timestamptz IS NULL OR r.created_at >= $2) AND ($3::timestamptz IS NULL OR r.created_at < $3)
    ORDER BY r.id`,
};

/** Exports streamed at once; a further one waits for a connection (at most 10 s, then fails). */
const CONCURRENT_EXPORTS = 2;

/**
 * CSV exports for the books (docs/dashboard.md "Exports"): each streamed from PostgreSQL with
 * `pg-query-stream` (a cursor, 500 rows at a time) through `csv-stringify` (RFC 4180 quoting,
 * a header row), so a year of payments never sits in memory. A cursor cannot run on the
 * application's pipelining pool, so exports take their connections from a small pool of
 * their own ({@link CONCURRENT_EXPORTS}), opened at the first export; a connection is held
 * for the export and given back when it ends or fails.
 */
@Injectable()
export class ExportsService implements OnApplicationShutdown {
  private readonly logger = new Logger(ExportsService.name);
  private pool: Pool | undefined;

  constructor(private readonly dataSource: DataSource) {}

  /** The file name an export is offered as: `kassa-<kind>-<from>-<to>.csv`. */
  fileName(kind: ExportKind, range: ExportRange): string {
    const day = (date: Date | undefined, open: string) => (date ? date.toISOString().slice(0, 10) : open);
    return `kassa-${kind}-${day(range.from, 'start')}-to-${day(range.to, 'now')}.csv`;
  }

  /**
   * The CSV of `kind` for the merchant and range, as a stream of text.
   * @throws the pg error when no connection can be had
   */
  async stream(kind: ExportKind, merchantId: MerchantId, range: ExportRange): Promise<Readable> {
    this.pool ??= this.openPool();
    const client: PoolClient = await this.pool.connect();
    const rows = client.query(new QueryStream(QUERIES[kind], [merchantId, range.from ?? null, range.to ?? null], { batchSize: 500 }));
    const csv = stringify({ header: true, cast: { date: (value) => value.toISOString() } });
    const out = new PassThrough();
    pipeline(rows, csv, out)
      .catch((error: unknown) => {
        this.logger.error(`Export of ${kind} for ${merchantId} failed: ${(error as Error).message}`);
        out.destroy(error as Error);
      })
      .finally(() => client.release());
    return out;
  }

  async onApplicationShutdown(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    await pool?.end();
  }

  private openPool(): Pool {
    const pool = new Pool({ ...dedicatedConnectionConfig(this.dataSource, 'kassa-api-exports'), max: CONCURRENT_EXPORTS });
    // An idle connection's error (the server restarted) must not crash the process; the pool drops it.
    pool.on('error', (error) => this.logger.warn(`An idle export connection failed: ${error.message}`));
    return pool;
  }
}
