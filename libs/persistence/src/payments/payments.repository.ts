import { Injectable } from '@nestjs/common';
import Cursor from 'pg-cursor';
import { DataSource, type EntityManager } from 'typeorm';

import { checksumLowercase, isHexAddress } from '@kassa/chain';
import type { Address, MerchantId, Payment, PaymentException, PaymentStatus } from '@kassa/domain';

import { openDedicatedConnection } from '../database/dedicated-connection';
import { runSql, selectOne, selectRows, SqlConditions } from '../database/sql';
import { WriteBatcher } from '../database/write-batcher';
import { assertTypesMatch, eventColumns, type NewEvent, outboxCtes } from '../events/events.repository';
import { claimedKeysCte, type NewIdempotencyRecord } from '../idempotency/idempotency-keys.repository';
import {
  OPTION_COIN_COLUMNS,
  PAYMENT_COLUMN_TYPES,
  PAYMENT_COLUMNS,
  PAYMENT_OPTION_COLUMN_TYPES,
  PAYMENT_OPTION_COLUMNS,
  paymentColumns,
  paymentInsertColumns,
  paymentOptionInsertColumns,
  paymentWithOptionRowsColumns,
  toPayment,
  toPaymentsFromJoinedRows,
  type PaymentRow,
} from './payment-row';

/** Filters of {@link PaymentsRepository.list}: the API's and the dashboard's. */
export interface PaymentListFilters {
  status?: PaymentStatus;
  exception?: PaymentException;
  orderId?: string;
  /** The selected option's coin symbol. */
  currency?: string;
  chainId?: number;
  /** Only the payments created by visits of this payment link. */
  paymentLinkId?: string;
  /** A payment id, an order id, a deposit address or a transaction hash. */
  query?: string;
  /** Created at or after. */
  createdGte?: Date;
  /** Created strictly before. */
  createdLt?: Date;
  /** Page size; the caller bounds it. */
  limit: number;
  /** Cursor: the id of the last payment of the previous page. */
  startingAfter?: string;
}

/** A deposit address the chain watcher must watch, and the token it expects there. */
export interface WatchedAddress {
  paymentId: string;
  chainId: number;
  depositAddress: Address;
  /** ERC-20 contract, or null for the native coin. */
  tokenAddress: Address | null;
  /** Whether one of the payment's options on this chain is the native coin. */
  acceptsNative: boolean;
  /** Confirmations the payment's transfers need (the chain's, when the payment was created). */
  requiredConfirmations: number;
}

export interface WatchedAddressQuery {
  /** Final payments finalized at or after this time stay watched (late transfers). */
  lateWindowStart: Date;
  chainId?: number;
  /** Only payments with a greater id (newer): an incremental refresh after the last seen id. */
  afterPaymentId?: string;
}

/**
 * A state change guarded by the status it was computed from: it applies only when the
 * payment still has `expectedStatus` (optimistic concurrency between api, watcher and
 * scheduler). Omitted fields keep their value.
 */
export interface PaymentStateChange {
  id: string;
  expectedStatus: PaymentStatus;
  status?: PaymentStatus;
  exception?: PaymentException | null;
  /** Base units. */
  amountReceived?: bigint;
  paidAt?: Date | null;
  finalizedAt?: Date | null;
  /**
   * The option the payment now stands on (`payment_options.id` of this payment): its coin
   * columns (chain, token, amounts, addresses, confirmations) become the payment's. Omitted
   * or null: unchanged.
   */
  optionId?: string | null;
}

/** A complete new state for {@link PaymentsRepository.updateStates} (set-based, every field but the option given). */
export type PaymentState = Required<Omit<PaymentStateChange, 'optionId'>> & Pick<PaymentStateChange, 'optionId'>;

/** Assignments of the payment columns an option sets (see {@link PaymentStateChange.optionId}), from `payment_options` alias `o`. */
const FROM_OPTION = OPTION_COIN_COLUMNS.map((column) => `${column} = CASE WHEN o.id IS NULL THEN p.${column} ELSE o.${column} END`).join(', ');

