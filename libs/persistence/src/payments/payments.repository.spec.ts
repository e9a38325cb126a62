import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';

import { type Address, MAX_UINT256, newId, type MerchantId, type Payment, type PaymentOption, paymentOptionsOf } from '@kassa/domain';
import { eventPayloadFixture, paymentFixture, pricedPaymentFixture, randomAddress, storePayment, transferFixture, useTestDatabase, waitFor } from '@kassa/testing';

import { runSql } from '../database/sql';
import { EventsRepository } from '../events/events.repository';
import { IdempotencyKeysRepository } from '../idempotency/idempotency-keys.repository';
import { MerchantsRepository } from '../merchants/merchants.repository';
import { TransfersRepository } from '../transfers/transfers.repository';
import { DeliveriesRepository } from '../webhooks/deliveries.repository';
import { WebhookEndpointsRepository } from '../webhooks/webhook-endpoints.repository';
import { type AnnouncedPayment, insertAnnouncedStatement, type PaymentListFilters, PaymentsRepository } from './payments.repository';

/** `payment` with its `payment.created` event and one notification on `channel` naming it. */
/** Listens on `channel` from a connection of its own: the payloads heard, and how to stop. */
async function listen(url: string, channel: string): Promise<{ heard: string[]; close: () => Promise<void> }> {
  const listener = new Client({ connectionString: url });
  await listener.connect();
  const heard: string[] = [];
  listener.on('notification', (notification) => heard.push(notification.payload!));
  await listener.query(`LISTEN ${channel}`);
  return { heard, close: () => listener.end() };
}

function announced(payment: Payment, channel = 'kassa_test_created'): AnnouncedPayment {
  const payload = eventPayloadFixture(payment, 'payment.created', payment.createdAt);
  return { payment, event: { merchantId: payment.merchantId, type: 'payment.created', paymentId: payment.id, payload }, notifications: [{ channel, payload: payment.id }] };
}

