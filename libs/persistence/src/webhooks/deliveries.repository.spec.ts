import type { EntityManager } from 'typeorm';

import type { MerchantId, Payment } from '@kassa/domain';
import { eventPayloadFixture, paymentFixture, randomAddress, storePayment, useTestDatabase } from '@kassa/testing';

import { EventsRepository } from '../events/events.repository';
import { MerchantsRepository } from '../merchants/merchants.repository';
import { DeliveriesRepository, MAX_RESPONSE_BODY_BYTES, type ClaimedDelivery } from './deliveries.repository';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';

const LEASE_MS = 60_000;

describe('DeliveriesRepository', () => {
  const db = useTestDatabase();
  let deliveries: DeliveriesRepository;
  let events: EventsRepository;
  let endpoints: WebhookEndpointsRepository;

  beforeAll(() => {
    deliveries = new DeliveriesRepository(db.dataSource);
    events = new EventsRepository(db.dataSource);
    endpoints = new WebhookEndpointsRepository(db.dataSource);
  });

  // Every test starts with an empty queue: a claim takes whatever is due, whoever queued it.
  beforeEach(async () => {
    await db.dataSource.query('TRUNCATE webhook_attempts, webhook_deliveries');
  });

  /** A merchant with one endpoint and `count` events, each with one delivery due at `createdAt`. */
  async function merchantWithEvents(count: number, createdAt: Date): Promise<{ merchantId: MerchantId; payment: Payment; eventIds: string[] }> {
    const merchantId = (await new MerchantsRepository(db.dataSource).create({ name: 'Shop', treasuryAddress: randomAddress() })).id;
    // Stored before the endpoint exists: its payment.created event queues no delivery.
    const payment = paymentFixture({ merchantId });
    await storePayment(db.dataSource.manager, payment);
    await endpoints.create({ merchantId, url: 'https://shop.example/hook', secret: 'whsec_c2VjcmV0' });
    const eventIds = await db.dataSource.transaction(async (manager) => {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 1) {
        const payload = eventPayloadFixture(payment, 'payment.created', createdAt);
        const [appended] = await events.append(manager, [{ merchantId, type: 'payment.created', paymentId: payment.id, payload }]);
        ids.push(appended!.event.id);
      }
      return ids;
    });
    return { merchantId, payment, eventIds };
  }

  /** Claims with no per-endpoint cap in effect (each test's merchant has one endpoint). */
  const claimUncapped = (limit: number, now: Date, manager?: EntityManager) =>
    deliveries.claimDue({ limit, now, leaseMs: LEASE_MS, perEndpoint: 1_000 }, manager);
  const era = (year: number) => new Date(Date.UTC(year, 0, 1));
  const ids = (claimed: ClaimedDelivery[]) => claimed.map((d) => d.deliveryId);

  it('never gives the same delivery to two claimers whose transactions overlap', async () => {
    const createdAt = era(2001);
    await merchantWithEvents(40, createdAt);
    const now = new Date(createdAt.getTime() + 1000);
    const [first, second] = [db.dataSource.createQueryRunner(), db.dataSource.createQueryRunner()];
    await first.startTransaction();
    await second.startTransaction();
    try {
      // The first claimer still holds its row locks (not committed) while the second claims.
      const claimedFirst = await claimUncapped(25, now, first.manager);
      const claimedSecond = await claimUncapped(25, now, second.manager);
      await first.commitTransaction();
      await second.commitTransaction();

      expect(claimedFirst).toHaveLength(25);
      expect(claimedSecond).toHaveLength(15);
      expect(new Set([...ids(claimedFirst), ...ids(claimedSecond)]).size).toBe(40);
    } finally {
      await first.release();
      await second.release();
    }
  });

  it('never gives the same delivery twice to claimers racing in parallel', async () => {
    const createdAt = era(2002);
    await merchantWithEvents(60, createdAt);
    const now = new Date(createdAt.getTime() + 1000);

    const rounds = await Promise.all(Array.from({ length: 4 }, () => claimUncapped(20, now)));

    const all = rounds.flatMap(ids);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(20);
    expect(all.length).toBeLessThanOrEqual(60);
  });

  it('returns the payload, url and secrets with the claim, and hides it until the lease expires', async () => {
    const createdAt = era(2003);
    const { payment } = await merchantWithEvents(1, createdAt);
    const now = new Date(createdAt.getTime() + 1000);

    const [claimed] = await claimUncapped(10, now);
    const duringLease = await claimUncapped(10, new Date(now.getTime() + LEASE_MS - 1));
    const afterLease = await claimUncapped(10, new Date(now.getTime() + LEASE_MS));

    expect(claimed).toMatchObject({
      attemptCount: 0,
      leaseExpiresAt: new Date(now.getTime() + LEASE_MS),
      eventType: 'payment.created',
      url: 'https://shop.example/hook',
      secrets: ['whsec_c2VjcmV0'],
      payload: expect.objectContaining({ type: 'payment.created', data: expect.objectContaining({ id: payment.id }) }),
    });
    expect(duringLease).toEqual([]);
    expect(ids(afterLease)).toEqual([claimed!.deliveryId]);
  });

  it('records a delivered attempt once, and ignores the outcome of a worker whose lease was taken over', async () => {
    const createdAt = era(2004);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const now = new Date(createdAt.getTime() + 1000);
    const [stale] = await claimUncapped(1, now);
    const [current] = await claimUncapped(1, new Date(now.getTime() + LEASE_MS));
    const attempt = { startedAt: now, durationMs: 120, statusCode: 200, error: null, outcome: { status: 'delivered' as const } };

    const staleResult = await deliveries.recordAttempt({ ...attempt, deliveryId: stale!.deliveryId, leaseExpiresAt: stale!.leaseExpiresAt, responseBody: 'ok' });
    const currentResult = await deliveries.recordAttempt({
      ...attempt,
      deliveryId: current!.deliveryId,
      leaseExpiresAt: current!.leaseExpiresAt,
      responseBody: `${'é'.repeat(2000)}\u0000`,
    });

    expect(staleResult).toEqual({ attemptNumber: 1, applied: false });
    expect(currentResult).toEqual({ attemptNumber: 1, applied: true });
    const [delivery] = await deliveries.listByEvent(merchantId, current!.eventId);
    expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 1, deliveredAt: new Date(now.getTime() + 120) });
    const attempts = await deliveries.listAttempts(merchantId, current!.deliveryId);
    expect(attempts).toHaveLength(2);
    expect(Buffer.byteLength(attempts[1]!.responseBody ?? '')).toBe(MAX_RESPONSE_BODY_BYTES);
    expect(await claimUncapped(10, new Date(now.getTime() + 10 * LEASE_MS))).toEqual([]);
  });

  it('retries a failed attempt at the scheduled time, then gives up when told to', async () => {
    const createdAt = era(2005);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const now = new Date(createdAt.getTime() + 1000);
    const retryAt = new Date(now.getTime() + 5 * 60_000);
    const failure = { durationMs: 10_000, statusCode: null, error: 'timeout', responseBody: null };

    const [claim] = await claimUncapped(1, now);
    await deliveries.recordAttempt({ ...failure, deliveryId: claim!.deliveryId, leaseExpiresAt: claim!.leaseExpiresAt, startedAt: now, outcome: { status: 'pending', nextAttemptAt: retryAt } });
    const beforeRetry = await claimUncapped(1, new Date(retryAt.getTime() - 1));
    const [retry] = await claimUncapped(1, retryAt);
    const second = await deliveries.recordAttempt({ ...failure, deliveryId: retry!.deliveryId, leaseExpiresAt: retry!.leaseExpiresAt, startedAt: retryAt, outcome: { status: 'failed' } });

    expect(beforeRetry).toEqual([]);
    expect(retry!.attemptCount).toBe(1);
    expect(second).toEqual({ attemptNumber: 2, applied: true });
    const [delivery] = await deliveries.listByEvent(merchantId, claim!.eventId);
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 2, lastAttemptAt: retryAt, deliveredAt: null });
    expect(await claimUncapped(10, new Date(retryAt.getTime() + 100 * LEASE_MS))).toEqual([]);
  });

  it("redelivers an event on the merchant's request only", async () => {
    const createdAt = era(2006);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const otherMerchantId = (await new MerchantsRepository(db.dataSource).create({ name: 'Other', treasuryAddress: randomAddress() })).id;
    const now = new Date(createdAt.getTime() + 1000);
    const [claim] = await claimUncapped(1, now);
    await deliveries.recordAttempt({
      deliveryId: claim!.deliveryId,
      leaseExpiresAt: claim!.leaseExpiresAt,
      startedAt: now,
      durationMs: 5,
      statusCode: 500,
      error: null,
      responseBody: 'oops',
      outcome: { status: 'failed' },
    });
    const later = new Date(now.getTime() + 3_600_000);

    expect(await deliveries.redeliverEvent(otherMerchantId, claim!.eventId, later)).toEqual([]);
    expect(await deliveries.redeliverEvent(merchantId, claim!.eventId, later)).toEqual([{ deliveryId: claim!.deliveryId, endpointId: claim!.endpointId }]);
    const [again] = await claimUncapped(1, later);

    expect(again).toMatchObject({ deliveryId: claim!.deliveryId, attemptCount: 1 });
  });

  it('signs with the previous secret too until it expires', async () => {
    const createdAt = era(2007);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const [endpoint] = await endpoints.list(merchantId);
    const now = new Date(createdAt.getTime() + 1000);
    await endpoints.rotateSecret(merchantId, endpoint!.id, 'whsec_bmV3', new Date(now.getTime() + LEASE_MS));

    const [claim] = await claimUncapped(1, now);
    const [reclaim] = await claimUncapped(1, new Date(now.getTime() + LEASE_MS));

    expect(claim!.secrets).toEqual(['whsec_bmV3', 'whsec_c2VjcmV0']);
    expect(reclaim!.secrets).toEqual(['whsec_bmV3']);
  });

  it('leaves deliveries of a disabled endpoint queued', async () => {
    const createdAt = era(2008);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const [endpoint] = await endpoints.list(merchantId);
    const now = new Date(createdAt.getTime() + 1000);

    await endpoints.update(merchantId, endpoint!.id, { enabled: false });
    const whileDisabled = await claimUncapped(1, now);
    await endpoints.update(merchantId, endpoint!.id, { enabled: true });
    const whenEnabled = await claimUncapped(1, now);

    expect(whileDisabled).toEqual([]);
    expect(whenEnabled).toHaveLength(1);
  });

  it('claims at most the per-endpoint cap for an endpoint with a backlog, counting its sends in flight, and still claims the other endpoint', async () => {
    const createdAt = era(2009);
    const { merchantId, payment } = await merchantWithEvents(30, createdAt);
    const [backlogged] = await endpoints.list(merchantId);
    const other = await endpoints.create({ merchantId, url: 'https://other.example/hook', secret: 'whsec_b3RoZXI=' });
    // The other endpoint's only delivery is newer than the whole backlog.
    const later = new Date(createdAt.getTime() + 60_000);
    await db.dataSource.transaction((manager) =>
      events.append(manager, [{ merchantId, type: 'payment.paid', paymentId: payment.id, payload: eventPayloadFixture(payment, 'payment.paid', later) }]),
    );
    const now = new Date(later.getTime() + 1000);
    const claimCapped = (at: Date) => deliveries.claimDue({ limit: 10, now: at, leaseMs: LEASE_MS, perEndpoint: 3 });

    const first = await claimCapped(now);
    const whileInFlight = await claimCapped(new Date(now.getTime() + 1));
    const finished = first.find((d) => d.endpointId === backlogged!.id)!;
    await deliveries.recordAttempt({
      deliveryId: finished.deliveryId,
      leaseExpiresAt: finished.leaseExpiresAt,
      startedAt: now,
      durationMs: 5,
      statusCode: 204,
      error: null,
      responseBody: '',
      outcome: { status: 'delivered' },
    });
    const afterOneFinished = await claimCapped(new Date(now.getTime() + 2));

    const perEndpoint = (claimed: ClaimedDelivery[], endpointId: string) => claimed.filter((d) => d.endpointId === endpointId).length;
    expect(perEndpoint(first, backlogged!.id)).toBe(3);
    expect(perEndpoint(first, other.id)).toBe(1);
    expect(whileInFlight).toEqual([]);
    expect(perEndpoint(afterOneFinished, backlogged!.id)).toBe(1);
  });

  it('gives a manually redelivered delivery a new retry window starting at the request, keeping its attempt numbers', async () => {
    const createdAt = era(2010);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const [claim] = await claimUncapped(1, createdAt);
    await deliveries.recordAttempt({
      deliveryId: claim!.deliveryId,
      leaseExpiresAt: claim!.leaseExpiresAt,
      startedAt: createdAt,
      durationMs: 5,
      statusCode: 500,
      error: null,
      responseBody: 'down',
      outcome: { status: 'failed' },
    });
    const weekLater = new Date(createdAt.getTime() + 7 * 24 * 3_600_000);

    await deliveries.redeliverEvent(merchantId, claim!.eventId, weekLater);
    const [again] = await claimUncapped(1, weekLater);

    expect(again).toMatchObject({ attemptCount: 1, attemptsBeforeWindow: 1, retryWindowStartedAt: weekLater, createdAt });
  });

  it('queues a delivery being sent again when its send ends, never sending it twice at once', async () => {
    const createdAt = era(2011);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const [claim] = await claimUncapped(1, createdAt);
    const asked = new Date(createdAt.getTime() + 500);

    const queued = await deliveries.redeliverEvent(merchantId, claim!.eventId, asked);
    expect(queued).toEqual([{ deliveryId: claim!.deliveryId, endpointId: claim!.endpointId }]);
    // Still in flight: nobody else may claim it meanwhile.
    expect(await claimUncapped(10, asked)).toEqual([]);

    const sent = { startedAt: createdAt, durationMs: 900, statusCode: 200, error: null, responseBody: 'ok', outcome: { status: 'delivered' as const } };
    await expect(deliveries.recordAttempt({ ...sent, deliveryId: claim!.deliveryId, leaseExpiresAt: claim!.leaseExpiresAt })).resolves.toEqual({ attemptNumber: 1, applied: true });
    const [delivery] = await deliveries.listByEvent(merchantId, claim!.eventId);
    expect(delivery).toMatchObject({ status: 'pending', attemptCount: 1 });

    const [again] = await claimUncapped(1, new Date(createdAt.getTime() + 1000));
    expect(again).toMatchObject({ deliveryId: claim!.deliveryId, attemptCount: 1, attemptsBeforeWindow: 1, retryWindowStartedAt: asked });
    await deliveries.recordAttempt({ ...sent, deliveryId: again!.deliveryId, leaseExpiresAt: again!.leaseExpiresAt });
    const [done] = await deliveries.listByEvent(merchantId, claim!.eventId);
    expect(done).toMatchObject({ status: 'delivered', attemptCount: 2 });
  });

  it('redelivers to one named endpoint, subscribed or not, and never to a disabled one', async () => {
    const createdAt = era(2011);
    const { merchantId, eventIds } = await merchantWithEvents(1, createdAt);
    const eventRow = { id: eventIds[0]! };
    const unsubscribed = await endpoints.create({ merchantId, url: 'https://new.example/hook', secret: 'whsec_bmV3', enabledEvents: ['payment.paid'] });
    const disabled = await endpoints.create({ merchantId, url: 'https://off.example/hook', secret: 'whsec_b2Zm', enabled: false });
    const now = new Date(createdAt.getTime() + 1000);

    const toUnsubscribed = await deliveries.redeliverEvent(merchantId, eventRow!.id, now, { endpointId: unsubscribed.id });
    const toDisabled = await deliveries.redeliverEvent(merchantId, eventRow!.id, now, { endpointId: disabled.id });

    expect(toUnsubscribed.map((d) => d.endpointId)).toEqual([unsubscribed.id]);
    expect(toDisabled).toEqual([]);
    expect((await deliveries.listByEvent(merchantId, eventRow!.id)).map((d) => d.endpointId).sort()).toEqual(
      [(await endpoints.list(merchantId)).find((e) => e.url === 'https://shop.example/hook')!.id, unsubscribed.id].sort(),
    );
  });
});
