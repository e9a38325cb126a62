import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import { asMerchantId, type EventPayload, type EventType, type MerchantId } from '@kassa/domain';

import { runSql, selectOne, selectRows, SqlConditions } from '../database/sql';

/** An event as stored in the outbox; `payload` is the webhook body, signed on delivery. */
export interface StoredEvent {
  id: string;
  merchantId: MerchantId;
  type: EventType;
  paymentId: string | null;
  payload: EventPayload;
  createdAt: Date;
}

export interface NewEvent {
  merchantId: MerchantId;
  /** Must equal `payload.type`. */
  type: EventType;
  paymentId: string | null;
  /** Built with `buildEventPayload()`: its `id` and `createdAt` become the event's. */
  payload: EventPayload;
}

/** The appended event and the deliveries queued for it. */
export interface AppendedEvent {
  event: StoredEvent;
  /** One per enabled endpoint of the merchant subscribed to the event type. */
  deliveryIds: string[];
}

export interface EventListFilters {
  type?: EventType;
  paymentId?: string;
  createdGte?: Date;
  createdLt?: Date;
  limit: number;
  /** Cursor: the id of the last event of the previous page. */
  startingAfter?: string;
}

interface EventRow {
  id: string;
  merchant_id: string;
  type: EventType;
  payment_id: string | null;
  payload: EventPayload;
  created_at: Date;
}

const COLUMNS = 'id, merchant_id, type, payment_id, payload, created_at';

function toEvent(row: EventRow): StoredEvent {
  return {
    id: row.id,
    merchantId: asMerchantId(row.merchant_id),
    type: row.type,
    paymentId: row.payment_id,
    payload: row.payload,
    createdAt: row.created_at,
  };
}

/**
 * The outbox writer's common table expressions: `event` inserts the events whose columns
 * are the parameters `eventArrays` names (one array per column, see {@link eventColumns}),
 * `deliveries` queues one delivery, due at the event's `createdAt`, per enabled endpoint of
 * the event's merchant subscribed to its type (an endpoint with no `enabled_events`
 * receives every type). Data-modifying CTEs run exactly once, whatever the outer query reads.
 * @param only a condition on the columns of `events` that an event must meet to be written
 *   (an event of a payment the statement did not write is left out), or none
 */
export function outboxCtes(eventArrays: readonly string[], only?: string): string {
  const rows = `unnest(${eventArrays.join(', ')})`;
  return `event AS (
       INSERT INTO events (id, merchant_id, type, payment_id, payload, created_at)
       SELECT * FROM ${only === undefined ? rows : `${rows} AS e (id, merchant_id, type, payment_id, payload, created_at) WHERE ${only}`}
       RETURNING id, merchant_id, type, created_at
     ),
     deliveries AS (
       INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at, retry_window_started_at)
       SELECT kassa_new_id('dlv'), event.id, endpoint.id, 'pending', event.created_at, event.created_at, event.created_at, event.created_at
       FROM event
       JOIN webhook_endpoints AS endpoint ON endpoint.merchant_id = event.merchant_id
       WHERE endpoint.enabled AND (cardinality(endpoint.enabled_events) = 0 OR event.type = ANY (endpoint.enabled_events))
       RETURNING id, event_id
     )`;
}

/**
 * The events' columns, in `events` column order, each as one parameter and the SQL array
 * it stands for (`sql(placeholder)`, an argument of `unnest`). The payloads travel as ONE
 * JSON array, split by PostgreSQL in order: a `jsonb[]` parameter would make the driver
 * escape every quote of every payload into an array literal, the costliest part of
 * appending thousands of events.
 */
export function eventColumns(events: readonly NewEvent[]): { value: unknown; sql: (placeholder: string) => string }[] {
  const array = (type: string) => (placeholder: string) => `${placeholder}::${type}`;
  return [
    { value: events.map((event) => event.payload.id), sql: array('text[]') },
    { value: events.map((event) => event.merchantId), sql: array('text[]') },
    { value: events.map((event) => event.type), sql: array('text[]') },
    { value: events.map((event) => event.paymentId), sql: array('text[]') },
    {
      value: `[${events.map((event) => JSON.stringify(event.payload)).join(',')}]`,
      // Split as json: each element is stored as the text it is (`events.payload` is json).
      sql: (placeholder) => `ARRAY(SELECT payload FROM json_array_elements(${placeholder}::json) WITH ORDINALITY AS p (payload, position) ORDER BY position)`,
    },
    { value: events.map((event) => new Date(event.payload.createdAt)), sql: array('timestamptz[]') },
  ];
}

/** @throws Error when an event's `type` differs from its `payload.type` */
export function assertTypesMatch(events: readonly NewEvent[]): void {
  for (const event of events) {
    if (event.type !== event.payload.type) {
      throw new Error(`Event type ${event.type} does not match its payload's type ${event.payload.type}`);
    }
  }
}

/**
 * Events made ready for the outbox statement ({@link EventsRepository.append}): their types
 * checked and their columns built, the payloads serialised to JSON. Serialising thousands of
 * payloads takes a while: a caller that builds them before it needs the database again can
 * do so while PostgreSQL runs its previous statement (the watcher does, during the update
 * of the payments the events announce).
 * @throws Error when an event's `type` differs from its `payload.type`
 */
