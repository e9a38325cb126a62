import type { PaymentObject } from '../payments/payment-object';
import type { PayoutObject } from '../payouts/payout';
import type { RefundObject } from '../refunds/refund';

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
  'refund.created',
  'refund.sent',
  'refund.confirmed',
  'refund.failed',
  'refund.canceled',
  'payout.created',
  'payout.sent',
  'payout.confirmed',
  'payout.failed',
  'payout.canceled',
  'webhook_endpoint.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Event types of refunds: their `data` is the refund object. */
export type RefundEventType = Extract<EventType, `refund.${string}`>;
/** Event types of payouts: their `data` is the payout object. */
export type PayoutEventType = Extract<EventType, `payout.${string}`>;
/** Event types of payments: their `data` is the payment object. */
export type PaymentEventType = Extract<EventType, `payment.${string}`>;

/**
 * The data of a `webhook_endpoint.test` event: which endpoint it was sent to. Sent to that one
 * endpoint only, when its merchant asks (dashboard, `POST /v1/webhook-endpoints/{id}/test`).
 */
export interface WebhookEndpointTestObject {
  object: 'webhook_endpoint_test';
  /** The endpoint (`we_...`). */
  id: string;
  url: string;
  message: string;
}

/** What an event is about: a payment, a refund or a payout, as the API shows it at the time of the event (or, for a test, the endpoint). */
export type EventData = PaymentObject | RefundObject | PayoutObject | WebhookEndpointTestObject;

/** Version of the event payload schema; bumped only with a documented, additive change. */
export const EVENT_PAYLOAD_VERSION = '2026-11-01';

/**
 * The webhook body: `{ id, object, type, apiVersion, createdAt, data }` where `data` is the
 * payment object (`payment.*`), the refund object (`refund.*`) or the payout object
 * (`payout.*`) at the time of the event; the same JSON
 * that `GET /v1/events/:id` returns, signed per Standard Webhooks on delivery.
 */
export interface EventPayload {
  id: string;
  object: 'event';
  type: EventType;
  apiVersion: string;
  createdAt: string;
  data: EventData;
}

/** Builds an event payload around a snapshot of its object (payment, refund or payout) at the time of the event. */
export function buildEventPayload(id: string, type: EventType, createdAt: Date, data: EventData): EventPayload {
  return { id, object: 'event', type, apiVersion: EVENT_PAYLOAD_VERSION, createdAt: createdAt.toISOString(), data };
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

/**
 * The payment object of a `payment.*` event.
 * @throws Error when the event is about a refund or a payout
 */
export function paymentOfEvent(event: Pick<EventPayload, 'type' | 'data'>): PaymentObject {
  if (event.data.object !== 'payment') throw new Error(`Event ${event.type} is about a ${event.data.object}, not a payment`);
  return event.data;
}
