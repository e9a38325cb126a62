import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the merchant's server saw it. */
export interface ReceivedWebhook {
  path: string;
  method: string;
  headers: IncomingHttpHeaders;
  /** The raw body bytes as UTF-8 text, exactly as received. */
  body: string;
  /** `Date.now()` when the body had fully arrived. */
  receivedAt: number;
}

/**
 * How the receiver answers the n-th request (0-based): a status with an optional body, after
 * an optional delay, or `hang` (accepts the request and never answers, like a dead backend
 * behind a proxy).
 */
export type ReceiverReply = { status: number; body?: string; headers?: Record<string, string>; delayMs?: number } | 'hang';
export type ReceiverBehaviour = (request: ReceivedWebhook, index: number) => ReceiverReply;

/** A local HTTP server standing in for a merchant's webhook endpoint. */
export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/<path>` */
  url: string;
  received: ReceivedWebhook[];
  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedWebhook[]>;
  close(): Promise<void>;
}

/**
 * Starts a receiver on 127.0.0.1 on a free port. Tests use one per endpoint; `close()` also
 * ends hanging requests so the test process can exit.
 */
export async function startWebhookReceiver(
  behaviour: ReceiverBehaviour = () => ({ status: 204 }),
  path = '/webhooks/kassa',
): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const hanging = new Set<ServerResponse>();

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const webhook: ReceivedWebhook = {
        path: req.url ?? '',
        method: req.method ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const index = received.push(webhook) - 1;
      for (const waiter of waiters.filter((w) => received.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      const reply = behaviour(webhook, index);
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      const answer = () => {
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      };
      if (reply.delayMs) setTimeout(answer, reply.delayMs);
      else answer();
    });
  };

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${path}`,
    received,
    waitFor(count, timeoutMs = 10_000) {
      if (received.length >= count) return Promise.resolve(received.slice());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`receiver got ${received.length} of ${count} expected webhooks within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received.slice());
          },
        });
      });
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
