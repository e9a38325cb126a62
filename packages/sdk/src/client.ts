import { randomUUID } from 'node:crypto';

import createClient, { type Client } from 'openapi-fetch';

import { KassaApiError } from './errors';
import type { paths } from './generated/openapi';
import { retryingFetch } from './retry';
import type {
  CreatePaymentLinkParams,
  CreatePaymentParams,
  CreatePayoutParams,
  CreateRefundParams,
  CreateWebhookEndpointParams,
  Currency,
  EventListParams,
  KassaEvent,
  Page,
  Payment,
  PaymentLink,
  PaymentLinkListParams,
  PaymentListParams,
  Payout,
  PayoutListParams,
  Refund,
  RefundListParams,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from './types';
import { verifyWebhook, type WebhookHeaders } from './webhooks';

/** Options of {@link Kassa}. */
export interface KassaOptions {
  /** A secret API key, `kassa_sk_...` (sent as `Authorization: Bearer`). */
  apiKey: string;
  /** Kassa's URL, e.g. `https://pay.example.com` (no `/v1`). */
  baseUrl: string;
  /** Retries of a repeatable request on 429, 503, a network error or a timeout; default 3, 0 for none. */
  maxRetries?: number;
  /** The longest wait between two attempts, milliseconds; default 30,000 (a longer `Retry-After` is cut to it). */
  maxRetryDelayMs?: number;
  /** How long one attempt may take, milliseconds; default 30,000. */
  timeoutMs?: number;
  /** The fetch to send with (default the global one); for tests and proxies. */
  fetch?: typeof fetch;
}

/** Options of a create. */
export interface CreateOptions {
  /** The `Idempotency-Key` (1 to 255 printable ASCII characters); default a new UUID per call. Pass your own, e.g. the order id, to make a create safe to repeat across restarts. */
  idempotencyKey?: string;
}

type Answer<T> = { data?: T; error?: unknown; response: Response };

/**
 * Kassa's merchant API (docs/api.md), typed from its OpenAPI document.
 *
 * - Every create sends an `Idempotency-Key` (a new UUID unless given), so a create retried
 *   after a lost answer creates nothing twice.
 * - Repeatable requests (GET, DELETE, and creates, which carry their key) are retried on 429
 *   (waiting as `Retry-After` says), 503 and network errors, with exponential backoff; other
 *   requests (cancel, deactivate) are sent once.
 * - A refusal throws {@link KassaApiError} with the problem's `status`, `code` and `errors`.
 * - `list` methods are async iterators over every page (cursor pagination).
 *
 * @example
 * const kassa = new Kassa({ apiKey: process.env.KASSA_API_KEY!, baseUrl: 'https://pay.example.com' });
 * const payment = await kassa.payments.create({ amount: '25.00', currency: 'USDC', orderId: '1001' });
 * for await (const paid of kassa.payments.list({ status: 'PAID' })) console.log(paid.id);
 */
export class Kassa {
  readonly payments: PaymentsResource;
  readonly paymentLinks: PaymentLinksResource;
  readonly refunds: RefundsResource;
  readonly payouts: PayoutsResource;
  readonly events: EventsResource;
  readonly webhookEndpoints: WebhookEndpointsResource;
  readonly currencies: CurrenciesResource;
  readonly webhooks: WebhooksResource;

  /** The typed OpenAPI client underneath (openapi-fetch), for endpoints this class does not wrap. */
  readonly client: Client<paths>;

  /** @throws TypeError without an API key or a base URL */
  constructor(options: KassaOptions) {
    if (!options.apiKey) throw new TypeError('Kassa: apiKey is required');
    if (!options.baseUrl) throw new TypeError('Kassa: baseUrl is required');
    this.client = createClient<paths>({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      headers: { authorization: `Bearer ${options.apiKey}` },
      fetch: retryingFetch(
        { maxRetries: options.maxRetries ?? 3, maxDelayMs: options.maxRetryDelayMs ?? 30_000, baseDelayMs: 500, timeoutMs: options.timeoutMs ?? 30_000 },
        options.fetch,
      ),
    });
    this.payments = new PaymentsResource(this.client);
    this.paymentLinks = new PaymentLinksResource(this.client);
    this.refunds = new RefundsResource(this.client);
    this.payouts = new PayoutsResource(this.client);
    this.events = new EventsResource(this.client);
    this.webhookEndpoints = new WebhookEndpointsResource(this.client);
    this.currencies = new CurrenciesResource(this.client);
    this.webhooks = new WebhooksResource();
  }
}

/** The body of a 2xx answer. @throws KassaApiError for any other */
async function bodyOf<T>(answer: Promise<Answer<T>>): Promise<T> {
  const { data, error, response } = await answer;
  if (!response.ok) throw KassaApiError.fromAnswer(response.status, error);
  return data as T;
}

/** The `Idempotency-Key` header of a create. */
const keyed = (options: CreateOptions | undefined) => ({ 'idempotency-key': options?.idempotencyKey ?? randomUUID() });

/**
 * Every object of a list, page after page (`startingAfter` = the previous page's `nextCursor`),
 * fetching the next page only when the iteration reaches it.
 */
async function* everyPage<T>(read: (startingAfter: string | undefined) => Promise<Page<T>>, startingAfter?: string): AsyncGenerator<T, void, undefined> {
  let cursor = startingAfter;
  for (;;) {
    const page = await read(cursor);
    yield* page.data;
    if (!page.hasMore || page.nextCursor === null) return;
    cursor = page.nextCursor;
  }
}

/** Payments: `/v1/payments`. */
export class PaymentsResource {
  constructor(private readonly client: Client<paths>) {}

  /** Creates a payment; returns it with its deposit address, `paymentUri` and `checkoutUrl`. @throws KassaApiError (400 naming the fields, 409, 422 quote unavailable) */
  create(params: CreatePaymentParams, options?: CreateOptions): Promise<Payment> {
    return bodyOf(this.client.POST('/v1/payments', { body: params, headers: keyed(options) }));
  }

  /** A payment with its transfers, options, settlement and refunds. @throws KassaApiError 404 */
  get(id: string): Promise<Payment> {
    return bodyOf(this.client.GET('/v1/payments/{id}', { params: { path: { id } } }));
  }

  /** Cancels a CREATED payment. @throws KassaApiError 409 in any other status */
  cancel(id: string): Promise<Payment> {
    return bodyOf(this.client.POST('/v1/payments/{id}/cancel', { params: { path: { id } } }));
  }

  /** One page of payments, newest first. */
  listPage(params: PaymentListParams = {}): Promise<Page<Payment>> {
    return bodyOf(this.client.GET('/v1/payments', { params: { query: params } })) as Promise<Page<Payment>>;
  }

  /** Every payment matching the filters, newest first, across pages. */
  list(params: PaymentListParams = {}): AsyncGenerator<Payment, void, undefined> {
    return everyPage((startingAfter) => this.listPage({ ...params, startingAfter }), params.startingAfter);
  }
}

/** Payment links: `/v1/payment-links` (docs/payment-links.md). */
export class PaymentLinksResource {
  constructor(private readonly client: Client<paths>) {}

  /** Makes a link; its `url` creates a payment at each visit. @throws KassaApiError 400 naming the fields */
  create(params: CreatePaymentLinkParams, options?: CreateOptions): Promise<PaymentLink> {
    return bodyOf(this.client.POST('/v1/payment-links', { body: params, headers: keyed(options) }));
  }

  /** @throws KassaApiError 404 */
  get(id: string): Promise<PaymentLink> {
    return bodyOf(this.client.GET('/v1/payment-links/{id}', { params: { path: { id } } }));
  }

  /** Switches the link off; its payments go on. */
  deactivate(id: string): Promise<PaymentLink> {
    return bodyOf(this.client.POST('/v1/payment-links/{id}/deactivate', { params: { path: { id } } }));
  }

  /** One page of links, newest first (`active`: `'true'` or `'false'`). */
  listPage(params: PaymentLinkListParams = {}): Promise<Page<PaymentLink>> {
    return bodyOf(this.client.GET('/v1/payment-links', { params: { query: params } })) as Promise<Page<PaymentLink>>;
  }

  /** Every link, newest first, across pages. */
  list(params: PaymentLinkListParams = {}): AsyncGenerator<PaymentLink, void, undefined> {
    return everyPage((startingAfter) => this.listPage({ ...params, startingAfter }), params.startingAfter);
  }
}

/** Refunds (docs/refunds.md). */
export class RefundsResource {
  constructor(private readonly client: Client<paths>) {}

  /** Refunds a payment in the coin and on the network it was paid in. @throws KassaApiError 409 `refund_exceeds_received` naming what is left */
  create(paymentId: string, params: CreateRefundParams = {}, options?: CreateOptions): Promise<Refund> {
    return bodyOf(this.client.POST('/v1/payments/{id}/refunds', { params: { path: { id: paymentId } }, body: params, headers: keyed(options) }));
  }

  /** A refund. @throws KassaApiError 404 */
  get(id: string): Promise<Refund> {
    return bodyOf(this.client.GET('/v1/refunds/{id}', { params: { path: { id } } }));
  }

  /** Cancels a refund not sent yet. @throws KassaApiError 409 once it is sent */
  cancel(id: string): Promise<Refund> {
    return bodyOf(this.client.POST('/v1/refunds/{id}/cancel', { params: { path: { id } } }));
  }

  /** One page of refunds, newest first. */
  listPage(params: RefundListParams = {}): Promise<Page<Refund>> {
    return bodyOf(this.client.GET('/v1/refunds', { params: { query: params } })) as Promise<Page<Refund>>;
  }

  /** Every refund matching the filters, newest first, across pages. */
  list(params: RefundListParams = {}): AsyncGenerator<Refund, void, undefined> {
    return everyPage((startingAfter) => this.listPage({ ...params, startingAfter }), params.startingAfter);
  }
}

/** Payouts from the payout wallet (docs/refunds.md). */
export class PayoutsResource {
  constructor(private readonly client: Client<paths>) {}

  /** @throws KassaApiError 422 `payout_limit_exceeded` or `payout_wallet_missing` */
  create(params: CreatePayoutParams, options?: CreateOptions): Promise<Payout> {
    return bodyOf(this.client.POST('/v1/payouts', { body: params, headers: keyed(options) }));
  }

  /** A payout. @throws KassaApiError 404 */
  get(id: string): Promise<Payout> {
    return bodyOf(this.client.GET('/v1/payouts/{id}', { params: { path: { id } } }));
  }

  /** Cancels a payout the worker has not signed yet. @throws KassaApiError 409 after */
  cancel(id: string): Promise<Payout> {
    return bodyOf(this.client.POST('/v1/payouts/{id}/cancel', { params: { path: { id } } }));
  }

  /** One page of payouts, newest first. */
  listPage(params: PayoutListParams = {}): Promise<Page<Payout>> {
    return bodyOf(this.client.GET('/v1/payouts', { params: { query: params } })) as Promise<Page<Payout>>;
  }

  /** Every payout matching the filters, newest first, across pages. */
  list(params: PayoutListParams = {}): AsyncGenerator<Payout, void, undefined> {
    return everyPage((startingAfter) => this.listPage({ ...params, startingAfter }), params.startingAfter);
  }
}

/** Events (docs/webhooks.md): what webhooks delivered, to read back or send again. */
export class EventsResource {
  constructor(private readonly client: Client<paths>) {}

  /** An event, as its webhooks carried it. @throws KassaApiError 404 */
  async get(id: string): Promise<KassaEvent> {
    return (await bodyOf(this.client.GET('/v1/events/{id}', { params: { path: { id } } }))) as KassaEvent;
  }

  /** One page of events, newest first. */
  listPage(params: EventListParams = {}): Promise<Page<KassaEvent>> {
    return bodyOf(this.client.GET('/v1/events', { params: { query: params } })) as Promise<Page<KassaEvent>>;
  }

  /** Every event matching the filters, newest first, across pages. */
  list(params: EventListParams = {}): AsyncGenerator<KassaEvent, void, undefined> {
    return everyPage((startingAfter) => this.listPage({ ...params, startingAfter }), params.startingAfter);
  }
}

/** Webhook endpoints: where Kassa delivers events. */
export class WebhookEndpointsResource {
  constructor(private readonly client: Client<paths>) {}

  /** Registers an endpoint; the answer holds its signing `secret` (`whsec_...`). */
  create(params: CreateWebhookEndpointParams): Promise<WebhookEndpointWithSecret> {
    return bodyOf(this.client.POST('/v1/webhook-endpoints', { body: params }));
  }

  /** The merchant's endpoints (without secrets). */
  async list(): Promise<WebhookEndpoint[]> {
    const answer = await bodyOf(this.client.GET('/v1/webhook-endpoints'));
    return (answer as { data: WebhookEndpoint[] }).data;
  }

  /** Removes an endpoint; nothing more is delivered to it. @throws KassaApiError 404 */
  async delete(id: string): Promise<void> {
    await bodyOf(this.client.DELETE('/v1/webhook-endpoints/{id}', { params: { path: { id } } }));
  }
}

/** The coins and networks Kassa accepts, with their rates. */
export class CurrenciesResource {
  constructor(private readonly client: Client<paths>) {}

  /** Every coin on every configured chain, with its rate where one is known. */
  async list(): Promise<Currency[]> {
    const answer = await bodyOf(this.client.GET('/v1/currencies'));
    return (answer as { data: Currency[] }).data;
  }
}

/** Webhook verification (no API call). */
export class WebhooksResource {
  /**
   * Verifies a webhook and returns its event; see {@link verifyWebhook}.
   * @throws KassaWebhookVerificationError when it does not verify
   */
  verify(body: string | Buffer, headers: WebhookHeaders, secret: string): KassaEvent {
    return verifyWebhook(body, headers, secret);
  }
}
