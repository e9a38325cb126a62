import type { MerchantId, Payment } from '@kassa/domain';
import { useTestDatabase } from '@kassa/testing';

import { EventsRepository } from '../events/events.repository';
import { MerchantsRepository } from '../merchants/merchants.repository';
import { PaymentsRepository } from '../payments/payments.repository';
import { eventPayloadFixture, paymentFixture, randomAddress } from '../testing/fixtures';
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
  async function merchantWithEvents(count: number, createdAt: Date): Promise<{ merchantId: MerchantId; payment: Payment }> {
    const merchantId = (await new MerchantsRepository(db.dataSource).create({ name: 'Shop', treasuryAddress: randomAddress() })).id;
    await endpoints.create({ merchantId, url: 'https://shop.example/hook', secret: 'whsec_c2VjcmV0' });
    const payment = paymentFixture(merchantId);
    await new PaymentsRepository(db.dataSource).insert(payment);
    await db.dataSource.transaction(async (manager) => {
      for (let i = 0; i < count; i += 1) {
        const payload = eventPayloadFixture(payment, 'payment.created', createdAt);
        await events.append(manager, { merchantId, type: 'payment.created', paymentId: payment.id, payload });
      }
    });
    return { merchantId, payment };
  }

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
      const claimedFirst = await deliveries.claimDue(25, now, LEASE_MS, first.manager);
      const claimedSecond = await deliveries.claimDue(25, now, LEASE_MS, second.manager);
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

    const rounds = await Promise.all(Array.from({ length: 4 }, () => deliveries.claimDue(20, now, LEASE_MS)));

    const all = rounds.flatMap(ids);
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBeGreaterThanOrEqual(20);
    expect(all.length).toBeLessThanOrEqual(60);
  });

  it('returns the payload, url and secrets with the claim, and hides it until the lease expires', async () => {
    const createdAt = era(2003);
    const { payment } = await merchantWithEvents(1, createdAt);
    const now = new Date(createdAt.getTime() + 1000);

    const [claimed] = await deliveries.claimDue(10, now, LEASE_MS);
    const duringLease = await deliveries.claimDue(10, new Date(now.getTime() + LEASE_MS - 1), LEASE_MS);
    const afterLease = await deliveries.claimDue(10, new Date(now.getTime() + LEASE_MS), LEASE_MS);

    expect(claimed).toMatchObject({
      attemptCount: 0,
      leaseExpiresAt: new Date(now.getTime() + LEASE_MS),
      eventType: 'payment.created',
      url: 'https://shop.example/hook',
      secrets: ['whsec_c2VjcmV0'],
      payload: expect.objectContaining({ type: 'payment.created', data: expect.objectContaining({ id: payment.id }) }),
    });
    expect(duringLease).toEqual([]);
    expect(ids(afterLease)).toEqual([claimed.deliveryId]);
  });

  it('records a delivered attempt once, and ignores the outcome of a worker whose lease was taken over', async () => {
    const createdAt = era(2004);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const now = new Date(createdAt.getTime() + 1000);
    const [stale] = await deliveries.claimDue(1, now, LEASE_MS);
    const [current] = await deliveries.claimDue(1, new Date(now.getTime() + LEASE_MS), LEASE_MS);
    const attempt = { startedAt: now, durationMs: 120, statusCode: 200, error: null, outcome: { status: 'delivered' as const } };

    const staleResult = await deliveries.recordAttempt({ ...attempt, deliveryId: stale.deliveryId, leaseExpiresAt: stale.leaseExpiresAt, responseBody: 'ok' });
    const currentResult = await deliveries.recordAttempt({
      ...attempt,
      deliveryId: current.deliveryId,
      leaseExpiresAt: current.leaseExpiresAt,
      responseBody: `${'é'.repeat(2000)}\u0000`,
    });

    expect(staleResult).toEqual({ attemptNumber: 1, applied: false });
    expect(currentResult).toEqual({ attemptNumber: 1, applied: true });
    const [delivery] = await deliveries.listByEvent(merchantId, current.eventId);
    expect(delivery).toMatchObject({ status: 'delivered', attemptCount: 1, deliveredAt: new Date(now.getTime() + 120) });
    const attempts = await deliveries.listAttempts(merchantId, current.deliveryId);
    expect(attempts).toHaveLength(2);
    expect(Buffer.byteLength(attempts[1].responseBody ?? '')).toBe(MAX_RESPONSE_BODY_BYTES);
    expect(await deliveries.claimDue(10, new Date(now.getTime() + 10 * LEASE_MS), LEASE_MS)).toEqual([]);
  });

  it('retries a failed attempt at the scheduled time, then gives up when told to', async () => {
    const createdAt = era(2005);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const now = new Date(createdAt.getTime() + 1000);
    const retryAt = new Date(now.getTime() + 5 * 60_000);
    const failure = { durationMs: 10_000, statusCode: null, error: 'timeout', responseBody: null };

    const [claim] = await deliveries.claimDue(1, now, LEASE_MS);
    await deliveries.recordAttempt({ ...failure, deliveryId: claim.deliveryId, leaseExpiresAt: claim.leaseExpiresAt, startedAt: now, outcome: { status: 'pending', nextAttemptAt: retryAt } });
    const beforeRetry = await deliveries.claimDue(1, new Date(retryAt.getTime() - 1), LEASE_MS);
    const [retry] = await deliveries.claimDue(1, retryAt, LEASE_MS);
    const second = await deliveries.recordAttempt({ ...failure, deliveryId: retry.deliveryId, leaseExpiresAt: retry.leaseExpiresAt, startedAt: retryAt, outcome: { status: 'failed' } });

    expect(beforeRetry).toEqual([]);
    expect(retry.attemptCount).toBe(1);
    expect(second).toEqual({ attemptNumber: 2, applied: true });
    const [delivery] = await deliveries.listByEvent(merchantId, claim.eventId);
    expect(delivery).toMatchObject({ status: 'failed', attemptCount: 2, lastAttemptAt: retryAt, deliveredAt: null });
    expect(await deliveries.claimDue(10, new Date(retryAt.getTime() + 100 * LEASE_MS), LEASE_MS)).toEqual([]);
  });

  it("redelivers an event on the merchant's request only", async () => {
    const createdAt = era(2006);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const otherMerchantId = (await new MerchantsRepository(db.dataSource).create({ name: 'Other', treasuryAddress: randomAddress() })).id;
    const now = new Date(createdAt.getTime() + 1000);
    const [claim] = await deliveries.claimDue(1, now, LEASE_MS);
    await deliveries.recordAttempt({
      deliveryId: claim.deliveryId,
      leaseExpiresAt: claim.leaseExpiresAt,
      startedAt: now,
      durationMs: 5,
      statusCode: 500,
      error: null,
      responseBody: 'oops',
      outcome: { status: 'failed' },
    });
    const later = new Date(now.getTime() + 3_600_000);

    expect(await deliveries.redeliverEvent(otherMerchantId, claim.eventId, later)).toBe(0);
    expect(await deliveries.redeliverEvent(merchantId, claim.eventId, later)).toBe(1);
    const [again] = await deliveries.claimDue(1, later, LEASE_MS);

    expect(again).toMatchObject({ deliveryId: claim.deliveryId, attemptCount: 1 });
  });

  it('signs with the previous secret too until it expires', async () => {
    const createdAt = era(2007);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const [endpoint] = await endpoints.list(merchantId);
    const now = new Date(createdAt.getTime() + 1000);
    await endpoints.rotateSecret(merchantId, endpoint.id, 'whsec_bmV3', new Date(now.getTime() + LEASE_MS));

    const [claim] = await deliveries.claimDue(1, now, LEASE_MS);
    const [reclaim] = await deliveries.claimDue(1, new Date(now.getTime() + LEASE_MS), LEASE_MS);

    expect(claim.secrets).toEqual(['whsec_bmV3', 'whsec_c2VjcmV0']);
    expect(reclaim.secrets).toEqual(['whsec_bmV3']);
  });

  it('leaves deliveries of a disabled endpoint queued', async () => {
    const createdAt = era(2008);
    const { merchantId } = await merchantWithEvents(1, createdAt);
    const [endpoint] = await endpoints.list(merchantId);
    const now = new Date(createdAt.getTime() + 1000);

    await endpoints.update(merchantId, endpoint.id, { enabled: false });
    const whileDisabled = await deliveries.claimDue(1, now, LEASE_MS);
    await endpoints.update(merchantId, endpoint.id, { enabled: true });
    const whenEnabled = await deliveries.claimDue(1, now, LEASE_MS);

    expect(whileDisabled).toEqual([]);
    expect(whenEnabled).toHaveLength(1);
  });
});
