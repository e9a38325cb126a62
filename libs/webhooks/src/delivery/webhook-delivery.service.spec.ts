import { Logger } from '@nestjs/common';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { DataSource } from 'typeorm';

import type { EventType } from '@kassa/domain';
import {
  createDataSourceOptions,
  DeliveriesRepository,
  EventsRepository,
  type Merchant,
  MerchantsRepository,
  type StoredEvent,
  type WebhookEndpoint,
  WebhookEndpointsRepository,
} from '@kassa/persistence';
import { createTestDatabase, eventPayloadFixture, paymentFixture, type ReceiverBehaviour, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';

import { generateWebhookSecret } from '../signing/webhook-signature';
import { DEFAULT_RETRY_POLICY, type RandomSource } from './retry-schedule';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookSender } from './webhook.sender';

const DAY = 24 * 3_600_000;

interface ServiceOptions {
  timeoutMs?: number;
  allowPrivateUrls?: boolean;
  concurrency?: number;
  perEndpointConcurrency?: number;
  random?: RandomSource;
}

describe('WebhookDeliveryService (PostgreSQL, HTTP receivers on 127.0.0.1)', () => {
  let world: DeliveryWorld;

  beforeAll(() => Logger.overrideLogger(['error', 'warn']));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log', 'debug', 'verbose', 'fatal']));
  const receivers: WebhookReceiver[] = [];
  const senders: WebhookSender[] = [];

  beforeEach(async () => {
    world = await openDeliveryWorld();
  });

  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    await Promise.all(senders.splice(0).map((sender) => sender.close()));
    await world.close();
  });

  function deliveryService(options: ServiceOptions = {}, deliveries: DeliveriesRepository = world.deliveries): WebhookDeliveryService {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const sender = new WebhookSender({ timeoutMs, allowPrivateUrls: options.allowPrivateUrls ?? true });
    senders.push(sender);
    return new WebhookDeliveryService(deliveries, sender, {
      concurrency: options.concurrency ?? 16,
      perEndpointConcurrency: options.perEndpointConcurrency ?? 4,
      timeoutMs,
      retryPolicy: DEFAULT_RETRY_POLICY,
      random: options.random ?? (() => 0.5),
    });
  }

  async function receiver(behaviour?: ReceiverBehaviour): Promise<WebhookReceiver> {
    const started = await startWebhookReceiver(behaviour);
    receivers.push(started);
    return started;
  }

  async function deliveryOf(eventId: string) {
    const [delivery] = await world.deliveries.listByEvent(world.merchant.id, eventId);
    if (!delivery) throw new Error(`event ${eventId} has no delivery`);
    return { delivery, attempts: await world.deliveries.listAttempts(world.merchant.id, delivery.id) };
  }

  it('delivers an event with headers that the standardwebhooks library verifies, and logs the attempt', async () => {
    const shop = await receiver(() => ({ status: 200, body: 'ok' }));
    const endpoint = await world.addEndpoint(shop.url);
    const event = await world.appendEvent();

    const summary = await deliveryService().deliverDue();

    expect(summary).toEqual({ claimed: 1, delivered: 1, retried: 0, failed: 0, unrecorded: 0 });
    const [request] = shop.received;
    expect(request!.headers['webhook-id']).toBe(event.id);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe('Kassa-Webhooks/1');
    const verified = new Webhook(endpoint.secret).verify(request!.body, request!.headers as Record<string, string>);
    expect(verified).toEqual(JSON.parse(JSON.stringify(event.payload)));

    const { delivery, attempts } = await deliveryOf(event.id);
    expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 1 });
    expect(attempts).toEqual([
      { attemptNumber: 1, startedAt: expect.any(Date), durationMs: expect.any(Number), statusCode: 200, error: null, responseBody: 'ok' },
    ]);
  });

  it('retries an endpoint that answered 500, with the same webhook-id, and logs both attempts', async () => {
    const shop = await receiver((_request, index) => (index === 0 ? { status: 500, body: 'try later' } : { status: 204 }));
    const endpoint = await world.addEndpoint(shop.url);
    const event = await world.appendEvent();
    const service = deliveryService({ random: () => 0 });

    expect(await service.deliverDue()).toMatchObject({ claimed: 1, retried: 1 });
    const afterFirst = await deliveryOf(event.id);
    expect(afterFirst.delivery.status).toBe('pending');
    // Full jitter drew 0: the next attempt is due after the 1 s floor, not before.
    const waitMs = afterFirst.delivery.nextAttemptAt.getTime() - afterFirst.attempts[0]!.startedAt.getTime();
    expect(waitMs).toBeGreaterThanOrEqual(1_000);
    expect(waitMs).toBeLessThan(2_000);
    expect(await service.deliverDue()).toMatchObject({ claimed: 0 });

    expect(await service.deliverDue(afterFirst.delivery.nextAttemptAt)).toMatchObject({ claimed: 1, delivered: 1 });

    const { delivery, attempts } = await deliveryOf(event.id);
    expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 2 });
    expect(attempts.map(({ attemptNumber, statusCode, error, responseBody }) => ({ attemptNumber, statusCode, error, responseBody }))).toEqual([
      { attemptNumber: 1, statusCode: 500, error: null, responseBody: 'try later' },
      { attemptNumber: 2, statusCode: 204, error: null, responseBody: '' },
    ]);
    expect(shop.received.map((request) => request.headers['webhook-id'])).toEqual([event.id, event.id]);
    const timestamps = shop.received.map((request) => Number(request.headers['webhook-timestamp']));
    expect(timestamps[1]).toBeGreaterThan(timestamps[0]!);
    for (const request of shop.received) {
      expect(() => new Webhook(endpoint.secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
    }
  });

  it('delivers to a healthy endpoint at once while another endpoint hangs until its timeout', async () => {
    const timeoutMs = 3_000;
    const dead = await receiver(() => 'hang');
    const healthy = await receiver(() => ({ status: 200 }));
    await world.addEndpoint(dead.url);
    await world.addEndpoint(healthy.url);
    const event = await world.appendEvent();
    const started = Date.now();

    const run = deliveryService({ timeoutMs }).deliverDue();
    const [received] = await healthy.waitFor(1, timeoutMs);

    expect(received!.receivedAt - started).toBeLessThan(1_000);
    // Both were sent side by side: the dead endpoint holds its own slot, not the healthy one's.
    const [hanging] = await dead.waitFor(1, 1_000);
    expect(hanging!.receivedAt - started).toBeLessThan(1_000);
    const summary = await run;
    expect(Date.now() - started).toBeGreaterThanOrEqual(timeoutMs - 50);
    expect(summary).toEqual({ claimed: 2, delivered: 1, retried: 1, failed: 0, unrecorded: 0 });
    const deliveries = await world.deliveries.listByEvent(world.merchant.id, event.id);
    expect(deliveries.map((d) => [d.url, d.status]).sort()).toEqual([[dead.url, 'pending'], [healthy.url, 'delivered']].sort());
    const deadDelivery = deliveries.find((d) => d.url === dead.url)!;
    expect(await world.deliveries.listAttempts(world.merchant.id, deadDelivery.id)).toEqual([
      expect.objectContaining({ statusCode: null, error: `timed out: no complete response within ${timeoutMs} ms` }),
    ]);
  });

  it('never sends a delivery twice when two workers claim at the same time', async () => {
    const slowShops = await Promise.all([1, 2, 3].map(() => receiver(() => ({ status: 200, delayMs: 20 }))));
    for (const shop of slowShops) await world.addEndpoint(shop.url);
    const events = [];
    const createdAt = new Date(Date.now() - 60_000);
    for (let i = 0; i < 20; i += 1) events.push(await world.appendEvent(new Date(createdAt.getTime() + i)));
    const workerA = deliveryService({ concurrency: 8 });
    const workerB = deliveryService({ concurrency: 8 }, await world.anotherWorker());

    const claimedPerRound: number[] = [];
    for (let round = 0; round < 10; round += 1) {
      const [a, b] = await Promise.all([workerA.deliverDue(), workerB.deliverDue()]);
      claimedPerRound.push(a.claimed, b.claimed);
      if (a.claimed + b.claimed === 0) break;
    }

    const sent = slowShops.flatMap((shop, index) => shop.received.map((request) => `${index}:${String(request.headers['webhook-id'])}`));
    expect(sent).toHaveLength(60);
    expect(new Set(sent).size).toBe(60);
    expect(claimedPerRound.reduce((sum, n) => sum + n, 0)).toBe(60);
    // Both workers took part: the claims really were concurrent.
    expect(claimedPerRound.filter((_n, index) => index % 2 === 1).some((n) => n > 0)).toBe(true);
    expect(await world.deliveries.queueDepth()).toEqual({ pending: 0, delivering: 0 });
  });

  it('signs with both secrets while the previous one is in its grace period after a rotation, then with the new one only', async () => {
    const shop = await receiver(() => ({ status: 200 }));
    const endpoint = await world.addEndpoint(shop.url);
    const newSecret = generateWebhookSecret();
    await world.endpoints.rotateSecret(world.merchant.id, endpoint.id, newSecret, new Date(Date.now() + 3_600_000));
    await world.appendEvent();
    const service = deliveryService();

    await service.deliverDue();

    const duringGrace = shop.received[0]!;
    expect(String(duringGrace.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const headers = duringGrace.headers as Record<string, string>;
    expect(() => new Webhook(endpoint.secret).verify(duringGrace.body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(duringGrace.body, headers)).not.toThrow();

    await world.endpoints.rotateSecret(world.merchant.id, endpoint.id, generateWebhookSecret(), new Date(Date.now() - 1_000));
    const current = (await world.endpoints.findById(world.merchant.id, endpoint.id))!;
    await world.appendEvent();
    await service.deliverDue();

    const afterGrace = shop.received[1]!;
    expect(String(afterGrace.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => new Webhook(current.secret).verify(afterGrace.body, afterGrace.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(afterGrace.body, afterGrace.headers as Record<string, string>)).toThrow(
      WebhookVerificationError,
    );
  });

  it('keeps retrying a failing endpoint until 3 days after the event, then marks the delivery failed', async () => {
    const shop = await receiver(() => ({ status: 503, body: 'maintenance' }));
    await world.addEndpoint(shop.url);
    const eventAt = new Date('2026-11-02T10:00:00.000Z');
    const event = await world.appendEvent(eventAt);
    const service = deliveryService({ random: () => 0.999 });

    expect(await service.deliverDue(eventAt)).toMatchObject({ retried: 1 });
    const nearDeadline = new Date(eventAt.getTime() + 3 * DAY - 2_000);
    expect(await service.deliverDue(nearDeadline)).toMatchObject({ claimed: 1, retried: 1 });
    const lastChance = await deliveryOf(event.id);
    // The last retry is scheduled at the deadline, not past it.
    expect(lastChance.delivery.nextAttemptAt.toISOString()).toBe(new Date(eventAt.getTime() + 3 * DAY).toISOString());

    expect(await service.deliverDue(lastChance.delivery.nextAttemptAt)).toMatchObject({ claimed: 1, failed: 1 });

    const { delivery, attempts } = await deliveryOf(event.id);
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 3 });
    expect(attempts.map((attempt) => attempt.statusCode)).toEqual([503, 503, 503]);
    expect(await service.deliverDue(new Date(eventAt.getTime() + 30 * DAY))).toMatchObject({ claimed: 0 });
    expect(shop.received).toHaveLength(3);
  });

  it('refuses to send to a loopback endpoint when private URLs are not allowed, and logs why', async () => {
    const shop = await receiver(() => ({ status: 200 }));
    await world.addEndpoint(shop.url);
    const event = await world.appendEvent();

    expect(await deliveryService({ allowPrivateUrls: false }).deliverDue()).toMatchObject({ claimed: 1, retried: 1 });

    expect(shop.received).toHaveLength(0);
    const { attempts } = await deliveryOf(event.id);
    expect(attempts[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/^refused: url: must not point to a loopback/) });
  });

  it('one endpoint hangs with a backlog of many deliveries, another endpoint still receives on time', async () => {
    // Long enough that no hanging request times out while the test looks.
    const timeoutMs = 30_000;
    const dead = await receiver(() => 'hang');
    await world.addEndpoint(dead.url);
    const backlogStart = new Date(Date.now() - 3_600_000);
    for (let i = 0; i < 40; i += 1) await world.appendEvent(new Date(backlogStart.getTime() + i * 1000));
    const healthy = await receiver(() => ({ status: 204 }));
    await world.addEndpoint(healthy.url);
    // Newer than the whole backlog: claimed oldest-first without a per-endpoint cap, it would wait behind it.
    const event = await world.appendEvent();

    const run = deliveryService({ timeoutMs, concurrency: 32, perEndpointConcurrency: 4 }).deliverDue();
    await healthy.waitFor(1, 10_000);

    // The healthy endpoint got its event while every request to the dead one was still hanging.
    const backlog = await world.dataSource.query<{ attempts: string }[]>(
      `SELECT count(*) AS attempts FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id
       JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.url = $1`,
      [dead.url],
    );
    expect(Number(backlog[0]!.attempts)).toBe(0);
    expect(healthy.received[0]!.headers['webhook-id']).toBe(event.id);
    await dead.close(); // ends the hanging requests, so the round can finish
    const summary = await run;
    expect(summary).toMatchObject({ claimed: 5, delivered: 1, retried: 4 });
    expect(dead.received.length).toBeLessThanOrEqual(4);
  });

  it('keeps delivering new events to an endpoint whose earlier deliveries failed for good', async () => {
    let up = false;
    const shop = await receiver(() => (up ? { status: 200 } : { status: 503 }));
    await world.addEndpoint(shop.url);
    const oldEventAt = new Date(Date.now() - 4 * DAY);
    const old = await world.appendEvent(oldEventAt);
    const service = deliveryService();

    expect(await service.deliverDue()).toMatchObject({ claimed: 1, failed: 1 });
    up = true;
    const fresh = await world.appendEvent();
    expect(await service.deliverDue()).toMatchObject({ claimed: 1, delivered: 1 });

    expect((await deliveryOf(old.id)).delivery.status).toBe('failed');
    expect((await deliveryOf(fresh.id)).delivery.status).toBe('delivered');
    expect(shop.received.map((request) => request.headers['webhook-id'])).toEqual([old.id, fresh.id]);
  });

  it('gives a manually redelivered old event a full new retry window instead of a single attempt', async () => {
    const shop = await receiver(() => ({ status: 503, body: 'still down' }));
    await world.addEndpoint(shop.url);
    const event = await world.appendEvent(new Date(Date.now() - 10 * DAY));
    const service = deliveryService({ random: () => 0.99 });
    expect(await service.deliverDue()).toMatchObject({ failed: 1 });

    const requestedAt = new Date();
    await world.deliveries.redeliverEvent(world.merchant.id, event.id, requestedAt);
    const summary = await service.deliverDue(requestedAt);

    expect(summary).toMatchObject({ claimed: 1, retried: 1, failed: 0 });
    const { delivery, attempts } = await deliveryOf(event.id);
    expect(delivery.status).toBe('pending');
    // The backoff starts over too: after the window's first failure the wait is at most the 5 s first ceiling.
    expect(delivery.nextAttemptAt.getTime() - attempts[1]!.startedAt.getTime()).toBeLessThanOrEqual(5_000);
    expect(attempts.map((attempt) => attempt.attemptNumber)).toEqual([1, 2]);
  });
});