export class PreparedEvents {
  readonly columns: ReturnType<typeof eventColumns>;

  constructor(readonly events: readonly NewEvent[]) {
    assertTypesMatch(events);
    this.columns = eventColumns(events);
  }
}

const storedEvent = (event: NewEvent): StoredEvent => ({
  id: event.payload.id,
  merchantId: event.merchantId,
  type: event.type,
  paymentId: event.paymentId,
  payload: event.payload,
  createdAt: new Date(event.payload.createdAt),
});

/**
 * The transactional outbox of merchant events (DESIGN.md "Webhooks"). One writer: every
 * event, of one payment or of a batch of thousands, is appended with its deliveries by the
 * same set-based statement ({@link outboxCtes}; a new payment's insert shares it:
 * `PaymentsRepository.insertAnnounced`).
 */
@Injectable()
export class EventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends events and queues their deliveries in ONE statement, whatever their number (a
   * block follower announces every payment a block changed at once; the scheduler a batch
   * of timeouts). Call it in the transaction that makes the changes the events announce, so
   * both commit or neither does.
   *
   * @param notify a channel to tell, in the same statement, the first event's id
   *   (`pg_notify`, delivered at commit): one notification wakes the delivery workers for
   *   the whole batch
   * @param events the events, or the same made ready beforehand ({@link PreparedEvents})
   * @returns each stored event with the ids of the deliveries queued for it, in input order
   * @throws Error when an event's `type` differs from its `payload.type`
   */
  async append(manager: EntityManager, events: readonly NewEvent[] | PreparedEvents, notify?: string): Promise<AppendedEvent[]> {
    const prepared = events instanceof PreparedEvents ? events : new PreparedEvents(events);
    if (prepared.events.length === 0) return [];
    const { columns } = prepared;
    const params = columns.map((column) => column.value);
    const ctes = outboxCtes(columns.map((column, index) => column.sql(`$${index + 1}`)));
    // With a channel: one row even without deliveries, so the notification is always sent.
    const text =
      notify === undefined
        ? `WITH ${ctes} SELECT id, event_id FROM deliveries`
        : `WITH ${ctes}, notified AS (SELECT pg_notify($${params.push(notify)}, $${params.push(prepared.events[0]!.payload.id)}))
           SELECT deliveries.id, deliveries.event_id FROM notified LEFT JOIN deliveries ON true`;
    const { rows } = await runSql<{ id: string | null; event_id: string | null }>(manager, text, params, { prepared: true });
    const deliveries = new Map<string, string[]>();
    for (const row of rows) {
      if (row.id !== null && row.event_id !== null) deliveries.set(row.event_id, [...(deliveries.get(row.event_id) ?? []), row.id]);
    }
    return prepared.events.map((event) => ({ event: storedEvent(event), deliveryIds: deliveries.get(event.payload.id) ?? [] }));
  }

  /**
   * Stores an event without queueing any delivery (a test event: the caller queues its one
   * delivery with `DeliveriesRepository.redeliverEvent`).
   */
  async insertWithoutDeliveries(manager: EntityManager, event: NewEvent): Promise<StoredEvent> {
    assertTypesMatch([event]);
    await runSql(
      manager,
      `INSERT INTO events (id, merchant_id, type, payment_id, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [event.payload.id, event.merchantId, event.type, event.paymentId, JSON.stringify(event.payload), new Date(event.payload.createdAt)],
    );
    return storedEvent(event);
  }

  /** The merchant's event with this id; another merchant's event is null. */
  async findById(merchantId: MerchantId, id: string): Promise<StoredEvent | null> {
    const row = await selectOne<EventRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM events WHERE merchant_id = $1 AND id = $2`,
      [merchantId, id],
    );
    return row ? toEvent(row) : null;
  }

  /** Any merchant's event with this id: for operators' tools, never for a merchant's request. */
  async findByIdUnscoped(id: string): Promise<StoredEvent | null> {
    const row = await selectOne<EventRow>(this.dataSource.manager, `SELECT ${COLUMNS} FROM events WHERE id = $1`, [id]);
    return row ? toEvent(row) : null;
  }

  /** The merchant's events, newest first, one page. */
  async list(merchantId: MerchantId, filters: EventListFilters): Promise<StoredEvent[]> {
    const where = new SqlConditions().add('merchant_id = ?', merchantId);
    if (filters.type !== undefined) where.add('type = ?', filters.type);
    if (filters.paymentId !== undefined) where.add('payment_id = ?', filters.paymentId);
    if (filters.createdGte !== undefined) where.add('created_at >= ?', filters.createdGte);
    if (filters.createdLt !== undefined) where.add('created_at < ?', filters.createdLt);
    if (filters.startingAfter !== undefined) where.add('id < ?', filters.startingAfter);
    const rows = await selectRows<EventRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM events WHERE ${where} ORDER BY id DESC LIMIT ${where.param(filters.limit)}`,
      where.params,
    );
    return rows.map(toEvent);
  }
}
