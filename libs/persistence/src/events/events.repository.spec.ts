import { Client } from 'pg';

import { isId, type MerchantId, type Payment, type PaymentObject } from '@kassa/domain';
import { eventPayloadFixture, paymentFixture, randomAddress, storePayment, useTestDatabase, waitFor } from '@kassa/testing';

import { MerchantsRepository } from '../merchants/merchants.repository';
import { DeliveriesRepository } from '../webhooks/deliveries.repository';
import { WebhookEndpointsRepository } from '../webhooks/webhook-endpoints.repository';
import { EventsRepository } from './events.repository';

describe('EventsRepository (transactional outbox)', () => {
  const db = useTestDatabase();
  let events: EventsRepository;
  let endpoints: WebhookEndpointsRepository;
  let merchantId: MerchantId;
  let otherMerchantId: MerchantId;
  let payment: Payment;

  beforeAll(async () => {
    events = new EventsRepository(db.dataSource);
    endpoints = new WebhookEndpointsRepository(db.dataSource);
    const merchants = new MerchantsRepository(db.dataSource);
    merchantId = (await merchants.create({ name: 'Shop', treasuryAddress: randomAddress() })).id;
    otherMerchantId = (await merchants.create({ name: 'Other', treasuryAddress: randomAddress() })).id;
    payment = paymentFixture({ merchantId });
    await storePayment(db.dataSource.manager, payment);
  });

  it('queues a delivery for each enabled endpoint subscribed to the event type, and no other', async () => {
    const secret = 'whsec_dGVzdA==';
    const all = await endpoints.create({ merchantId, url: 'https://a.example/hook', secret });
    const paidOnly = await endpoints.create({ merchantId, url: 'https://b.example/hook', secret, enabledEvents: ['payment.paid'] });
    await endpoints.create({ merchantId, url: 'https://c.example/hook', secret, enabled: false });
    await endpoints.create({ merchantId, url: 'https://d.example/hook', secret, enabledEvents: ['payment.created'] });
    await endpoints.create({ merchantId: otherMerchantId, url: 'https://e.example/hook', secret });
    const payload = eventPayloadFixture(payment, 'payment.paid');

    const [appended] = await db.dataSource.transaction((manager) =>
      events.append(manager, [{ merchantId, type: 'payment.paid', paymentId: payment.id, payload }]),
    );

    const deliveries = await new DeliveriesRepository(db.dataSource).listByEvent(merchantId, payload.id);
    expect(deliveries.map((d) => d.endpointId).sort()).toEqual([all.id, paidOnly.id].sort());
    expect(appended!.deliveryIds.sort()).toEqual(deliveries.map((d) => d.id).sort());
    expect(deliveries.every((d) => isId('delivery', d.id) && d.status === 'pending')).toBe(true);
    expect(deliveries.every((d) => d.nextAttemptAt.toISOString() === payload.createdAt)).toBe(true);
    expect(await events.findById(merchantId, payload.id)).toEqual({
      id: payload.id,
      merchantId,
      type: 'payment.paid',
      paymentId: payment.id,
      payload,
      createdAt: new Date(payload.createdAt),
    });
  });

  it('tells the notify channel the first event id at commit, in the same statement, with or without deliveries', async () => {
    const merchants = new MerchantsRepository(db.dataSource);
    const subscribed = (await merchants.create({ name: 'Subscribed', treasuryAddress: randomAddress() })).id;
    await endpoints.create({ merchantId: subscribed, url: 'https://f.example/hook', secret: 'whsec_dGVzdA==' });
    const quiet = (await merchants.create({ name: 'Quiet', treasuryAddress: randomAddress() })).id;
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    try {
      const heard: { channel: string; payload?: string }[] = [];
      listener.on('notification', (message) => heard.push({ channel: message.channel, payload: message.payload }));
      await listener.query('LISTEN kassa_test_outbox');
      const [first, second, alone] = [eventPayloadFixture(payment, 'payment.pending'), eventPayloadFixture(payment, 'payment.timeout'), eventPayloadFixture(payment, 'payment.canceled')];

      const [appended, appendedAlone] = await db.dataSource.transaction(async (manager) => {
        const batch = [first!, second!].map((payload) => ({ merchantId: subscribed, type: payload.type, paymentId: payment.id, payload }));
        const stored = await events.append(manager, batch, 'kassa_test_outbox');
        const storedAlone = await events.append(manager, [{ merchantId: quiet, type: alone!.type, paymentId: payment.id, payload: alone! }], 'kassa_test_outbox');
        return [stored, storedAlone];
      });

      await waitFor(async () => heard.length, (count) => count >= 2, (count) => `${count} notifications`);
      expect(heard).toEqual([
        { channel: 'kassa_test_outbox', payload: first!.id },
        { channel: 'kassa_test_outbox', payload: alone!.id },
      ]);
      expect(appended.map((entry) => entry.deliveryIds.length)).toEqual([1, 1]);
      expect(appendedAlone.map((entry) => entry.deliveryIds)).toEqual([[]]);
    } finally {
      await listener.end();
    }
  });

  it('keeps neither the event nor its deliveries when the transaction rolls back', async () => {
    const payload = eventPayloadFixture(payment, 'payment.pending');

    await db.dataSource
      .transaction(async (manager) => {
        await events.append(manager, [{ merchantId, type: 'payment.pending', paymentId: payment.id, payload }]);
        throw new Error('the state change failed');
      })
      .catch(() => undefined);

    expect(await events.findById(merchantId, payload.id)).toBeNull();
    const orphans = await db.dataSource.query(`SELECT 1 FROM webhook_deliveries WHERE event_id = $1`, [payload.id]);
    expect(orphans).toHaveLength(0);
  });

  it("hides another merchant's events", async () => {
    const payload = eventPayloadFixture(payment, 'payment.created');
    await db.dataSource.transaction((manager) =>
      events.append(manager, [{ merchantId, type: 'payment.created', paymentId: payment.id, payload }]),
    );

    expect(await events.findById(otherMerchantId, payload.id)).toBeNull();
    expect(await events.list(otherMerchantId, { limit: 10 })).toEqual([]);
    expect(await new DeliveriesRepository(db.dataSource).listByEvent(otherMerchantId, payload.id)).toEqual([]);
  });

  it('lists events newest first, by type and payment, with a cursor', async () => {
    // A merchant of its own: its payment's payment.created, then the two events appended here.
    const shop = (await new MerchantsRepository(db.dataSource).create({ name: 'Lister', treasuryAddress: randomAddress() })).id;
    const paid = paymentFixture({ merchantId: shop });
    await storePayment(db.dataSource.manager, paid);
    for (const type of ['payment.pending', 'payment.paid'] as const) {
      const payload = eventPayloadFixture(paid, type);
      await db.dataSource.transaction((manager) => events.append(manager, [{ merchantId: shop, type, paymentId: paid.id, payload }]));
    }

    const list = await events.list(shop, { limit: 10 });
    expect(list.map((e) => e.type)).toEqual(['payment.paid', 'payment.pending', 'payment.created']);
    expect(list.map((e) => e.id)).toEqual([...list.map((e) => e.id)].sort().reverse());

    const next = await events.list(shop, { limit: 10, startingAfter: list[0]!.id });
    expect(next.map((e) => e.id)).toEqual(list.slice(1).map((e) => e.id));
    expect((await events.list(shop, { limit: 10, type: 'payment.paid' })).map((e) => e.type)).toEqual(['payment.paid']);
    expect((await events.list(shop, { limit: 10, paymentId: paid.id })).map((e) => e.id)).toEqual(list.map((e) => e.id));
    expect(await events.list(shop, { limit: 10, paymentId: 'pay_none' })).toEqual([]);
  });

  it('stores every payload of a batch as it was serialised, in order, whatever its strings hold', async () => {
    const texts = ['\u001e', 'a\u001eb', '","', '[]', '{"x":1}', '\\', '\n\t\u0000', 'é 💸 ☃', ''];
    const batch = texts.map((text, index) => {
      const payload = eventPayloadFixture(payment, 'payment.pending', new Date(Date.UTC(2026, 0, 1, 0, 0, index)));
      return { merchantId, type: 'payment.pending' as const, paymentId: payment.id, payload: { ...payload, data: { ...payload.data, description: text, metadata: { [text]: text } } } };
    });
    await db.dataSource.transaction((manager) => events.append(manager, batch));

    const stored = (await db.dataSource.query('SELECT id, payload::text AS payload FROM events WHERE id = ANY ($1)', [batch.map(({ payload }) => payload.id)])) as { id: string; payload: string }[];
    const byId = new Map(stored.map((row) => [row.id, row.payload]));
    expect(batch.map(({ payload }) => byId.get(payload.id))).toEqual(batch.map(({ payload }) => JSON.stringify(payload)));
    for (const [index, { payload }] of batch.entries()) expect(((await events.findById(merchantId, payload.id))?.payload.data as PaymentObject).metadata).toEqual({ [texts[index]!]: texts[index] });
  });

  it('refuses an event whose type differs from its payload', async () => {
    const payload = eventPayloadFixture(payment, 'payment.paid');
    await expect(
      db.dataSource.transaction((manager) => events.append(manager, [{ merchantId, type: 'payment.timeout', paymentId: payment.id, payload }])),
    ).rejects.toThrow('does not match');
  });
});
