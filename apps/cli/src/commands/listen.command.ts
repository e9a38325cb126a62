import { createServer } from 'node:http';

import { Webhook } from 'standardwebhooks';

import type { EventPayload } from '@kassa/domain';

/**
 * The page a customer returns to from the checkout (a payment's `successUrl` or
 * `cancelUrl`, e.g. `http://127.0.0.1:4000/shop/thanks`): it shows the `payment_id` and
 * `order_id` the checkout appended, as a shop's page would read them.
 */
function shopReturnPage(url: URL): string {
  const escape = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  const paymentId = escape(url.searchParams.get('payment_id') ?? '(none)');
  const orderId = escape(url.searchParams.get('order_id') ?? '(none)');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>Back at the shop</title></head><body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem">
<h1>Back at the shop</h1><p>The checkout sent the customer to <code>${escape(url.pathname)}</code> with payment <code>${paymentId}</code>
and order <code>${orderId}</code>.</p><p>A real shop shows its thank-you or cart page here, and fulfils the order on the signed
<code>payment.paid</code> webhook printed in the terminal.</p></body></html>`;
}

/**
 * A local webhook endpoint for trying Kassa out: prints every delivery and whether its
 * Standard Webhooks signature verifies with `secret` (the `standardwebhooks` library, as a
 * merchant's server would use it). Answers 204 when the signature verifies, 400 otherwise.
 * A GET answers with a page standing in for the shop the checkout returns the customer to.
 */
export function listenForWebhooks(port: number, secret: string, print: (line: string) => void): Promise<() => Promise<void>> {
  const verifier = new Webhook(secret);
  const server = createServer((request, response) => {
    if (request.method === 'GET') {
      const url = new URL(request.url ?? '/', `http://127.0.0.1:${port}`);
      print(`${new Date().toISOString()}  customer returned to ${url.pathname}${url.search}`);
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(shopReturnPage(url));
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const event = verifier.verify(body, {
          'webhook-id': String(request.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
        }) as EventPayload;
        print(`${new Date().toISOString()}  ${event.type.padEnd(22)} ${event.data.id}  ${describeData(event.data)}  signature=verified`);
        response.writeHead(204).end();
      } catch (error) {
        print(`${new Date().toISOString()}  rejected delivery: ${(error as Error).message}`);
        response.writeHead(400).end();
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(() => new Promise((done) => server.close(() => done()))));
  });
}

/** What `listen` prints of an event's object: a payment's status and amounts, a refund's or payout's status and amount, a test's message. */
function describeData(data: EventPayload['data']): string {
  switch (data.object) {
    case 'payment':
      return `status=${data.status}${data.exception ? ` exception=${data.exception}` : ''}  received=${data.amountReceived} ${data.currency}`;
    case 'refund':
    case 'payout':
      return `status=${data.status}  amount=${data.amount} ${data.currency}`;
    case 'webhook_endpoint_test':
      return data.message;
  }
}