const OPEN_STATUSES = `('CREATED', 'PENDING')`;

const CHANGE_COLUMNS = {
  status: 'status',
  exception: 'exception',
  amountReceived: 'amount_received',
  paidAt: 'paid_at',
  finalizedAt: 'finalized_at',
} as const;

/**
 * How creates outside a transaction are grouped ({@link PaymentsRepository.insertAnnounced}):
 * statements running at once per process, creates per statement.
 */
export const CREATE_BATCH_LIMITS = { maxInFlight: 2, maxBatchSize: 50 } as const;

/**
 * Whether a failed statement may have failed because of one of its rows: PostgreSQL's
 * SQLSTATE classes 22 (data exception) and 23 (integrity constraint violation)
 * (postgresql.org/docs/current/errcodes-appendix.html).
 */
function isDataError(error: unknown): boolean {
  const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** Payments. Reads a merchant makes are scoped by `merchantId`; `*Unscoped` ones are for checkout and daemons. */
@Injectable()
export class PaymentsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Per database (its default manager), the creates written together outside a transaction. */
  private readonly createBatches = new WeakMap<EntityManager, WriteBatcher<AnnouncedPayment, boolean>>();

  /**
   * Inserts a new payment with the event announcing it, queues that event's deliveries (the
   * outbox writer's statement, `EventsRepository.append`), sends its notifications and, with
   * an idempotency key, remembers the answer for the key: all in ONE statement, atomic on its
   * own (a single statement is a transaction), so creating a payment costs one round trip to
   * the database instead of a transaction's six or more.
   *
   * Inside a transaction it runs there, as any statement. Outside one, the creates that
   * arrive while earlier ones are being written go together in one statement
   * ({@link WriteBatcher}, at most {@link CREATE_BATCH_LIMITS}): under load a create shares its
   * statement and its commit with others, when idle it is written at once. Each create still
   * succeeds or fails on its own (a batch that breaks a constraint is written again create by
   * create); it returns once its payment is committed.
   *
   * @returns true when the payment was written; false only with an idempotency key its
   *   merchant had already used (nothing of this create is written then: answer with the
   *   stored record)
   * @throws Error when `event.paymentId` is not the payment's id or the types differ; the
   *   database error on a constraint violation (nothing is written then)
   */
  async insertAnnounced(manager: EntityManager, announced: AnnouncedPayment): Promise<boolean> {
    assertAnnounces([announced]); // now, before it joins a batch
    if (manager.queryRunner !== undefined) return (await this.writeAnnounced(manager, [announced]))[0]!;
    let batcher = this.createBatches.get(manager);
    if (batcher === undefined) {
      batcher = new WriteBatcher((batch) => this.writeAnnounced(manager, batch), { ...CREATE_BATCH_LIMITS, mayBeCausedByItem: isDataError });
      this.createBatches.set(manager, batcher);
    }
    return batcher.add(announced);
  }

  /** Writes the creates in one statement; for each, whether its payment was written. */
  private async writeAnnounced(manager: EntityManager, payments: readonly AnnouncedPayment[]): Promise<boolean[]> {
    const statement = insertAnnouncedStatement(payments);
    // Prepared: planning this statement cost PostgreSQL as much CPU as running it.
    const { written } = (await selectOne<{ written: string[] }>(manager, statement.text, statement.params, { prepared: true }))!;
    const writtenIds = new Set(written);
    return payments.map(({ payment }) => writtenIds.has(payment.id));
  }

  /** The merchant's payment with this id; another merchant's payment is null. */
  async findById(merchantId: MerchantId, id: string, manager: EntityManager = this.dataSource.manager): Promise<Payment | null> {
    const row = await selectOne<PaymentRow>(
      manager,
      `SELECT ${paymentColumns()} FROM payments WHERE merchant_id = $1 AND id = $2`,
      [merchantId, id],
    );
    return row ? toPayment(row) : null;
  }

  /**
   * Any merchant's payment with this id: for the public checkout page (the id is the
   * capability) and for the watcher and scheduler. Never answer a merchant with it.
   */
  async findByIdUnscoped(id: string, manager: EntityManager = this.dataSource.manager): Promise<Payment | null> {
    const row = await selectOne<PaymentRow>(manager, `SELECT ${paymentColumns()} FROM payments WHERE id = $1`, [id]);
    return row ? toPayment(row) : null;
  }

  /** Payments with these ids, of any merchant, in no particular order (watcher, scheduler). */
  async findManyByIdsUnscoped(ids: readonly string[], manager: EntityManager = this.dataSource.manager): Promise<Payment[]> {
    if (ids.length === 0) return [];
    const rows = await selectRows<PaymentRow>(
      manager,
      `SELECT ${paymentColumns()} FROM payments WHERE id = ANY ($1::text[])`,
      [ids],
    );
    return rows.map(toPayment);
  }

  /**
   * Locks these payments for evaluation and returns them as they stand (DESIGN.md "Trusting
   * the chain": one writer at a time per payment). Call it inside the transaction that will
   * write their new state, BEFORE reading their transfers and the chain cursors: a second
   * evaluator (another chain's watcher, the scheduler, settlement) waits here until the
   * first commits, then reads what it wrote. Rows are locked in id order, so evaluators that
   * lock overlapping sets cannot deadlock; `FOR NO KEY UPDATE` leaves inserts of transfers
   * and events (which take `KEY SHARE` on the payment through their foreign keys) free.
   * @param withTransfersFrom also every payment with an active transfer on this chain in
   *   this block or later (a chain step's young and orphaned transfers), found in the same
   *   statement
   * @returns the payments found, ordered by id
   */
  async lockForEvaluation(
    ids: readonly string[],
    manager: EntityManager,
    withTransfersFrom?: { chainId: number; fromBlock: bigint },
  ): Promise<Payment[]> {
    if (ids.length === 0 && withTransfersFrom === undefined) return [];
    const params: unknown[] = [ids];
    const young =
      withTransfersFrom === undefined
        ? ''
        : `UNION SELECT payment_id FROM transfers
           WHERE chain_id = $${params.push(withTransfersFrom.chainId)} AND block_number >= $${params.push(withTransfersFrom.fromBlock.toString())}
             AND status = 'active' AND payment_id IS NOT NULL`;
    const rows = await selectRows<Record<string, unknown>>(
      manager,
      // The ids as one array (computed once): the primary key index then finds the rows in id
      // order; an IN (subquery) let the planner scan every payment and sort the rows found.
      // The options are joined as rows, cheaper than built as JSON for thousands of payments.
      `SELECT ${paymentWithOptionRowsColumns()}
       FROM payments AS p LEFT JOIN payment_options AS o ON o.payment_id = p.id
       WHERE p.id = ANY (ARRAY(SELECT unnest($1::text[]) ${young}))
       ORDER BY p.id, o.position FOR NO KEY UPDATE OF p`,
      params,
      { prepared: true },
    );
    return toPaymentsFromJoinedRows(rows);
  }

  /**
   * True when `address` (checksummed, as Kassa stores them) is the deposit address of any
   * payment, of any merchant, on any chain: such an address can only forward to a treasury,
   * so money sent there never reaches a customer.
   */
  async isDepositAddress(address: Address, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const row = await selectOne(
      manager,
      `SELECT 1 FROM payments WHERE deposit_address = $1 UNION ALL SELECT 1 FROM payment_options WHERE deposit_address = $1 LIMIT 1`,
      [address],
    );
    return row !== null;
  }

  /**
   * The merchant's payments, newest first (ids are time-ordered ULIDs), one keyset page
   * (`id < startingAfter`, constant time at any depth): `GET /v1/payments` and the dashboard's
   * list (docs/dashboard.md). Filtered by status, exception, order id, coin (the selected
   * option's), chain and creation time, and searched by payment id, order id, deposit address
   * or the hash of a transaction that paid it.
   */
  async list(merchantId: MerchantId, filters: PaymentListFilters): Promise<Payment[]> {
    const where = new SqlConditions().add('merchant_id = ?', merchantId);
    if (filters.status !== undefined) where.add('status = ?', filters.status);
    if (filters.orderId !== undefined) where.add('order_id = ?', filters.orderId);
    if (filters.exception !== undefined) where.add('exception = ?', filters.exception);
    if (filters.currency !== undefined) where.add('upper(currency) = upper(?)', filters.currency);
    if (filters.chainId !== undefined) where.add('chain_id = ?', filters.chainId);
    if (filters.paymentLinkId !== undefined) where.add('payment_link_id = ?', filters.paymentLinkId);
    if (filters.createdGte !== undefined) where.add('created_at >= ?', filters.createdGte);
    if (filters.createdLt !== undefined) where.add('created_at < ?', filters.createdLt);
    if (filters.query !== undefined) {
      // One indexed lookup per kind of key, never a filter over the merchant's payments.
      const query = where.param(filters.query);
      where.add(
        `id IN (SELECT id FROM payments WHERE id = ${query}
                UNION ALL SELECT id FROM payments WHERE merchant_id = ${where.param(merchantId)} AND order_id = ${query}
                UNION ALL SELECT id FROM payments WHERE deposit_address = ANY(?)
                UNION ALL SELECT payment_id FROM transfers WHERE tx_hash = lower(${query}) AND payment_id IS NOT NULL)`,
        depositAddressForms(filters.query),
      );
    }
    if (filters.startingAfter !== undefined) where.add('id < ?', filters.startingAfter);
    const rows = await selectRows<PaymentRow>(
      this.dataSource.manager,
      `SELECT ${paymentColumns()} FROM payments WHERE ${where} ORDER BY id DESC LIMIT ${where.param(filters.limit)}`,
      where.params,
    );
    return rows.map(toPayment);
  }

  /**
   * Deposit addresses to watch: every open payment (CREATED, PENDING) and every final one
   * finalized at or after `lateWindowStart` (DESIGN.md: late transfers are recorded for a
   * watch window). Ordered by payment id.
   */
  async watchedAddresses(query: WatchedAddressQuery): Promise<WatchedAddress[]> {
    const { text, params } = watchedAddressesSql(query);
    return (await selectRows<WatchedAddressRow>(this.dataSource.manager, text, params)).map(toWatchedAddress);
  }

  /**
   * {@link watchedAddresses} in batches: one statement (one snapshot) read through a cursor
   * (`pg-cursor`) on a connection of its own, `batchSize` rows at a time, the connection
   * closed when the reader is done or stops. A reader that uses each batch as it comes never
   * holds a million rows beside what it builds from them, and other work of its process
   * runs between two batches. (The pooled connections may pipeline, which a cursor cannot.)
   * @returns the batches, in the order of {@link watchedAddresses}; none is empty
   * @throws the pg error when the connection cannot be opened or the read fails
   */
  async *watchedAddressBatches(query: WatchedAddressQuery, batchSize: number): AsyncGenerator<WatchedAddress[]> {
    const { text, params } = watchedAddressesSql(query);
    const client = await openDedicatedConnection(this.dataSource, 'kassa-watched-addresses');
    try {
      const cursor = client.query(new Cursor<WatchedAddressRow>(text, params));
      for (let rows = await cursor.read(batchSize); rows.length > 0; rows = await cursor.read(batchSize)) yield rows.map(toWatchedAddress);
    } finally {
      // A connection the read lost may fail to close too: the read's error is the one to throw.
      await client.end().catch(() => undefined);
    }
  }

  /** Open payments whose deadline is at or before `now`, earliest deadline first (scheduler). */
  async listOpenPastDeadline(now: Date, limit: number, manager: EntityManager = this.dataSource.manager): Promise<Payment[]> {
    const rows = await selectRows<PaymentRow>(
      manager,
      `SELECT ${paymentColumns()} FROM payments
       WHERE status IN ${OPEN_STATUSES} AND expires_at <= $1
       ORDER BY expires_at LIMIT $2`,
      [now, limit],
    );
    return rows.map(toPayment);
  }

  /**
   * Applies a state change if the payment still has `change.expectedStatus`.
   * @returns whether the payment changed (false: it moved on meanwhile, or does not exist)
   */
  async updateState(change: PaymentStateChange, manager: EntityManager = this.dataSource.manager): Promise<boolean> {
    const params: unknown[] = [change.id, change.expectedStatus];
    const assignments = ['updated_at = now()'];
    for (const [field, column] of Object.entries(CHANGE_COLUMNS) as [keyof typeof CHANGE_COLUMNS, string][]) {
      const value = change[field];
      if (value === undefined) continue;
      params.push(typeof value === 'bigint' ? value.toString() : value);
      assignments.push(`${column} = $${params.length}`);
    }
    params.push(change.optionId ?? null);
    const { rowCount } = await runSql(
      manager,
      `UPDATE payments AS p SET ${assignments.join(', ')}, ${FROM_OPTION}
       FROM (SELECT 1) AS one LEFT JOIN payment_options o ON o.id = $${params.length} AND o.payment_id = $1
       WHERE p.id = $1 AND p.status = $2`,
      params,
    );
    return rowCount > 0;
  }

  /**
   * Applies many complete state changes in one statement (e.g. the scheduler's expiry
   * batch), each guarded by its `expectedStatus`.
   * @returns the ids of the payments that changed
   */
  async updateStates(changes: readonly PaymentState[], manager: EntityManager = this.dataSource.manager): Promise<string[]> {
    if (changes.length === 0) return [];
    const { rows } = await runSql<{ id: string }>(
      manager,
      `UPDATE payments AS p
       SET status = c.status, exception = c.exception, amount_received = c.amount_received,
           paid_at = c.paid_at, finalized_at = c.finalized_at, updated_at = now(), ${FROM_OPTION}
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::timestamptz[], $7::timestamptz[], $8::text[])
         AS c (id, expected_status, status, exception, amount_received, paid_at, finalized_at, option_id)
         LEFT JOIN payment_options o ON o.id = c.option_id AND o.payment_id = c.id
       WHERE p.id = c.id AND p.status = c.expected_status
         -- Repeated as an array condition so the payments are found through the primary key,
         -- not by a merge join that walks the whole index.
         AND p.id = ANY ($1::text[])
       RETURNING p.id`,
      [
        changes.map((c) => c.id),
        changes.map((c) => c.expectedStatus),
        changes.map((c) => c.status),
        changes.map((c) => c.exception),
        changes.map((c) => c.amountReceived.toString()),
        changes.map((c) => c.paidAt),
        changes.map((c) => c.finalizedAt),
        changes.map((c) => c.optionId ?? null),
      ],
      { prepared: true },
    );
    return rows.map((row) => row.id);
  }
}