/**
 * A merchant's world in its own freshly migrated database: one per test, so a test that
 * moves the clock days ahead never claims another test's deliveries.
 */
interface DeliveryWorld {
  url: string;
  dataSource: DataSource;
  merchant: Merchant;
  deliveries: DeliveriesRepository;
  endpoints: WebhookEndpointsRepository;
  events: EventsRepository;
  /** Adds an enabled endpoint (every event type) with a new secret. */
  addEndpoint(url: string): Promise<WebhookEndpoint>;
  /** Appends a `payment.paid` event created at `createdAt`, queuing one delivery per endpoint. */
  appendEvent(createdAt?: Date, type?: EventType): Promise<StoredEvent>;
  /** The delivery queue seen through a connection pool of its own, as another worker process sees it. */
  anotherWorker(): Promise<DeliveriesRepository>;
  close(): Promise<void>;
}

async function openDeliveryWorld(): Promise<DeliveryWorld> {
  const database = await createTestDatabase();
  const dataSource = await new DataSource(createDataSourceOptions(database.url, { poolSize: 6 })).initialize();
  const merchants = new MerchantsRepository(dataSource);
  const endpoints = new WebhookEndpointsRepository(dataSource);
  const events = new EventsRepository(dataSource);
  const pools = [dataSource];
  const merchant = await merchants.create({ name: 'Café Kassa', treasuryAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' });
  return {
    url: database.url,
    dataSource,
    merchant,
    deliveries: new DeliveriesRepository(dataSource),
    endpoints,
    events,
    addEndpoint: (url) => endpoints.create({ merchantId: merchant.id, url, secret: generateWebhookSecret() }),
    async appendEvent(createdAt = new Date(), type = 'payment.paid') {
      const payload = eventPayloadFixture(paymentFixture({ merchantId: merchant.id, status: 'PAID', createdAt }), type, createdAt);
      const [appended] = await dataSource.transaction((manager) =>
        events.append(manager, [{ merchantId: merchant.id, type, paymentId: null, payload }]),
      );
      return appended!.event;
    },
    async anotherWorker() {
      const pool = await new DataSource(createDataSourceOptions(database.url, { poolSize: 6 })).initialize();
      pools.push(pool);
      return new DeliveriesRepository(pool);
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.destroy()));
      await database.drop();
    },
  };
}
