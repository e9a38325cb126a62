import type { PaymentObject } from '../payments/payment-object';

/** Event types announced to merchants (DESIGN.md "Webhooks"). */
export const EVENT_TYPES = [
  'payment.created',
  'payment.pending',
  'payment.paid',
  'payment.timeout',
  'payment.canceled',
  'payment.late_transfer',
  'payment.reorged',
  'payment.settled',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Version of the event payload schema; bumped only with a documented, additive change. */
export const EVENT_PAYLOAD_VERSION = '2026-11-01';

/**
 * The webhook body: `{ id, object, type, apiVersion, createdAt, data }` where `data` is the
 * payment object at the time of the event; the same JSON
 * that `GET /v1/events/:id` returns, signed per Standard Webhooks on delivery.
 */
export interface EventPayload {
  id: string;
  object: 'event';
  type: EventType;
  apiVersion: string;
  createdAt: string;
  data: PaymentObject;
}

/** Builds an event payload around a snapshot of the payment at the time of the event. */
export function buildEventPayload(id: string, type: EventType, createdAt: Date, payment: PaymentObject): EventPayload {
  return { id, object: 'event', type, apiVersion: EVENT_PAYLOAD_VERSION, createdAt: createdAt.toISOString(), data: payment };
}

/**
 * The event a status change announces, if any: CREATED->PENDING is `payment.pending`, and so
 * on. A return to CREATED (reorg) announces nothing new; merchants see it on the payment.
 */
export function eventForTransition(from: string, to: string): EventType | null {
  if (from === to) return null;
  switch (to) {
    case 'PENDING':
      return 'payment.pending';
    case 'PAID':
      return 'payment.paid';
    case 'TIMEOUT':
      return 'payment.timeout';
    case 'CANCELED':
      return 'payment.canceled';
    default:
      return null;
  }
}
