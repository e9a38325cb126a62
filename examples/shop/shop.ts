/**
 * An example shop on Kassa (docs: ./README.md): a product page, a Buy button that creates a
 * payment with `@kassa/sdk` and sends the customer to Kassa's hosted checkout, a webhook
 * handler that marks the order paid on a verified `payment.paid` (once, however often the
 * webhook comes), and the page the customer returns to. Plain `node:http`, orders in memory:
 * copy it and put your own framework and database in.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import escapeHtml from 'escape-html';

import { type Kassa, KassaApiError, KassaWebhookVerificationError } from '@kassa/sdk';

/** What the shop sells; prices in US dollars, paid in USDC at Kassa's rate (1:1). */
export const PRODUCTS = [
  { id: 'coffee', name: 'Coffee beans, 1 kg', price: '24.00' },
  { id: 'mug', name: 'Enamel mug', price: '12.50' },
] as const;

export interface Order {
  id: string;
  productId: string;
  /** US dollars. */
  price: string;
  status: 'awaiting_payment' | 'paid';
  /** The Kassa payment of the order, once created. */
  paymentId: string | null;
  /** The event that marked it paid (its id is also the `webhook-id` header). */
  paidByEvent: string | null;
}

export interface ShopOptions {
  kassa: Kassa;
  /** The signing secret of the shop's webhook endpoint in Kassa (`whsec_...`). */
  webhookSecret: string;
  /** Port to listen on (0: any free one) and host. */
  port: number;
  host?: string;
  /** The shop's public URL as the customer's browser reaches it; default `http://<host>:<port>`. */
  publicUrl?: string;
}

export interface RunningShop {
  url: string;
  orders: Map<string, Order>;
  /** Orders handed to fulfilment (shipped), in order: an order appears here once. */
  fulfilled: string[];
  /** Ids of the webhook events handled, so a repeated delivery is recognised. */
  handledEvents: Set<string>;
  close(): Promise<void>;
}

/** Starts the shop. */
export async function startShop(options: ShopOptions): Promise<RunningShop> {
  const orders = new Map<string, Order>();
  const fulfilled: string[] = [];
  const handledEvents = new Set<string>();
  let publicUrl = options.publicUrl ?? '';
  let nextOrder = 1000;

  /** Checkout: a new order, its Kassa payment, and the customer sent to the hosted checkout. */
  async function checkout(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    const product = PRODUCTS.find((candidate) => candidate.id === form.get('product'));
    if (!product) return send(response, 400, page('Unknown product', '<p>That product does not exist. <a href="/">Back to the shop</a></p>'));
    nextOrder += 1;
    const order: Order = { id: `order-${nextOrder}`, productId: product.id, price: product.price, status: 'awaiting_payment', paymentId: null, paidByEvent: null };
    orders.set(order.id, order);
    try {
      const payment = await options.kassa.payments.create(
        {
          price: { amount: product.price, currency: 'USD' },
          acceptedCurrencies: ['USDC'],
          orderId: order.id,
          description: product.name,
          successUrl: `${publicUrl}/orders/${order.id}`,
          cancelUrl: `${publicUrl}/`,
        },
        // The order id as the idempotency key: a double-clicked Buy button pays one payment.
        { idempotencyKey: `shop-${order.id}` },
      );
      order.paymentId = payment.id;
      response.writeHead(303, { location: payment.checkoutUrl }).end();
    } catch (error) {
      const reason = error instanceof KassaApiError ? `${error.title}: ${error.detail ?? error.code}` : 'the payment service cannot be reached';
      send(response, 502, page('Payment unavailable', `<p>We could not start the payment (${escapeHtml(reason)}). Please try again. <a href="/">Back to the shop</a></p>`));
    }
  }

  /**
   * Kassa's webhooks: only a verified event counts (never the return page's query string,
   * which anyone can type). `payment.paid` of the order's own payment marks it paid and ships
   * it, once: a repeated delivery of the same event, or a second event, changes nothing.
   */
  async function webhook(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    let event;
    try {
      event = options.kassa.webhooks.verify(body, request.headers, options.webhookSecret);
    } catch (error) {
      if (error instanceof KassaWebhookVerificationError) return send(response, 400, 'invalid signature', 'text/plain');
      throw error;
    }
    if (handledEvents.has(event.id)) return send(response, 204, '');
    if (event.type === 'payment.paid') {
      const order = event.data.orderId === null ? undefined : orders.get(event.data.orderId);
      if (order && order.paymentId === event.data.id && order.status !== 'paid') {
        order.status = 'paid';
        order.paidByEvent = event.id;
        fulfilled.push(order.id);
      }
    }
    handledEvents.add(event.id);
    send(response, 204, '');
  }

  /** The page Kassa's checkout sends the customer back to: what the shop knows of the order. */
  function orderPage(response: ServerResponse, orderId: string): void {
    const order = orders.get(orderId);
    if (!order) return send(response, 404, page('Order not found', '<p>No such order. <a href="/">Back to the shop</a></p>'));
    const product = PRODUCTS.find((candidate) => candidate.id === order.productId)!;
    if (order.status === 'paid') {
      return send(response, 200, page('Thank you', `<p id="order-status" data-status="paid">Order ${escapeHtml(order.id)} is paid: your ${escapeHtml(product.name)} is on its way.</p>`));
    }
    // Paid on chain but not confirmed to the shop yet: look again shortly.
    send(response, 200, page('Waiting for your payment', `<p id="order-status" data-status="awaiting_payment">Order ${escapeHtml(order.id)} is waiting for its payment to be confirmed.</p>`, '<meta http-equiv="refresh" content="2">'));
  }

  function productPage(response: ServerResponse): void {
    const items = PRODUCTS.map(
      (product) => `<li><form method="post" action="/checkout"><span class="name">${escapeHtml(product.name)}</span> <span class="price">${product.price} USD</span>
<input type="hidden" name="product" value="${product.id}"><button type="submit" id="buy-${product.id}">Buy with crypto</button></form></li>`,
    ).join('\n');
    send(response, 200, page('Example shop', `<ul>${items}</ul><p>Pay in USDC; you return here once it is paid.</p>`));
  }

  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://shop.invalid');
    const route = `${request.method} ${url.pathname}`;
    const handled: Promise<void> | void =
      route === 'GET /' ? productPage(response)
      : route === 'POST /checkout' ? checkout(request, response)
      : route === 'POST /webhooks/kassa' ? webhook(request, response)
      : request.method === 'GET' && url.pathname.startsWith('/orders/') ? orderPage(response, decodeURIComponent(url.pathname.slice('/orders/'.length)))
      : send(response, 404, page('Not found', '<p><a href="/">Back to the shop</a></p>'));
    Promise.resolve(handled).catch((error: Error) => {
      process.stderr.write(`shop: ${route} failed: ${error.stack ?? error.message}\n`);
      if (!response.headersSent) send(response, 500, 'internal error', 'text/plain');
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port, options.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  publicUrl ||= `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url: publicUrl,
    orders,
    fulfilled,
    handledEvents,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The request body as text (the raw bytes a webhook signature covers), at most 1 MiB. */
function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1 << 20) request.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: string, contentType = 'text/html; charset=utf-8'): void {
  response.writeHead(status, { 'content-type': contentType }).end(body);
}

function page(title: string, body: string, head = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>${head}</head><body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}
