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

/** The transactional outbox of merchant events (DESIGN.md "Webhooks"). */
@Injectable()
export class EventsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Appends an event and queues one delivery (due at the event's `createdAt`) per enabled
   * endpoint of the merchant subscribed to its type (an endpoint with no `enabled_events`
   * receives every type), in one statement. Call it in the transaction that makes the
   * change the event announces, so both commit or neither does.
   *
   * @throws Error when `type` differs from `payload.type`
   */
  async append(manager: EntityManager, event: NewEvent): Promise<AppendedEvent> {
    if (event.type !== event.payload.type) {
      throw new Error(`Event type ${event.type} does not match its payload's type ${event.payload.type}`);
    }
    const createdAt = new Date(event.payload.createdAt);
    // A data-modifying CTE runs exactly once whatever the outer query returns.
    const { rows } = await runSql<{ id: string }>(
      manager,
      `WITH event AS (
         INSERT INTO events (id, merchant_id, type, payment_id, payload, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id, merchant_id, type, created_at
       )
       INSERT INTO webhook_deliveries (id, event_id, endpoint_id, status, next_attempt_at, created_at, updated_at)
       SELECT kassa_new_id('dlv'), event.id, endpoint.id, 'pending', event.created_at, event.created_at, event.created_at
       FROM event
       JOIN webhook_endpoints AS endpoint ON endpoint.merchant_id = event.merchant_id
       WHERE endpoint.enabled AND (cardinality(endpoint.enabled_events) = 0 OR event.type = ANY (endpoint.enabled_events))
       RETURNING id`,
      [event.payload.id, event.merchantId, event.type, event.paymentId, JSON.stringify(event.payload), createdAt],
    );
    return {
      event: {
        id: event.payload.id,
        merchantId: event.merchantId,
        type: event.type,
        paymentId: event.paymentId,
        payload: event.payload,
        createdAt,
      },
      deliveryIds: rows.map((row) => row.id),
    };
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