interface WatchedAddressRow {
  id: string;
  chain_id: number;
  deposit_address: string;
  token_address: string | null;
  required_confirmations: number;
  accepts_native: boolean;
}

/** The statement of {@link PaymentsRepository.watchedAddresses}, ordered by payment id. */
function watchedAddressesSql(query: WatchedAddressQuery): { text: string; params: unknown[] } {
  const where = new SqlConditions().add(`(p.status IN ${OPEN_STATUSES} OR p.finalized_at >= ?)`, query.lateWindowStart);
  if (query.chainId !== undefined) where.add('o.chain_id = ?', query.chainId);
  if (query.afterPaymentId !== undefined) where.add('p.id > ?', query.afterPaymentId);
  // One row per payment and chain: a payment's options on one chain share its deposit address there.
  const text = `SELECT DISTINCT ON (p.id, o.chain_id) p.id, o.chain_id, o.deposit_address, o.token_address, o.required_confirmations,
           bool_or(o.token_address IS NULL) OVER (PARTITION BY p.id, o.chain_id) AS accepts_native
    FROM payments p JOIN payment_options o ON o.payment_id = p.id
    WHERE ${where} ORDER BY p.id, o.chain_id, o.required_confirmations DESC`;
  return { text, params: where.params };
}

const toWatchedAddress = (row: WatchedAddressRow): WatchedAddress => ({
  paymentId: row.id,
  chainId: row.chain_id,
  depositAddress: row.deposit_address as Address,
  tokenAddress: row.token_address as Address | null,
  requiredConfirmations: row.required_confirmations,
  acceptsNative: row.accepts_native,
});