describe('PaymentsRepository', () => {
  const db = useTestDatabase();
  let payments: PaymentsRepository;
  let merchantId: MerchantId;
  let otherMerchantId: MerchantId;

  beforeAll(async () => {
    payments = new PaymentsRepository(db.dataSource);
    const merchants = new MerchantsRepository(db.dataSource);
    merchantId = (await merchants.create({ name: 'Shop', treasuryAddress: randomAddress() })).id;
    otherMerchantId = (await merchants.create({ name: 'Other shop', treasuryAddress: randomAddress() })).id;
  });

  it('stores and reads back a payment exactly, amounts as bigint up to uint256', async () => {
    const payment = paymentFixture({ merchantId, 
      amount: MAX_UINT256,
      amountMinimum: MAX_UINT256 - 1n,
      token: { symbol: 'ETH', address: null, decimals: 18 },
      orderId: 'order-1',
      description: 'Two coffees',
      metadata: { customer: { id: 42 }, tags: ['a', 'b'] },
      successUrl: 'https://shop.example/ok',
      cancelUrl: 'https://shop.example/cancel',
    });
    await storePayment(db.dataSource.manager, payment);

    // A payment built without options is stored with its own coin as its one option.
    expect(await payments.findById(merchantId, payment.id)).toEqual({ ...payment, price: null, options: paymentOptionsOf(payment) });
  });

  it('stores a priced payment with its options in order, and moves it onto the option value arrived in', async () => {
    const base = paymentFixture({ merchantId });
    const usdt: PaymentOption = {
      ...paymentOptionsOf(base)[0]!,
      id: 'opt_usdt',
      chainId: 31338,
      token: { symbol: 'USDT', address: '0x00000000000000000000000000000000000000bb', decimals: 6 },
      amount: 25_000_000n,
      amountMinimum: 25_000_000n,
      requiredConfirmations: 5,
      rate: { value: '1', pricingCurrency: 'USD', source: 'peg', feedAddress: null, updatedAt: null },
    };
    const eth: PaymentOption = {
      ...usdt,
      id: 'opt_eth',
      token: { symbol: 'ETH', address: null, decimals: 18 },
      amount: 10_000_000_000_000_001n,
      amountMinimum: 10_000_000_000_000_001n,
      rate: { value: '2499.99999999', pricingCurrency: 'USD', source: 'price_feed', feedAddress: '0x00000000000000000000000000000000000000fe', updatedAt: new Date('2026-11-22T01:00:00Z') },
    };
    const first = { ...paymentOptionsOf(base)[0]!, id: 'opt_first' };
    const payment = { ...base, price: { amount: '25', currency: 'USD' }, options: [first, usdt, eth] };
    await storePayment(db.dataSource.manager, payment);
    expect(await payments.findById(merchantId, payment.id)).toEqual(payment);

    expect(await payments.updateState({ id: payment.id, expectedStatus: 'CREATED', status: 'PENDING', optionId: 'opt_eth' })).toBe(true);
    const moved = (await payments.findByIdUnscoped(payment.id))!;
    expect(moved).toMatchObject({ status: 'PENDING', chainId: 31338, token: eth.token, amount: eth.amount, requiredConfirmations: 5 });
    expect(moved.options).toEqual(payment.options);

    const [changed] = await payments.updateStates([
      { id: payment.id, expectedStatus: 'PENDING', status: 'PENDING', exception: null, amountReceived: 0n, paidAt: null, finalizedAt: null, optionId: 'opt_usdt' },
    ]);
    expect(changed).toBe(payment.id);
    expect(await payments.findByIdUnscoped(payment.id)).toMatchObject({ token: usdt.token, amount: 25_000_000n });
    // An option of another payment is never taken over.
    await payments.updateState({ id: payment.id, expectedStatus: 'PENDING', optionId: paymentOptionsOf(paymentFixture({ merchantId })).at(0)!.id });
    expect(await payments.findByIdUnscoped(payment.id)).toMatchObject({ token: usdt.token });
    const watched = await payments.watchedAddresses({ lateWindowStart: new Date(0) });
    expect(watched.filter((row) => row.paymentId === payment.id).map((row) => [row.chainId, row.requiredConfirmations])).toEqual([
      [base.chainId, base.requiredConfirmations],
      [31338, 5],
    ]);
  });

  it('locks payments for evaluation and reads them, options and rates included, exactly as a plain read does', async () => {
    const base = paymentFixture({ merchantId });
    const priced: PaymentOption = {
      ...paymentOptionsOf(base)[0]!,
      id: `opt_${base.id}_eth`,
      chainId: 31338,
      token: { symbol: 'ETH', address: null, decimals: 18 },
      amount: 2n ** 200n + 1n,
      amountMinimum: 2n ** 200n,
      rate: { value: '2499.99999999', pricingCurrency: 'USD', source: 'price_feed', feedAddress: '0x00000000000000000000000000000000000000fe', updatedAt: new Date('2026-11-22T01:00:00.123Z') },
    };
    const multi = { ...base, price: { amount: '25', currency: 'USD' }, options: [{ ...paymentOptionsOf(base)[0]!, id: `opt_${base.id}_first` }, priced] };
    const single = paymentFixture({ merchantId });
    await storePayment(db.dataSource.manager, multi);
    await storePayment(db.dataSource.manager, single);

    const locked = await db.dataSource.transaction((manager) => payments.lockForEvaluation([single.id, multi.id, 'pay_missing'], manager));

    const read = await payments.findManyByIdsUnscoped([multi.id, single.id]);
    expect(locked).toEqual([...read].sort((a, b) => (a.id < b.id ? -1 : 1)));
    expect(locked.find((payment) => payment.id === multi.id)).toEqual(multi);
  });

  it('refuses a second payment with the same deposit address', async () => {
    const first = paymentFixture({ merchantId });
    await storePayment(db.dataSource.manager, first);

    const second = paymentFixture({ merchantId, depositAddress: first.depositAddress });
    const failure = await storePayment(db.dataSource.manager, second).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(QueryFailedError);
    expect((failure as QueryFailedError & { driverError: { constraint?: string } }).driverError.constraint).toBe(
      'uq_payments_deposit_address',
    );
  });

  it('writes several payments in one statement: each with its options, its event, its deliveries and its notification', async () => {
    const subscribed = (await new MerchantsRepository(db.dataSource).create({ name: 'Subscribed', treasuryAddress: randomAddress() })).id;
    const endpoint = await new WebhookEndpointsRepository(db.dataSource).create({ merchantId: subscribed, url: 'https://a.example/hook', secret: 'whsec_dGVzdA==' });
    const batch = [paymentFixture({ merchantId }), { ...pricedPaymentFixture(), merchantId: subscribed }, paymentFixture({ merchantId: subscribed })].map((payment) =>
      announced(payment),
    );
    const { heard, close } = await listen(db.url, 'kassa_test_created');
    try {
      const statement = insertAnnouncedStatement(batch);
      const [counts] = (await runSql(db.dataSource.manager, statement.text, statement.params)).rows;

      const options = batch.reduce((count, { payment }) => count + paymentOptionsOf(payment).length, 0);
      expect(options).toBe(5); // the priced payment offers three coins
      expect({ ...counts, written: [...(counts!.written as string[])].sort() }).toEqual({
        payments: '3',
        options: String(options),
        deliveries: '2',
        notifications: '3',
        written: batch.map(({ payment }) => payment.id).sort(),
      });
      for (const { payment, event } of batch) {
        expect(await payments.findById(payment.merchantId, payment.id)).toEqual({ ...payment, price: payment.price ?? null, options: paymentOptionsOf(payment) });
        expect((await new EventsRepository(db.dataSource).findById(payment.merchantId, event.payload.id))?.payload).toEqual(event.payload);
        const deliveries = await new DeliveriesRepository(db.dataSource).listByEvent(payment.merchantId, event.payload.id);
        expect(deliveries.map((delivery) => delivery.endpointId)).toEqual(payment.merchantId === subscribed ? [endpoint.id] : []);
      }
      await waitFor(async () => heard.length, (count) => count === 3, (count) => `3 notifications, heard ${count}`);
      expect(heard.sort()).toEqual(batch.map(({ payment }) => payment.id).sort());
    } finally {
      await close();
    }
  });

  it('creates written at once outside a transaction each succeed or fail on their own', async () => {
    const taken = paymentFixture({ merchantId });
    await storePayment(db.dataSource.manager, taken);
    const creates = Array.from({ length: 12 }, (_, index) => paymentFixture({ merchantId, ...(index === 7 ? { depositAddress: taken.depositAddress } : {}) }));
    const writer = new PaymentsRepository(db.dataSource);

    const outcomes = await Promise.allSettled(creates.map((payment) => writer.insertAnnounced(db.dataSource.manager, announced(payment))));

    const refused = outcomes.flatMap((outcome, index) => (outcome.status === 'rejected' ? [{ index, reason: outcome.reason as QueryFailedError & { driverError: { constraint?: string } } }] : []));
    expect(refused.map(({ index, reason }) => [index, reason.driverError.constraint])).toEqual([[7, 'uq_payments_deposit_address']]);
    const stored = await payments.findManyByIdsUnscoped(creates.map((payment) => payment.id));
    expect(stored.map((payment) => payment.id).sort()).toEqual(creates.filter((_, index) => index !== 7).map((payment) => payment.id).sort());
  });

  it('writes a keyed create only when its key is new: a key used before or earlier in the batch leaves its create out entirely', async () => {
    const keyed = (payment: Payment, key: string): AnnouncedPayment => ({
      ...announced(payment, 'kassa_test_keyed'),
      idempotency: { key, requestHash: `hash-${payment.id}`, responseStatus: 201, responseBody: { id: payment.id, amount: '1.00' } },
    });
    await new PaymentsRepository(db.dataSource).insertAnnounced(db.dataSource.manager, keyed(paymentFixture({ merchantId }), 'key-used'));
    const [used, firstOfTwo, secondOfTwo, fresh, unkeyed] = Array.from({ length: 5 }, () => paymentFixture({ merchantId }));
    const batch = [keyed(used!, 'key-used'), keyed(firstOfTwo!, 'key-twice'), keyed(secondOfTwo!, 'key-twice'), keyed(fresh!, 'key-fresh'), announced(unkeyed!, 'kassa_test_keyed')];
    const { heard, close } = await listen(db.url, 'kassa_test_keyed');
    try {
      const statement = insertAnnouncedStatement(batch);
      const [row] = (await runSql<{ written: string[]; notifications: string }>(db.dataSource.manager, statement.text, statement.params)).rows;

      const expected = [firstOfTwo!, fresh!, unkeyed!].map((payment) => payment.id).sort();
      expect([...row!.written].sort()).toEqual(expected);
      expect(row!.notifications).toBe('3');
      const stored = await payments.findManyByIdsUnscoped(batch.map(({ payment }) => payment.id));
      expect(stored.map((payment) => payment.id).sort()).toEqual(expected);
      const [{ options, events }] = await db.dataSource.query(
        `SELECT (SELECT count(*)::int FROM payment_options WHERE payment_id = ANY ($1)) AS options, (SELECT count(*)::int FROM events WHERE payment_id = ANY ($1)) AS events`,
        [[used!.id, secondOfTwo!.id]],
      );
      expect({ options, events }).toEqual({ options: 0, events: 0 });
      const keys = new IdempotencyKeysRepository(db.dataSource);
      expect(await keys.find(merchantId, 'key-twice')).toMatchObject({ requestHash: `hash-${firstOfTwo!.id}`, resourceId: firstOfTwo!.id, responseBody: { id: firstOfTwo!.id, amount: '1.00' } });
      expect((await keys.find(merchantId, 'key-fresh'))?.resourceId).toBe(fresh!.id);
      await waitFor(async () => heard.length, (count) => count >= 3, (count) => `3 notifications, heard ${count}`);
      expect(heard.sort()).toEqual(expected);
    } finally {
      await close();
    }
  });

  it('refuses a final payment without finalized_at (it would drop out of the watched addresses)', async () => {
    const payment = paymentFixture({ merchantId, status: 'PAID', paidAt: new Date(), finalizedAt: null });

    await expect(storePayment(db.dataSource.manager, payment)).rejects.toThrow('ck_payments_finalized_at');
  });

  it("does not find another merchant's payment, except unscoped", async () => {
    const payment = paymentFixture({ merchantId: otherMerchantId });
    await storePayment(db.dataSource.manager, payment);

    expect(await payments.findById(merchantId, payment.id)).toBeNull();
    expect(await payments.list(merchantId, { limit: 100 })).not.toContainEqual(expect.objectContaining({ id: payment.id }));
    expect((await payments.findByIdUnscoped(payment.id))?.merchantId).toBe(otherMerchantId);
  });

  it('stores nothing when the transaction of the insert rolls back', async () => {
    const payment = paymentFixture({ merchantId });
    await db.dataSource
      .transaction(async (manager) => {
        await storePayment(manager, payment);
        throw new Error('rollback');
      })
      .catch(() => undefined);

    expect(await payments.findByIdUnscoped(payment.id)).toBeNull();
  });

  it('lists newest first with cursor pagination and filters', async () => {
    const merchant = (await new MerchantsRepository(db.dataSource).create({ name: 'Pager', treasuryAddress: randomAddress() })).id;
    const start = Date.now() - 10_000;
    const created = [];
    for (let i = 0; i < 5; i += 1) {
      const payment = paymentFixture({ merchantId: merchant, createdAt: new Date(start + i * 1000), orderId: i % 2 === 0 ? 'even' : 'odd' });
      await storePayment(db.dataSource.manager, payment);
      created.push(payment);
    }
    const newestFirst = [...created].reverse().map((p) => p.id);

    const page1 = await payments.list(merchant, { limit: 2 });
    const page2 = await payments.list(merchant, { limit: 2, startingAfter: page1[1]!.id });
    const page3 = await payments.list(merchant, { limit: 2, startingAfter: page2[1]!.id });
    expect([...page1, ...page2, ...page3].map((p) => p.id)).toEqual(newestFirst);

    expect((await payments.list(merchant, { limit: 10, orderId: 'odd' })).map((p) => p.id)).toEqual([created[3]!.id, created[1]!.id]);
    const window = await payments.list(merchant, { limit: 10, createdGte: created[1]!.createdAt, createdLt: created[3]!.createdAt });
    expect(window.map((p) => p.id)).toEqual([created[2]!.id, created[1]!.id]);
    expect(await payments.list(merchant, { limit: 10, status: 'PAID' })).toEqual([]);
  });

  it("searches the merchant's payments by id, order id, deposit address in any letter case, or paying transaction", async () => {
    const merchants = new MerchantsRepository(db.dataSource);
    const merchant = (await merchants.create({ name: 'Searcher', treasuryAddress: randomAddress() })).id;
    const other = (await merchants.create({ name: 'Other searcher', treasuryAddress: randomAddress() })).id;
    const wanted = paymentFixture({ merchantId: merchant, orderId: 'order-wanted' });
    const paid = paymentFixture({ merchantId: merchant, orderId: 'order-paid' });
    const elsewhere = paymentFixture({ merchantId: other, orderId: 'order-wanted' });
    // Stored lowercase, as a row written before deposit addresses were checksummed might be.
    const lowercaseStored = paymentFixture({ merchantId: merchant, depositAddress: randomAddress().toLowerCase() as Address });
    for (const payment of [wanted, paid, elsewhere, lowercaseStored]) await storePayment(db.dataSource.manager, payment);
    const transfer = transferFixture(paid);
    await new TransfersRepository(db.dataSource).insertMany(db.dataSource.manager, [transfer]);
    const search = async (query: string, filters: Partial<PaymentListFilters> = {}) =>
      (await payments.list(merchant, { limit: 10, query, ...filters })).map((payment) => payment.id);

    expect(wanted.depositAddress).not.toBe(wanted.depositAddress.toLowerCase());
    const hex = wanted.depositAddress.slice(2);
    for (const form of [wanted.depositAddress, `0x${hex.toLowerCase()}`, `0x${hex.toUpperCase()}`, `0X${hex.toLowerCase()}`]) {
      expect({ form, found: await search(form) }).toEqual({ form, found: [wanted.id] });
    }
    expect(await search(lowercaseStored.depositAddress.toUpperCase().replace('0X', '0x'))).toEqual([lowercaseStored.id]);
    expect(await search(wanted.id)).toEqual([wanted.id]);
    expect(await search('order-wanted')).toEqual([wanted.id]);
    expect(await search(transfer.txHash)).toEqual([paid.id]);
    expect(await search(transfer.txHash.toUpperCase().replace('0X', '0x'))).toEqual([paid.id]);
    expect(await search(elsewhere.id)).toEqual([]);
    expect(await search(elsewhere.depositAddress)).toEqual([]);
    expect(await search('order-paid', { status: 'PAID' })).toEqual([]);
    expect(await search('nothing-like-it')).toEqual([]);
  });

  it('applies a state change only while the payment has the expected status', async () => {
    const payment = paymentFixture({ merchantId });
    await storePayment(db.dataSource.manager, payment);
    const paidAt = new Date();

    const applied = await payments.updateState({
      id: payment.id,
      expectedStatus: 'CREATED',
      status: 'PAID',
      exception: 'OVERPAID',
      amountReceived: 30_000_000n,
      paidAt,
      finalizedAt: paidAt,
    });
    const stale = await payments.updateState({ id: payment.id, expectedStatus: 'CREATED', status: 'TIMEOUT' });

    expect([applied, stale]).toEqual([true, false]);
    expect(await payments.findById(merchantId, payment.id)).toMatchObject({
      status: 'PAID',
      exception: 'OVERPAID',
      amountReceived: 30_000_000n,
      paidAt,
      finalizedAt: paidAt,
    });
  });

  it('expires a batch in one statement, skipping payments that moved on', async () => {
    const open = [paymentFixture({ merchantId }), paymentFixture({ merchantId })];
    const paid = paymentFixture({ merchantId, status: 'PAID', paidAt: new Date(), finalizedAt: new Date() });
    for (const payment of [...open, paid]) await storePayment(db.dataSource.manager, payment);
    const now = new Date();

    const changed = await payments.updateStates(
      [...open, paid].map((payment, index) => ({
        id: payment.id,
        expectedStatus: 'CREATED' as const,
        status: 'TIMEOUT' as const,
        exception: index === 0 ? ('UNDERPAID' as const) : null,
        amountReceived: index === 0 ? 1n : 0n,
        paidAt: null,
        finalizedAt: now,
      })),
    );

    expect(changed.sort()).toEqual(open.map((p) => p.id).sort());
    expect(await payments.findById(merchantId, open[0]!.id)).toMatchObject({ status: 'TIMEOUT', exception: 'UNDERPAID', amountReceived: 1n });
    expect((await payments.findById(merchantId, paid.id))?.status).toBe('PAID');
  });

  it('watches open payments and final ones inside the late window', async () => {
    const chainId = 777;
    const lateWindowStart = new Date(Date.now() - 60_000);
    const open = paymentFixture({ merchantId, chainId, status: 'PENDING' });
    const recentlyPaid = paymentFixture({ merchantId, chainId, status: 'PAID', finalizedAt: new Date() });
    const longAgo = paymentFixture({ merchantId, chainId, status: 'TIMEOUT', finalizedAt: new Date(Date.now() - 3_600_000) });
    const otherChain = paymentFixture({ merchantId, chainId: chainId + 1 });
    for (const payment of [open, recentlyPaid, longAgo, otherChain]) await storePayment(db.dataSource.manager, payment);

    const watched = await payments.watchedAddresses({ lateWindowStart, chainId });

    expect(watched).toEqual([
      { paymentId: open.id, chainId, depositAddress: open.depositAddress, tokenAddress: open.token.address, requiredConfirmations: open.requiredConfirmations, acceptsNative: false },
      {
        paymentId: recentlyPaid.id,
        chainId,
        depositAddress: recentlyPaid.depositAddress,
        tokenAddress: recentlyPaid.token.address,
        requiredConfirmations: recentlyPaid.requiredConfirmations,
        acceptsNative: false,
      },
    ]);
    expect(await payments.watchedAddresses({ lateWindowStart, chainId, afterPaymentId: open.id })).toHaveLength(1);
  });

  it('reads the watched addresses in batches, as one read gives them and from one snapshot, and closes its connection', async () => {
    const lateWindowStart = new Date(Date.now() - 60_000);
    for (const payment of [pricedPaymentFixture({ merchantId }), paymentFixture({ merchantId }), paymentFixture({ merchantId, status: 'TIMEOUT', finalizedAt: new Date(Date.now() - 3_600_000) })]) {
      await storePayment(db.dataSource.manager, payment);
    }
    const all = await payments.watchedAddresses({ lateWindowStart });
    // More rows than one batch of two.
    expect(all.length).toBeGreaterThanOrEqual(3);

    const batches = [];
    const late = paymentFixture({ merchantId });
    for await (const batch of payments.watchedAddressBatches({ lateWindowStart }, 2)) {
      batches.push(batch);
      // Stored after the read began: not in its snapshot, whatever batch comes next.
      if (batches.length === 1) await storePayment(db.dataSource.manager, late);
    }
    expect(batches.flat()).toEqual(all);
    expect(batches.map((batch) => batch.length)).toEqual([...Array(Math.floor(all.length / 2)).fill(2), ...(all.length % 2 ? [1] : [])]);
    // Its server process ends shortly after the connection closes.
    const closed = () =>
      waitFor(
        () => db.dataSource.query<{ count: string }[]>(`SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kassa-watched-addresses'`),
        (rows) => Number(rows[0]!.count) === 0,
        (rows) => `connections still open: ${rows?.[0]?.count}`,
      );
    await closed();

    // A reader that stops early closes the connection too.
    for await (const batch of payments.watchedAddressBatches({ lateWindowStart }, 2)) if (batch) break;
    await closed();
  });

  it('says per chain whether a watched payment accepts the native coin there', async () => {
    // USDT on 31337; ETH and USDC on 31338.
    const priced = pricedPaymentFixture({ merchantId });
    await storePayment(db.dataSource.manager, priced);

    const onBoth = await payments.watchedAddresses({ lateWindowStart: new Date() });

    expect(onBoth.filter((row) => row.paymentId === priced.id).map((row) => [row.chainId, row.acceptsNative])).toEqual([
      [31337, false],
      [31338, true],
    ]);
  });

  it('lists open payments past their deadline, earliest first', async () => {
    const now = new Date();
    const due = paymentFixture({ merchantId, chainId: 888, expiresAt: new Date(now.getTime() - 1000) });
    const dueEarlier = paymentFixture({ merchantId, chainId: 888, expiresAt: new Date(now.getTime() - 5000) });
    const notYet = paymentFixture({ merchantId, chainId: 888, expiresAt: new Date(now.getTime() + 1000) });
    for (const payment of [due, dueEarlier, notYet]) await storePayment(db.dataSource.manager, payment);

    const pastDeadline = (await payments.listOpenPastDeadline(now, 1000)).filter((p) => p.chainId === 888);

    expect(pastDeadline.map((p) => p.id)).toEqual([dueEarlier.id, due.id]);
  });

  it('finds several payments by id regardless of merchant', async () => {
    const mine = paymentFixture({ merchantId });
    const theirs = paymentFixture({ merchantId: otherMerchantId });
    for (const payment of [mine, theirs]) await storePayment(db.dataSource.manager, payment);

    const found = await payments.findManyByIdsUnscoped([mine.id, theirs.id, newId('payment')]);

    expect(found.map((p) => p.id).sort()).toEqual([mine.id, theirs.id].sort());
  });
});
