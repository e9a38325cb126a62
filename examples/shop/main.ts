/**
 * Runs the example shop against a Kassa: `npm run example:shop` next to `npm start` (it
 * then uses the demo API key), or anywhere with
 * `KASSA_API_URL=https://pay.example.com KASSA_API_KEY=kassa_sk_... KASSA_WEBHOOK_SECRET=whsec_... node main.js`.
 * Without a webhook secret it registers its webhook endpoint in Kassa and prints the secret
 * to set next time.
 */
import { existsSync, readFileSync } from 'node:fs';

import { Kassa } from '@kassa/sdk';

import { startShop } from './shop';

async function main(): Promise<void> {
  const local = existsSync('.kassa/state.json') ? (JSON.parse(readFileSync('.kassa/state.json', 'utf8')) as { apiUrl?: string; demo?: { apiKey: string } }) : {};
  const apiKey = process.env.KASSA_API_KEY ?? local.demo?.apiKey;
  if (!apiKey) throw new Error('Set KASSA_API_KEY (or run npm start first, whose demo key is then used)');
  const kassa = new Kassa({ apiKey, baseUrl: process.env.KASSA_API_URL ?? local.apiUrl ?? 'http://127.0.0.1:3000' });
  const port = Number(process.env.SHOP_PORT ?? 4242);
  const publicUrl = process.env.SHOP_URL ?? `http://127.0.0.1:${port}`;

  let webhookSecret = process.env.KASSA_WEBHOOK_SECRET;
  if (!webhookSecret) {
    const endpoint = await kassa.webhookEndpoints.create({ url: `${publicUrl}/webhooks/kassa`, enabledEvents: ['payment.paid'], description: 'Example shop' });
    webhookSecret = endpoint.secret;
    process.stdout.write(`Registered webhook endpoint ${endpoint.id}; next time set KASSA_WEBHOOK_SECRET=${endpoint.secret}\n`);
  }
  const shop = await startShop({ kassa, webhookSecret, port, publicUrl });
  process.stdout.write(`Example shop at ${shop.url}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});