/**
 * SQL that gives payments without options their own coin as their one option (as the
 * migration did for payments created before options existed). `$1`: the payment ids
 * (text[]), or null for every payment without options.
 */
export const OWN_PAYMENT_OPTIONS_SQL = `
  INSERT INTO payment_options (id, payment_id, position, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
                               required_confirmations, deposit_address, treasury_address, factory_address)
  SELECT 'opt_' || substr(p.id, 5), p.id, 0, p.chain_id, p.currency, p.token_address, p.token_decimals, p.amount, p.amount_minimum,
         p.required_confirmations, p.deposit_address, p.treasury_address, p.factory_address
  FROM payments p
  WHERE ($1::text[] IS NULL OR p.id = ANY ($1::text[]))
    AND NOT EXISTS (SELECT 1 FROM payment_options o WHERE o.payment_id = p.id)`;

/**
 * Runs {@link OWN_PAYMENT_OPTIONS_SQL}: for payments written by bulk SQL, such as seeding
 * many open payments at once in a test or benchmark.
 * @param ids only these payments; default every payment without options
 * @returns how many options were added
 */
export async function addOwnPaymentOptions(manager: EntityManager, ids?: readonly string[]): Promise<number> {
  const { rowCount } = await runSql(manager, OWN_PAYMENT_OPTIONS_SQL, [ids ?? null]);
  return rowCount;
}

