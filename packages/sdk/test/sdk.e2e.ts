import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { eventually, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';
import { useTestKassa } from '@kassa/testing/scenario';

import { Kassa, KassaApiError, KassaWebhookVerificationError, type Payment } from '@kassa/sdk';

/** What the proxy in front of the API does with one request: answer it itself, or pass it on. */
type ProxyRule = (request: IncomingMessage, index: number) => { status: number; headers?: Record<string, string>; body?: string } | 'destroy' | 'forward';

/**
 * A reverse proxy in front of the test API that can answer a request itself (a 429 with
 * `Retry-After`, a 503) or drop its connection, as a load balancer or a flaky network does;
 * it records when each request arrived.
 */
async function startFlakyProxy(target: string): Promise<{ url: string; arrivals: { method: string; path: string; at: number; key: string | undefined }[]; rule: ProxyRule; close(): Promise<void> }> {
  const state = {
    url: '',
    arrivals: [] as { method: string; path: string; at: number; key: string | undefined }[],
    rule: (() => 'forward') as ProxyRule,
    close: async () => undefined as void,
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const index = state.arrivals.length;
      state.arrivals.push({ method: request.method!, path: request.url!, at: Date.now(), key: request.headers['idempotency-key'] as string | undefined });
      const decision = state.rule(request, index);
      if (decision === 'destroy') {
        request.socket.destroy();
        return;
      }
      if (decision !== 'forward') {
        response.writeHead(decision.status, { 'content-type': 'application/problem+json', ...decision.headers });
        response.end(decision.body ?? JSON.stringify({ type: 'about:blank', title: 'Busy', status: decision.status, code: decision.status === 429 ? 'too_many_requests' : 'service_unavailable' }));
        return;
      }
      const headers = Object.fromEntries(Object.entries(request.headers).filter(([name]) => name !== 'host' && name !== 'content-length') as [string, string][]);
      void fetch(`${target}${request.url}`, { method: request.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined }).then(async (answer) => {
        response.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        response.end(Buffer.from(await answer.arrayBuffer()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

/**
 * `@kassa/sdk` against a real test Kassa (issue 16, item 1): creates with an idempotency key,
 * reads, iterates a list across pages, retries what may be repeated (429 honouring
 * Retry-After, 503, a dropped connection) and nothing else, surfaces problems as typed
 * errors, and verifies a real webhook delivery while refusing a tampered one.
 */
describe('@kassa/sdk', () => {
  const kassa = useTestKassa({ confirmations: 1, apps: { watcher: false } });
  let proxy: Awaited<ReturnType<typeof startFlakyProxy>>;
  let sdk: Kassa;

  beforeAll(async () => {
    proxy = await startFlakyProxy(kassa.apiUrl);
    sdk = new Kassa({ apiKey: kassa.apiKey, baseUrl: proxy.url, maxRetryDelayMs: 5_000 });
  });

  beforeEach(() => {
    proxy.rule = () => 'forward';
    proxy.arrivals.length = 0;
  });

  afterAll(async () => {
    await proxy?.close();
  });

  it('creates a payment with a generated Idempotency-Key, and reads it back', async () => {
    const payment = await sdk.payments.create({ amount: '25.50', currency: 'USDC', orderId: 'sdk-1' });
    expect(payment).toMatchObject({ object: 'payment', status: 'CREATED', amountBaseUnits: '25500000', orderId: 'sdk-1' });
    expect(proxy.arrivals[0]).toMatchObject({ method: 'POST', path: '/v1/payments' });
    expect(proxy.arrivals[0]!.key).toMatch(/^[0-9a-f-]{36}$/);

    const again = await sdk.payments.create({ amount: '25.50', currency: 'USDC', orderId: 'sdk-1' }, { idempotencyKey: proxy.arrivals[0]!.key });
    expect(again.id).toBe(payment.id);
    expect((await sdk.payments.get(payment.id)).id).toBe(payment.id);
  });

  it('iterates a list across pages, fetching each page when the iteration reaches it', async () => {
    const link = await sdk.paymentLinks.create({ amount: '1.00', currency: 'USDC' });
    for (let visit = 0; visit < 5; visit += 1) expect((await fetch(link.url, { redirect: 'manual' })).status).toBe(303);
    proxy.arrivals.length = 0;
    const seen: Payment[] = [];
    for await (const payment of sdk.payments.list({ paymentLinkId: link.id, limit: 2 })) seen.push(payment);
    expect(seen).toHaveLength(5);
    expect(new Set(seen.map((payment) => payment.id)).size).toBe(5);
    expect(seen.map((payment) => payment.id)).toEqual([...seen.map((payment) => payment.id)].sort().reverse());
    expect(seen.every((payment) => payment.paymentLinkId === link.id)).toBe(true);
    expect(proxy.arrivals.map((arrival) => arrival.path)).toEqual([
      `/v1/payments?paymentLinkId=${link.id}&limit=2`,
      `/v1/payments?paymentLinkId=${link.id}&limit=2&startingAfter=${seen[1]!.id}`,
      `/v1/payments?paymentLinkId=${link.id}&limit=2&startingAfter=${seen[3]!.id}`,
    ]);
  });

  it('retries a create answered 429 after the Retry-After it was given, with the same Idempotency-Key', async () => {
    proxy.rule = (_request, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '1' } } : 'forward');
    const payment = await sdk.payments.create({ amount: '2.00', currency: 'USDC' });
    expect(payment.status).toBe('CREATED');
    const [refused, retried] = proxy.arrivals;
    expect(proxy.arrivals).toHaveLength(2);
    expect(retried!.key).toBe(refused!.key);
    expect(retried!.at - refused!.at).toBeGreaterThanOrEqual(950);
  });

  it('retries reads on 503 and on a dropped connection, and gives up with the last answer after maxRetries', async () => {
    const payment = await sdk.payments.create({ amount: '3.00', currency: 'USDC' });
    proxy.arrivals.length = 0;
    proxy.rule = (_request, index) => (index === 0 ? { status: 503 } : index === 1 ? 'destroy' : 'forward');
    expect((await sdk.payments.get(payment.id)).id).toBe(payment.id);
    expect(proxy.arrivals).toHaveLength(3);

    const patient = new Kassa({ apiKey: kassa.apiKey, baseUrl: proxy.url, maxRetries: 2, maxRetryDelayMs: 50 });
    proxy.arrivals.length = 0;
    proxy.rule = () => ({ status: 503 });
    const failure = await patient.payments.get(payment.id).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KassaApiError);
    expect((failure as KassaApiError).status).toBe(503);
    expect(proxy.arrivals).toHaveLength(3);
  });

  it('never repeats a request that is not safe to repeat (a cancel answered 429)', async () => {
    const payment = await sdk.payments.create({ amount: '4.00', currency: 'USDC' });
    proxy.arrivals.length = 0;
    proxy.rule = () => ({ status: 429, headers: { 'retry-after': '0' } });
    const failure = await sdk.payments.cancel(payment.id).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KassaApiError);
    expect(failure).toMatchObject({ status: 429, code: 'too_many_requests' });
    expect(proxy.arrivals).toHaveLength(1);
    proxy.rule = () => 'forward';
    expect((await sdk.payments.get(payment.id)).status).toBe('CREATED');
  });

  it('surfaces a refusal as a KassaApiError with the status, the code and the fields at fault', async () => {
    const failure = await sdk.payments.create({ amount: '1.0000001', currency: 'USDC' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KassaApiError);
    const problem = failure as KassaApiError;
    expect(problem).toMatchObject({ status: 400, code: 'validation_failed' });
    expect(problem.errors.map((error) => error.field)).toEqual(['amount']);
    expect(problem.message).toContain('400 validation_failed');

    const missing = await sdk.payments.get('pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC').catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    const wrongKey = await new Kassa({ apiKey: 'kassa_sk_wrong', baseUrl: kassa.apiUrl }).payments.get('pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC').catch((error: unknown) => error);
    expect(wrongKey).toMatchObject({ status: 401, code: 'unauthorized' });
  });

  describe('webhooks', () => {
    let receiver: WebhookReceiver;
    let secret: string;

    beforeAll(async () => {
      receiver = await startWebhookReceiver();
      secret = (await sdk.webhookEndpoints.create({ url: receiver.url })).secret;
    });

    afterAll(async () => {
      await receiver?.close();
    });

    it('verifies a real delivery into a typed event, and refuses it tampered, re-signed with another secret, or without its headers', async () => {
      const payment = await sdk.payments.create({ amount: '5.00', currency: 'USDC', orderId: 'sdk-webhook' });
      const delivery = await eventually(async () => receiver.received.find((webhook) => webhook.body.includes(payment.id)));

      const event = sdk.webhooks.verify(delivery.body, delivery.headers, secret);
      expect(event.type).toBe('payment.created');
      if (event.type !== 'payment.created') throw new Error('narrowing');
      expect(event.data.id).toBe(payment.id);
      expect(event.data.orderId).toBe('sdk-webhook');
      expect(event.id).toBe(delivery.headers['webhook-id']);

      const tampered = delivery.body.replace('"5"', '"0.01"').replace('5000000', '10000');
      expect(tampered).not.toBe(delivery.body);
      expect(() => sdk.webhooks.verify(tampered, delivery.headers, secret)).toThrow(KassaWebhookVerificationError);
      expect(() => sdk.webhooks.verify(delivery.body, delivery.headers, 'whsec_' + Buffer.alloc(24, 7).toString('base64'))).toThrow(KassaWebhookVerificationError);
      const { ['webhook-signature']: _signature, ...unsigned } = delivery.headers;
      expect(() => sdk.webhooks.verify(delivery.body, unsigned, secret)).toThrow(/webhook-signature/);
    });
  });
});
