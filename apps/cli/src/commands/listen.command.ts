import { createServer } from 'node:http';

import { Webhook } from 'standardwebhooks';

/**
 * A local webhook endpoint for trying Kassa out: prints every delivery and whether its
 * Standard Webhooks signature verifies with `secret` (the `standardwebhooks` library, as a
 * merchant's server would use it). Answers 204 when the signature verifies, 400 otherwise.
 */
export function listenForWebhooks(port: number, secret: string, print: (line: string) => void): Promise<() => Promise<void>> {
  const verifier = new Webhook(secret);
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const event = verifier.verify(body, {
          'webhook-id': String(request.headers['webhook-id'] ?? ''),
          'webhook-timestamp': String(request.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(request.headers['webhook-signature'] ?? ''),
        }) as { id: string; type: string; data: { id: string; status: string; exception: string | null; amountReceived: string; currency: string } };
        print(`${new Date().toISOString()}  ${event.type.padEnd(22)} ${event.data.id}  status=${event.data.status}` +
          `${event.data.exception ? ` exception=${event.data.exception}` : ''}  received=${event.data.amountReceived} ${event.data.currency}  signature=verified`);
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