/**
 * The forms a deposit address searched for may be stored in: as typed, and for 20 bytes of
 * hex also lowercase and EIP-55 checksummed (https://eips.ethereum.org/EIPS/eip-55), the form
 * the API stores. An exact match on these finds any letter case of a stored address, as
 * long as it is stored in one of those forms, while using the column's unique index.
 */
function depositAddressForms(query: string): string[] {
  const lowercase = query.toLowerCase();
  if (!isHexAddress(lowercase)) return [query];
  return [...new Set([query, lowercase, checksumLowercase(lowercase)])];
}

/** A new payment with the event announcing it and the notifications its commit sends. */
export interface AnnouncedPayment {
  payment: Payment;
  /** Its `payment.created` event (or another type announcing it), for `payment.id`. */
  event: NewEvent;
  /** `pg_notify(channel, payload)` calls, delivered at commit. */
  notifications?: readonly { channel: string; payload: string }[];
  /**
   * The answer to remember for the request's `Idempotency-Key` (Stripe-style idempotency):
   * stored with the payment, and the payment is written only when the key is new for its
   * merchant (another request with the key came first otherwise).
   */
  idempotency?: Omit<NewIdempotencyRecord, 'merchantId' | 'resourceId'>;
}

/** @throws Error when an event's `paymentId` is not its payment's id or its types differ */
function assertAnnounces(payments: readonly AnnouncedPayment[]): void {
  for (const { payment, event } of payments) {
    if (event.paymentId !== payment.id) throw new Error(`Event ${event.type} for ${event.paymentId} does not announce payment ${payment.id}`);
  }
  assertTypesMatch(payments.map(({ event }) => event));
}

