import { startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { Webhook } from 'standardwebhooks';

import { generateWebhookSecret, signWebhook } from '../signing/webhook-signature';
import { MAX_LOGGED_RESPONSE_BYTES, WebhookSender } from './webhook.sender';

const body = JSON.stringify({ id: 'evt_sender', object: 'event', type: 'payment.paid', data: { note: 'Zahlung über 25,50 €' } });

function signed(url: string, secret = generateWebhookSecret()) {
  return { url, body, headers: signWebhook({ id: 'evt_sender', timestamp: new Date(), body }, [secret]) };
}

describe('WebhookSender', () => {
  const receivers: WebhookReceiver[] = [];
  const senders: WebhookSender[] = [];

  async function receiver(...args: Parameters<typeof startWebhookReceiver>) {
    const started = await startWebhookReceiver(...args);
    receivers.push(started);
    return started;
  }
  function sender(timeoutMs = 2_000, allowPrivateUrls = true, resolve?: ConstructorParameters<typeof WebhookSender>[0]['resolve']) {
    const created = new WebhookSender({ timeoutMs, allowPrivateUrls, resolve });
    senders.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await Promise.all(senders.splice(0).map((s) => s.close()));
  });

  it('POSTs the signed bytes as JSON with the Standard Webhooks headers, and a 2xx is delivered', async () => {
    const endpoint = await receiver(() => ({ status: 200, body: 'thanks' }));
    const secret = generateWebhookSecret();

    const result = await sender().send(signed(endpoint.url, secret));

    expect(result).toEqual({ ok: true, statusCode: 200, durationMs: expect.any(Number), error: null, responseBody: 'thanks' });
    const [request] = endpoint.received;
    expect(request!.method).toBe('POST');
    expect(request!.body).toBe(body);
    expect(request!.headers['content-type']).toBe('application/json');
    expect(request!.headers['user-agent']).toBe('Kassa-Webhooks/1');
    expect(request!.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(new Webhook(secret).verify(request!.body, request!.headers as Record<string, string>)).toEqual(JSON.parse(body));
  });

  it('reports a 500 with its status and response body as a failed attempt', async () => {
    const endpoint = await receiver(() => ({ status: 500, body: 'database is down' }));
    expect(await sender().send(signed(endpoint.url))).toMatchObject({
      ok: false,
      statusCode: 500,
      error: null,
      responseBody: 'database is down',
    });
  });

  it('does not follow a redirect and counts it as a failure', async () => {
    const elsewhere = await receiver(() => ({ status: 200 }));
    const endpoint = await receiver(() => ({ status: 302, headers: { location: elsewhere.url } }));

    const result = await sender().send(signed(endpoint.url));

    expect(result).toMatchObject({ ok: false, statusCode: 302, error: `redirect not followed (location: ${elsewhere.url})` });
    expect(elsewhere.received).toHaveLength(0);
  });

  it('gives up on an endpoint that never answers after the timeout', async () => {
    const endpoint = await receiver(() => 'hang');

    const result = await sender(300).send(signed(endpoint.url));

    expect(result).toMatchObject({ ok: false, statusCode: null, responseBody: null, error: 'timed out: no complete response within 300 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(1_500);
  });

  it('times out an endpoint that sends 200 and then trickles its body forever', async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('ok so far');
        const drip = setInterval(() => res.write('.'), 50);
        res.on('close', () => clearInterval(drip));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await sender(400).send(signed(`http://127.0.0.1:${port}/slow`));
      expect(result).toMatchObject({ ok: false, statusCode: 200, error: 'timed out: no complete response within 400 ms' });
      expect(result.responseBody).toMatch(/^ok so far\.*$/);
      expect(result.durationMs).toBeLessThan(1_500);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps only the first 2 KiB of a large response', async () => {
    const endpoint = await receiver(() => ({ status: 400, body: 'x'.repeat(100_000) }));
    const result = await sender().send(signed(endpoint.url));
    expect(result.statusCode).toBe(400);
    expect(result.responseBody).toHaveLength(MAX_LOGGED_RESPONSE_BYTES);
  });

  it('reports a closed port as connection refused', async () => {
    const endpoint = await receiver();
    const url = endpoint.url;
    await endpoint.close();
    receivers.splice(receivers.indexOf(endpoint), 1);

    const result = await sender().send(signed(url));
    expect(result).toMatchObject({ ok: false, statusCode: null, responseBody: null });
    expect(result.error).toMatch(/connection refused/);
  });

  describe('when private URLs are not allowed', () => {
    it('refuses a loopback address without connecting', async () => {
      const endpoint = await receiver();
      const result = await sender(2_000, false).send(signed(endpoint.url));
      expect(result).toMatchObject({ ok: false, statusCode: null, durationMs: 0 });
      expect(result.error).toMatch(/^refused: url: must not point to a loopback, private or reserved address/);
      expect(endpoint.received).toHaveLength(0);
    });

    it('refuses a host name that resolves to loopback at delivery time (DNS rebinding)', async () => {
      const endpoint = await receiver();
      const port = new URL(endpoint.url).port;
      const rebinding = sender(2_000, false, async () => [{ address: '127.0.0.1', family: 4 }]);

      const result = await rebinding.send(signed(`http://shop.example.com:${port}/webhooks/kassa`));

      expect(result).toMatchObject({ ok: false, statusCode: null });
      expect(result.error).toContain("refused: host 'shop.example.com' resolves to 127.0.0.1");
      expect(endpoint.received).toHaveLength(0);
    });
  });
});
