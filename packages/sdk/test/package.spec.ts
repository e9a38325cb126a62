import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SDK = path.join(__dirname, '..');

/**
 * `@kassa/sdk` as published (`npm run build:sdk`, or `npm pack` in packages/sdk): it compiles
 * on its own (its own tsconfig, no path aliases) to CommonJS with type declarations, and the
 * built entry works in a plain Node process: it verifies a Standard Webhooks signature and
 * refuses a forged one.
 */
describe('@kassa/sdk as a package', () => {
  it('builds to dist/ and its built entry verifies webhooks in a plain Node process', async () => {
    await run(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(SDK, 'tsconfig.build.json')], { timeout: 120_000 });
    const script = `
      const { Kassa, verifyWebhook, KassaWebhookVerificationError } = require(${JSON.stringify(path.join(SDK, 'dist', 'index.js'))});
      const { Webhook } = require('standardwebhooks');
      const secret = 'whsec_' + Buffer.alloc(32, 1).toString('base64');
      const body = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment.paid', apiVersion: '2026-11-01', createdAt: new Date().toISOString(), data: { id: 'pay_1' } });
      const now = new Date();
      const headers = { 'webhook-id': 'evt_1', 'webhook-timestamp': String(Math.floor(now.getTime() / 1000)), 'webhook-signature': new Webhook(secret).sign('evt_1', now, body) };
      const event = new Kassa({ apiKey: 'kassa_sk_x', baseUrl: 'http://127.0.0.1:1' }).webhooks.verify(body, headers, secret);
      let refused = false;
      try { verifyWebhook(body.replace('pay_1', 'pay_2'), headers, secret); } catch (error) { refused = error instanceof KassaWebhookVerificationError; }
      process.stdout.write(JSON.stringify({ type: event.type, paymentId: event.data.id, refused }));
    `;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd: SDK, timeout: 30_000 });
    expect(JSON.parse(stdout)).toEqual({ type: 'payment.paid', paymentId: 'pay_1', refused: true });
  });
});