/**
 * The one statement of {@link PaymentsRepository.insertAnnounced}: any number of payments with
 * their options, their events with the events' deliveries, and their notifications. Every
 * column travels as one array parameter, so the text is the same for one payment or fifty and
 * is prepared once per connection (one text without idempotency keys, one with). With keys,
 * a payment whose key its merchant already used is left out with its options, event and
 * notifications, and the statement's `written` column lists the ids of the payments written.
 * Exported so the API benchmark's baseline runs exactly this SQL.
 * @throws Error when an event's `paymentId` is not its payment's id or its types differ
 */
export function insertAnnouncedStatement(payments: readonly AnnouncedPayment[]): { text: string; params: unknown[] } {
  assertAnnounces(payments);
  const events = payments.map(({ event }) => event);
  const notifications = payments.flatMap(({ payment, notifications: sent = [] }) => sent.map((notification) => ({ ...notification, paymentId: payment.id })));
  const keyed = payments.flatMap(({ payment, idempotency }) => (idempotency ? [{ ...idempotency, merchantId: payment.merchantId, resourceId: payment.id }] : []));
  const params: unknown[] = [];
  const at = (value: unknown) => `$${params.push(value)}`;
  // With keys, a payment is written when it has no key or its key was claimed, and the rest follow their payment.
  const claimed = keyed.length > 0 ? `${claimedKeysCte(keyed, at)},` : '';
  const unkeyedOrClaimed = keyed.length > 0 ? `p.id <> ALL (${at(keyed.map(({ resourceId }) => resourceId))}::text[]) OR p.id IN (SELECT resource_id FROM claimed)` : undefined;
  const ofWrittenPayment = (paymentId: string) => (keyed.length > 0 ? `${paymentId} IN (SELECT id FROM payment)` : undefined);
  const where = (condition: string | undefined) => (condition === undefined ? '' : `WHERE ${condition}`);
  const rows = payments.map(({ payment }) => payment);
  const paymentArrays = paymentInsertColumns(rows).map((values, index) => `${at(values)}::${PAYMENT_COLUMN_TYPES[index]}[]`);
  const optionArrays = paymentOptionInsertColumns(rows).map((values, index) => `${at(values)}::${PAYMENT_OPTION_COLUMN_TYPES[index]}[]`);
  const eventArrays = eventColumns(events).map((column) => column.sql(at(column.value)));
  const notificationArrays = [at(notifications.map(({ channel }) => channel)), at(notifications.map(({ payload }) => payload)), at(notifications.map(({ paymentId }) => paymentId))];
  return {
    text: `WITH ${claimed}
       payment AS (
         INSERT INTO payments (${PAYMENT_COLUMNS.join(', ')})
         SELECT * FROM unnest(${paymentArrays.join(', ')}) AS p (${PAYMENT_COLUMNS.join(', ')}) ${where(unkeyedOrClaimed)}
         RETURNING id
       ),
       options AS (
         INSERT INTO payment_options (${PAYMENT_OPTION_COLUMNS.join(', ')})
         SELECT * FROM unnest(${optionArrays.join(', ')}) AS o (${PAYMENT_OPTION_COLUMNS.join(', ')}) ${where(ofWrittenPayment('o.payment_id'))}
         RETURNING id
       ),
       ${outboxCtes(eventArrays, ofWrittenPayment('e.payment_id'))}
       SELECT (SELECT count(*) FROM payment) AS payments, (SELECT count(*) FROM options) AS options,
              (SELECT count(*) FROM deliveries) AS deliveries,
              (SELECT count(pg_notify(channel, payload))
                 FROM unnest(${notificationArrays.map((array) => `${array}::text[]`).join(', ')}) AS notification (channel, payload, payment_id)
                 ${where(ofWrittenPayment('notification.payment_id'))}) AS notifications,
              ARRAY(SELECT id FROM payment) AS written`,
    params,
  };
}
