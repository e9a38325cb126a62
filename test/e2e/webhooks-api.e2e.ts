import { Webhook, WebhookVerificationError } from 'standardwebhooks';

import type { PaymentObject } from '@kassa/domain';
import { eventually, type ReceivedWebhook, type ReceiverBehaviour, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';

import { useTestKassa } from '@kassa/testing/scenario';

interface Endpoint {
  id: string;
  url: string;
  enabledEvents: string[];
  enabled: boolean;
  secret?: string;
  previousSecretExpiresAt: string | null;
}

interface EventBody {
  id: string;
  object: 'event';
  type: string;
  apiVersion: string;
  createdAt: string;
  data: PaymentObject;
}

interface Attempt {
  attemptNumber: number;
  startedAt: string;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

interface DeliveryView {
  id: string;
  endpointId: string;
  url: string;
  status: string;
  attemptCount: number;
  nextAttemptAt: string | null;
  attempts: Attempt[];
}

type EventWithDeliveries = EventBody & { deliveries: DeliveryView[] };

const headersOf = (webhook: ReceivedWebhook) => webhook.headers as Record<string, string>;

/**
 * The webhook side of a merchant's integration (issue 5): endpoints with their own event
 * types and secrets, rotation, enabling and disabling, the event log with every delivery
 * attempt, and redelivery. The worker delivers to real HTTP receivers.
 */
describe('webhook endpoints and events API', () => {
  const kassa = useTestKassa({ apps: { watcher: false, worker: true } });
  const receivers: WebhookReceiver[] = [];

  afterAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.close()));
  });

  /** A fresh merchant per test, so endpoints and events of other tests never interfere. */
  async function merchant() {
    const { apiKey } = await kassa.createMerchant(`Shop ${Math.random()}`);
    const auth = { authorization: `Bearer ${apiKey}` };
    return {
      request: <T = Record<string, unknown>>(method: string, path: string, body?: unknown) => kassa.request<T>(method, path, body, auth),
    };
  }

  async function receiver(behaviour?: ReceiverBehaviour): Promise<WebhookReceiver> {
    const started = await startWebhookReceiver(behaviour);
    receivers.push(started);
    return started;
  }

  it('delivers to several endpoints, each only the event types it asked for, signed with its own secret shown once', async () => {
    const shop = await merchant();
    const all = await receiver();
    const cancelsOnly = await receiver();
    const a = await shop.request<Endpoint>('POST', '/v1/webhook-endpoints', { url: all.url });
    const b = await shop.request<Endpoint>('POST', '/v1/webhook-endpoints', { url: cancelsOnly.url, enabledEvents: ['payment.canceled'] });
    expect(a.status).toBe(201);
    expect(a.body.secret).toMatch(/^whsec_/);
    expect(b.body.secret).not.toBe(a.body.secret);

    const payment = await shop.request<PaymentObject>('POST', '/v1/payments', { amount: '5', currency: 'USDC' });
    await shop.request('POST', `/v1/payments/${payment.body.id}/cancel`);

    const [created, canceled] = await all.waitFor(2);
    const [onlyCanceled] = await cancelsOnly.waitFor(1);
    const types = [created!, canceled!].map((webhook) => (JSON.parse(webhook.body) as EventBody).type).sort();
    expect(types).toEqual(['payment.canceled', 'payment.created']);
    expect((JSON.parse(onlyCanceled!.body) as EventBody).type).toBe('payment.canceled');
    expect(() => new Webhook(a.body.secret!).verify(created!.body, headersOf(created!))).not.toThrow();
    expect(() => new Webhook(b.body.secret!).verify(onlyCanceled!.body, headersOf(onlyCanceled!))).not.toThrow();
    expect(() => new Webhook(a.body.secret!).verify(onlyCanceled!.body, headersOf(onlyCanceled!))).toThrow(WebhookVerificationError);

    const listed = await shop.request<{ data: Endpoint[] }>('GET', '/v1/webhook-endpoints');
    const one = await shop.request<Endpoint>('GET', `/v1/webhook-endpoints/${a.body.id}`);
    expect(listed.body.data.map((endpoint) => endpoint.id).sort()).toEqual([a.body.id, b.body.id].sort());
    expect(JSON.stringify([listed.body, one.body])).not.toContain('whsec_');
    expect(cancelsOnly.received).toHaveLength(1);
  });

  it('sends nothing to a disabled endpoint; once enabled it gets new events, and a missed one on request', async () => {
    const shop = await merchant();
    const paused = await receiver();
    const live = await receiver();
    const endpoint = await shop.request<Endpoint>('POST', '/v1/webhook-endpoints', { url: paused.url });
    await shop.request('POST', '/v1/webhook-endpoints', { url: live.url });
    const disabled = await shop.request<Endpoint>('PATCH', `/v1/webhook-endpoints/${endpoint.body.id}`, { enabled: false });
    expect(disabled.body.enabled).toBe(false);

    const missed = await shop.request<PaymentObject>('POST', '/v1/payments', { amount: '5', currency: 'USDC' });
    const [delivered] = await live.waitFor(1);
    const missedEventId = String(delivered!.headers['webhook-id']);
    const whileDisabled = await shop.request<EventWithDeliveries>('GET', `/v1/events/${missedEventId}`);
    expect(paused.received).toHaveLength(0);
    expect(whileDisabled.body.deliveries.map((delivery) => delivery.endpointId)).not.toContain(endpoint.body.id);

    await shop.request('PATCH', `/v1/webhook-endpoints/${endpoint.body.id}`, { enabled: true });
    const next = await shop.request<PaymentObject>('POST', '/v1/payments', { amount: '6', currency: 'USDC' });
    const [first] = await paused.waitFor(1);
    expect((JSON.parse(first!.body) as EventBody).data.id).toBe(next.body.id);

    await shop.request('POST', `/v1/events/${missedEventId}/redeliver`, { endpointId: endpoint.body.id });
    const [, backfilled] = await paused.waitFor(2);
    expect(backfilled!.headers['webhook-id']).toBe(missedEventId);
    expect((JSON.parse(backfilled!.body) as EventBody).data.id).toBe(missed.body.id);
  });

  it('signs with both the old and the new secret during the rotation grace period, then with the new one only', async () => {
    const shop = await merchant();
    const server = await receiver();
    const created = await shop.request<Endpoint>('POST', '/v1/webhook-endpoints', { url: server.url });
    const oldSecret = created.body.secret!;

    const rotated = await shop.request<Endpoint>('POST', `/v1/webhook-endpoints/${created.body.id}/rotate-secret`, { gracePeriodSeconds: 3600 });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(oldSecret);
    expect(rotated.body.previousSecretExpiresAt).not.toBeNull();
    await shop.request('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    const [duringGrace] = await server.waitFor(1);
    expect(String(duringGrace!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(duringGrace!.body, headersOf(duringGrace!))).not.toThrow();
    expect(() => new Webhook(rotated.body.secret!).verify(duringGrace!.body, headersOf(duringGrace!))).not.toThrow();

    const again = await shop.request<Endpoint>('POST', `/v1/webhook-endpoints/${created.body.id}/rotate-secret`, { gracePeriodSeconds: 0 });
    expect(again.body.previousSecretExpiresAt).toBeNull();
    await shop.request('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    const [afterGrace] = (await server.waitFor(2)).slice(1);
    expect(String(afterGrace!.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => new Webhook(again.body.secret!).verify(afterGrace!.body, headersOf(afterGrace!))).not.toThrow();
    expect(() => new Webhook(rotated.body.secret!).verify(afterGrace!.body, headersOf(afterGrace!))).toThrow(WebhookVerificationError);
  });

  it('moves an endpoint to a new URL, and deletes it with its deliveries while its events stay', async () => {
    const shop = await merchant();
    const before = await receiver();
    const after = await receiver();
    const endpoint = await shop.request<Endpoint>('POST', '/v1/webhook-endpoints', { url: before.url });

    const moved = await shop.request<Endpoint>('PATCH', `/v1/webhook-endpoints/${endpoint.body.id}`, { url: after.url, enabledEvents: ['payment.created'] });
    expect(moved.body).toMatchObject({ url: after.url, enabledEvents: ['payment.created'] });
    await shop.request('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    const [received] = await after.waitFor(1);
    expect(before.received).toHaveLength(0);

    const deleted = await shop.request('DELETE', `/v1/webhook-endpoints/${endpoint.body.id}`);
    expect(deleted.status).toBe(204);
    expect((await shop.request('GET', `/v1/webhook-endpoints/${endpoint.body.id}`)).status).toBe(404);
    const event = await shop.request<EventWithDeliveries>('GET', `/v1/events/${String(received!.headers['webhook-id'])}`);
    expect(event.status).toBe(200);
    expect(event.body.deliveries).toEqual([]);
  });

  it("answers 404 for another merchant's endpoints and events", async () => {
    const owner = await merchant();
    const stranger = await merchant();
    const server = await receiver();
    const endpoint = await owner.request<Endpoint>('POST', '/v1/webhook-endpoints', { url: server.url });
    await owner.request('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    const [webhook] = await server.waitFor(1);
    const eventId = String(webhook!.headers['webhook-id']);

    for (const [method, path] of [
      ['GET', `/v1/webhook-endpoints/${endpoint.body.id}`],
      ['PATCH', `/v1/webhook-endpoints/${endpoint.body.id}`],
      ['DELETE', `/v1/webhook-endpoints/${endpoint.body.id}`],
      ['POST', `/v1/webhook-endpoints/${endpoint.body.id}/rotate-secret`],
      ['GET', `/v1/events/${eventId}`],
      ['POST', `/v1/events/${eventId}/redeliver`],
    ] as const) {
      const response = await stranger.request(method, path, method === 'PATCH' ? { enabled: false } : undefined);
      expect([method, path, response.status]).toEqual([method, path, 404]);
    }
    expect((await stranger.request<{ data: unknown[] }>('GET', '/v1/events')).body.data).toEqual([]);
    expect((await owner.request<Endpoint>('GET', `/v1/webhook-endpoints/${endpoint.body.id}`)).body.enabled).toBe(true);
  });

  it('lists events newest first, by type and by payment, page by page', async () => {
    const shop = await merchant();
    const payments: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      payments.push((await shop.request<PaymentObject>('POST', '/v1/payments', { amount: '1', currency: 'USDC' })).body.id);
    }
    await shop.request('POST', `/v1/payments/${payments[0]}/cancel`);

    const first = await shop.request<{ data: EventBody[]; hasMore: boolean; nextCursor: string }>('GET', '/v1/events?limit=2');
    const rest = await shop.request<{ data: EventBody[]; hasMore: boolean }>('GET', `/v1/events?limit=10&startingAfter=${first.body.nextCursor}`);
    const all = [...first.body.data, ...rest.body.data];
    expect(first.body.hasMore).toBe(true);
    expect(rest.body.hasMore).toBe(false);
    expect(all.map((event) => event.type)).toEqual(['payment.canceled', 'payment.created', 'payment.created', 'payment.created']);
    expect(all.map((event) => event.id)).toEqual([...all.map((event) => event.id)].sort().reverse());
    expect(all.every((event) => event.object === 'event' && event.apiVersion === '2026-11-01')).toBe(true);

    const canceled = await shop.request<{ data: EventBody[] }>('GET', '/v1/events?type=payment.canceled');
    const ofFirst = await shop.request<{ data: EventBody[] }>('GET', `/v1/events?paymentId=${payments[0]}`);
    expect(canceled.body.data.map((event) => event.data.id)).toEqual([payments[0]]);
    expect(ofFirst.body.data.map((event) => event.type)).toEqual(['payment.canceled', 'payment.created']);
  });

  it('shows every attempt of a delivery: number, time, status code, duration and the start of the answer', async () => {
    const shop = await merchant();
    const answer = `${'busy '.repeat(1000)}`;
    const flaky = await receiver((_request, index) => (index === 0 ? { status: 503, body: answer } : { status: 200, body: 'ok' }));
    await shop.request('POST', '/v1/webhook-endpoints', { url: flaky.url });
    await shop.request('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    // The retry comes after the first backoff (1 to 5 s).
    const [first] = await flaky.waitFor(2, 15_000);
    const eventId = String(first!.headers['webhook-id']);

    const event = await eventually(
      async () => {
        const response = await shop.request<EventWithDeliveries>('GET', `/v1/events/${eventId}`);
        return response.body.deliveries[0]?.status === 'delivered' ? response.body : undefined;
      },
      { what: 'the delivery to be recorded as delivered' },
    );

    const [delivery] = event.deliveries;
    expect(delivery).toMatchObject({ url: flaky.url, status: 'delivered', attemptCount: 2, nextAttemptAt: null });
    expect(delivery!.attempts.map(({ attemptNumber, statusCode }) => [attemptNumber, statusCode])).toEqual([
      [1, 503],
      [2, 200],
    ]);
    expect(delivery!.attempts[0]!.responseBody).toBe(answer.slice(0, 2048));
    expect(delivery!.attempts[1]!.responseBody).toBe('ok');
    for (const attempt of delivery!.attempts) {
      expect(attempt.durationMs).toEqual(expect.any(Number));
      expect(new Date(attempt.startedAt).getTime()).not.toBeNaN();
    }
    expect(event.data.object).toBe('payment');
  });

  it('redelivers an event to every subscribed endpoint, or to one named endpoint, answering 202', async () => {
    const shop = await merchant();
    const one = await receiver();
    const two = await receiver();
    const a = await shop.request<Endpoint>('POST', '/v1/webhook-endpoints', { url: one.url });
    await shop.request('POST', '/v1/webhook-endpoints', { url: two.url });
    await shop.request('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    const [original] = await one.waitFor(1);
    await two.waitFor(1);
    const eventId = String(original!.headers['webhook-id']);
    // An endpoint may have answered before the worker recorded the attempt; redeliver after that.
    const recorded = (attempts: number) =>
      eventually(async () => {
        const { deliveries } = (await shop.request<EventWithDeliveries>('GET', `/v1/events/${eventId}`)).body;
        return deliveries.every((delivery) => delivery.status === 'delivered' && delivery.attemptCount >= attempts) ? true : undefined;
      }, { what: `every delivery of ${eventId} recorded after ${attempts} attempt(s)` });
    await recorded(1);

    const toAll = await shop.request<{ deliveries: { endpointId: string }[] }>('POST', `/v1/events/${eventId}/redeliver`);
    expect(toAll.status).toBe(202);
    expect(toAll.body.deliveries).toHaveLength(2);
    await one.waitFor(2);
    await two.waitFor(2);
    await recorded(2);

    const toOne = await shop.request<{ deliveries: { endpointId: string }[] }>('POST', `/v1/events/${eventId}/redeliver`, { endpointId: a.body.id });
    expect(toOne.status).toBe(202);
    expect(toOne.body.deliveries.map((delivery) => delivery.endpointId)).toEqual([a.body.id]);
    const [, , third] = await one.waitFor(3);
    expect(third!.headers['webhook-id']).toBe(eventId);
    expect(third!.body).toBe(original!.body);

    await shop.request('PATCH', `/v1/webhook-endpoints/${a.body.id}`, { enabled: false });
    const toDisabled = await shop.request<{ code: string }>('POST', `/v1/events/${eventId}/redeliver`, { endpointId: a.body.id });
    expect(toDisabled.status).toBe(409);
    const attempts = await eventually(async () => {
      const delivery = (await shop.request<EventWithDeliveries>('GET', `/v1/events/${eventId}`)).body.deliveries.find((d) => d.endpointId === a.body.id)!;
      return delivery.status === 'delivered' ? delivery : undefined;
    }, { what: 'the third attempt to be recorded' });
    expect(attempts.attempts.map((attempt) => attempt.attemptNumber)).toEqual([1, 2, 3]);
  });
});
