/**
 * Names for the objects of Kassa's API, all taken from the types generated from its OpenAPI
 * document (`generated/openapi.ts`, by openapi-typescript): none is written by hand.
 */
import type { components, paths } from './generated/openapi';

type Schemas = components['schemas'];
type JsonBody<T> = T extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Query<T> = T extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type Payment = Schemas['PaymentResponse'];
export type PaymentOption = Schemas['PaymentOptionResponse'];
export type PaymentLink = Schemas['PaymentLinkResponse'];
export type Refund = Schemas['RefundResponse'];
export type Payout = Schemas['PayoutResponse'];
export type PayoutBatch = Schemas['PayoutBatchResponse'];
export type WebhookEndpoint = Schemas['WebhookEndpointResponse'];
/** An endpoint as created: with its signing secret, shown only then. */
export type WebhookEndpointWithSecret = Schemas['WebhookEndpointWithSecretResponse'];
export type Currency = Schemas['CurrencyResponse'];
export type Delivery = Schemas['DeliveryResponse'];
export type WebhookEndpointTest = Schemas['WebhookEndpointTestResponse'];

/** Body of `POST /v1/payments`: a fixed coin (`amount`, `currency`, `chainId`) or a `price` with `acceptedCurrencies`. */
export type CreatePaymentParams = JsonBody<paths['/v1/payments']['post']>;
export type CreatePaymentLinkParams = JsonBody<paths['/v1/payment-links']['post']>;
export type CreateRefundParams = JsonBody<paths['/v1/payments/{id}/refunds']['post']>;
export type CreatePayoutParams = JsonBody<paths['/v1/payouts']['post']>;
export type CreateWebhookEndpointParams = JsonBody<paths['/v1/webhook-endpoints']['post']>;

/** Filters of the lists; `startingAfter` and `limit` are the iterator's own business but may be given. */
export type PaymentListParams = Query<paths['/v1/payments']['get']>;
export type PaymentLinkListParams = Query<paths['/v1/payment-links']['get']>;
export type RefundListParams = Query<paths['/v1/refunds']['get']>;
export type PayoutListParams = Query<paths['/v1/payouts']['get']>;
export type EventListParams = Query<paths['/v1/events']['get']>;

/** Every event type (docs/webhooks.md). */
export type KassaEventType = Schemas['EventResponse']['type'];

/** What an event of type `T` carries in `data`: the payment, refund or payout as it was then, or the endpoint of a test. */
export type KassaEventData<T extends KassaEventType> = T extends `payment.${string}`
  ? Payment
  : T extends `refund.${string}`
    ? Refund
    : T extends `payout.${string}`
      ? Payout
      : WebhookEndpointTest;

/**
 * An event, as webhooks deliver it and `GET /v1/events` lists it: a union discriminated by
 * `type`, so `if (event.type === 'payment.paid')` narrows `event.data` to a {@link Payment}.
 */
export type KassaEvent = {
  [T in KassaEventType]: Omit<Schemas['EventResponse'], 'type' | 'data'> & { type: T; data: KassaEventData<T> };
}[KassaEventType];

/** One page of a newest-first list (cursor pagination). */
export interface Page<T> {
  object: 'list';
  data: T[];
  hasMore: boolean;
  /** Pass as `startingAfter` for the next page; null on the last. */
  nextCursor: string | null;
}
