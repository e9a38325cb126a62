import type { PaymentObject } from '@kassa/domain';

import { type Problem, useTestKassa } from '@kassa/testing/scenario';

/** The merchant API's contract: idempotency, tenancy, pagination and RFC 9457 errors. */
describe('merchant payments API', () => {
  const kassa = useTestKassa({ apps: { watcher: false, worker: false } });

  const paymentCount = async () => Number((await kassa.dataSource.query('SELECT count(*) AS n FROM payments'))[0].n);

  it('creates a payment with a unique deposit address derived per payment', async () => {
    const a = await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    const b = await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.depositAddress).toMatch(/^0x[0-9a-fA-F]{40}$/);
    expect(a.body.depositAddress).not.toBe(b.body.depositAddress);
    expect(a.body.id).toMatch(/^pay_/);
  });

  it('replays the first response for the same idempotency key and body, and refuses another body', async () => {
    const body = { amount: '12.34', currency: 'USDC', orderId: 'idem-1' };
    const headers = { 'idempotency-key': 'order-idem-1' };
    const before = await paymentCount();
    const first = await kassa.request<PaymentObject>('POST', '/v1/payments', body, headers);
    const replay = await kassa.request<PaymentObject>('POST', '/v1/payments', { currency: 'USDC', orderId: 'idem-1', amount: '12.34' }, headers);
    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(first.body.id);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await paymentCount()).toBe(before + 1);

    const conflict = await kassa.request<Problem>('POST', '/v1/payments', { ...body, amount: '99' }, headers);
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('idempotency_key_reused');
    expect(await paymentCount()).toBe(before + 1);
  });

  it('creates once for concurrent requests with one key, beside concurrent creates with other keys', async () => {
    const before = await paymentCount();
    const body = { amount: '7.5', currency: 'USDC', orderId: 'idem-concurrent' };
    const sameKey = Array.from({ length: 6 }, () => kassa.request<PaymentObject>('POST', '/v1/payments', body, { 'idempotency-key': 'idem-concurrent' }));
    const otherKeys = Array.from({ length: 6 }, (_, index) =>
      kassa.request<PaymentObject>('POST', '/v1/payments', { ...body, orderId: `idem-other-${index}` }, { 'idempotency-key': `idem-other-${index}` }),
    );
    const [same, others] = await Promise.all([Promise.all(sameKey), Promise.all(otherKeys)]);

    expect(same.map(({ status }) => status)).toEqual(Array(6).fill(201));
    expect(new Set(same.map(({ body: payment }) => payment.id)).size).toBe(1);
    expect(same.filter(({ headers }) => headers.get('idempotent-replayed') === 'true')).toHaveLength(5);
    expect(others.map(({ status }) => status)).toEqual(Array(6).fill(201));
    expect(new Set(others.map(({ body: payment }) => payment.id)).size).toBe(6);
    expect(await paymentCount()).toBe(before + 7);
    const [{ n: events }] = await kassa.dataSource.query(`SELECT count(*)::int AS n FROM events WHERE payment_id = $1`, [same[0]!.body.id]);
    expect(events).toBe(1);
  });

  it('answers 404 for another merchant\'s payment, on read and on cancel', async () => {
    const other = await kassa.createMerchant('Other Shop');
    const mine = await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    const asOther = { authorization: `Bearer ${other.apiKey}` };
    const read = await kassa.request<Problem>('GET', `/v1/payments/${mine.body.id}`, undefined, asOther);
    expect(read.status).toBe(404);
    const cancel = await kassa.request<Problem>('POST', `/v1/payments/${mine.body.id}/cancel`, undefined, asOther);
    expect(cancel.status).toBe(404);
    const list = await kassa.request<{ data: PaymentObject[] }>('GET', '/v1/payments', undefined, asOther);
    expect(list.body.data.map((payment) => payment.id)).not.toContain(mine.body.id);
  });

  it('rejects missing, malformed and unknown API keys with 401 problems', async () => {
    for (const authorization of ['', 'Bearer nope', `Bearer kassa_sk_${'A'.repeat(43)}`]) {
      const response = await kassa.request<Problem>('GET', '/v1/payments', undefined, { authorization });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
    }
  });

  it('lists payments newest first with cursor pagination and filters', async () => {
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      created.push((await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '2', currency: 'USDT', orderId: 'page-test' })).body.id);
    }
    const first = await kassa.request<{ data: PaymentObject[]; hasMore: boolean; nextCursor: string }>('GET', '/v1/payments?orderId=page-test&limit=3');
    expect(first.body.data.map((p) => p.id)).toEqual(created.slice().reverse().slice(0, 3));
    expect(first.body.hasMore).toBe(true);
    const second = await kassa.request<{ data: PaymentObject[]; hasMore: boolean }>('GET', `/v1/payments?orderId=page-test&limit=3&startingAfter=${first.body.nextCursor}`);
    expect(second.body.data.map((p) => p.id)).toEqual(created.slice().reverse().slice(3));
    expect(second.body.hasMore).toBe(false);
    const byStatus = await kassa.request<{ data: PaymentObject[] }>('GET', '/v1/payments?status=PAID&orderId=page-test');
    expect(byStatus.body.data).toEqual([]);
  });

  it.each([
    ['too many decimals', { amount: '1.0000001', currency: 'USDC' }, 'amount'],
    ['zero', { amount: '0', currency: 'USDC' }, 'amount'],
    ['negative', { amount: '-5', currency: 'USDC' }, 'amount'],
    ['non-numeric', { amount: 'ten', currency: 'USDC' }, 'amount'],
    ['a JSON number', { amount: 25.5, currency: 'USDC' }, 'amount'],
    ['exponent notation', { amount: '1e6', currency: 'USDC' }, 'amount'],
    ['missing amount', { currency: 'USDC' }, 'amount'],
    ['unknown currency', { amount: '1', currency: 'DOGE' }, 'currency'],
    ['unknown chain', { amount: '1', currency: 'USDC', chainId: 999999 }, 'chainId'],
    ['chain id as a string', { amount: '1', currency: 'USDC', chainId: '31337' }, 'chainId'],
    ['an unknown field', { amount: '1', currency: 'USDC', colour: 'red' }, 'colour'],
    ['a bad success URL', { amount: '1', currency: 'USDC', successUrl: 'javascript:alert(1)' }, 'successUrl'],
    ['a too short deadline', { amount: '1', currency: 'USDC', expiresInSeconds: 5 }, 'expiresInSeconds'],
    ['metadata that is not an object', { amount: '1', currency: 'USDC', metadata: 'x' }, 'metadata'],
  ])('answers 400 naming the field for %s, and writes nothing', async (_case, body, field) => {
    const before = await paymentCount();
    const response = await kassa.request<Problem>('POST', '/v1/payments', body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(response.body.errors?.map((error) => error.field)).toContain(field);
    expect(await paymentCount()).toBe(before);
  });

  it('answers malformed JSON and a malformed idempotency key with 400 problems', async () => {
    const malformed = await kassa.request<Problem>('POST', '/v1/payments', '{"amount": "1",', {});
    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toContain('application/problem+json');
    const badKey = await kassa.request<Problem>('POST', '/v1/payments', { amount: '1', currency: 'USDC' }, { 'idempotency-key': 'x'.repeat(300) });
    expect(badKey.status).toBe(400);
    expect(badKey.body.errors?.[0]?.field).toBe('Idempotency-Key');
  });

  it('serves the OpenAPI document at /docs', async () => {
    const response = await kassa.request<{ openapi: string; paths: Record<string, unknown> }>('GET', '/docs/json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(Object.keys(response.body.paths)).toEqual(expect.arrayContaining(['/v1/payments', '/v1/payments/{id}', '/v1/payments/{id}/cancel']));
  });
});
