import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';

import { DataSource } from 'typeorm';

import { createDataSourceOptions, findFreePort } from '@kassa/persistence';
import { chainSettingsFixture, createTestDatabase, eventually } from '@kassa/testing';

import { createMerchantWithKey } from '@kassa/api';
import { type Problem, useTestKassa } from '@kassa/testing/scenario';

const API_PER_MINUTE = 20;
const PUBLIC_PER_MINUTE = 4;
const PAYMENT_LINK_PER_MINUTE = 2;
const SIGN_IN_PER_MINUTE = 3;

/**
 * Abuse (issue 5, item 6): rate limits per API key and per client IP with 429 and
 * Retry-After, webhook URLs on private networks refused unless configured, and API keys
 * never printed in logs.
 */
describe('abuse', () => {
  const kassa = useTestKassa({
      apps: { watcher: false, worker: false },
      configure: (config) => ({
        ...config,
        // Each test sends from its own client IP (X-Forwarded-For), so their limits never mix.
        http: { trustProxy: true, rateLimit: { apiPerMinute: API_PER_MINUTE, publicPerMinute: PUBLIC_PER_MINUTE, signInPerMinute: SIGN_IN_PER_MINUTE, paymentLinkPerMinute: PAYMENT_LINK_PER_MINUTE } },
        webhooks: { ...config.webhooks, allowPrivateUrls: false },
      }),
    });

  const fromIp = (ip: string, extra: Record<string, string> = {}) => ({ 'x-forwarded-for': ip, ...extra });

  async function expectTooManyRequests(response: { status: number; headers: Headers; body: unknown }): Promise<void> {
    expect(response.status).toBe(429);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect((response.body as Problem).code).toBe('too_many_requests');
    const retryAfter = Number(response.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
  }

  it('limits each API key on its own: over the limit it answers 429 with Retry-After while another key goes on', async () => {
    const { apiKey } = await kassa.createMerchant('Busy Shop');
    const other = (await kassa.request<{ key: string }>('POST', '/v1/api-keys', { scopes: ['read', 'write'] }, { authorization: `Bearer ${apiKey}` })).body.key;
    const asKey = (key: string) => ({ ...fromIp('198.51.100.1'), authorization: `Bearer ${key}` });

    const statuses: number[] = [];
    for (let i = 1; i < API_PER_MINUTE; i += 1) statuses.push((await kassa.request('GET', '/v1/payments', undefined, asKey(apiKey))).status);
    const over = await kassa.request('GET', '/v1/payments', undefined, asKey(apiKey));

    expect(new Set(statuses)).toEqual(new Set([200]));
    await expectTooManyRequests(over);
    expect((await kassa.request('GET', '/v1/payments', undefined, asKey(other))).status).toBe(200);
  });

  it('limits requests without a valid key per client IP, so guessing keys is limited too', async () => {
    const guess = () => `Bearer kassa_sk_${randomBytes(32).toString('base64url')}`;
    const statuses: number[] = [];
    for (let i = 0; i < PUBLIC_PER_MINUTE; i += 1) {
      statuses.push((await kassa.request('GET', '/v1/payments', undefined, fromIp('198.51.100.2', { authorization: guess() }))).status);
    }
    const over = await kassa.request('GET', '/v1/payments', undefined, fromIp('198.51.100.2', { authorization: guess() }));

    expect(new Set(statuses)).toEqual(new Set([401]));
    await expectTooManyRequests(over);
    expect((await kassa.request('GET', '/v1/payments', undefined, fromIp('198.51.100.3', { authorization: guess() }))).status).toBe(401);
  });

  it('limits the public routes per client IP, and never the health checks', async () => {
    const ip = '198.51.100.4';
    const statuses: number[] = [];
    for (let i = 0; i < PUBLIC_PER_MINUTE; i += 1) statuses.push((await kassa.request('GET', '/docs/json', undefined, fromIp(ip))).status);

    expect(new Set(statuses)).toEqual(new Set([200]));
    await expectTooManyRequests(await kassa.request('GET', '/pay/pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC/status', undefined, fromIp(ip)));
    for (let i = 0; i < PUBLIC_PER_MINUTE * 3; i += 1) {
      expect((await kassa.request('GET', '/health/live', undefined, fromIp(ip))).status).toBe(200);
    }
    expect((await kassa.request('GET', '/docs/json', undefined, fromIp('198.51.100.5'))).status).toBe(200);
  });

  it('limits dashboard sign-in attempts per client IP, whatever their outcome', async () => {
    const ip = '198.51.100.6';
    const attempt = () => kassa.request('POST', '/dashboard/sign-in', 'email=a%40b.test&password=guess', fromIp(ip, { 'content-type': 'application/x-www-form-urlencoded' }));
    for (let i = 0; i < SIGN_IN_PER_MINUTE; i += 1) expect((await attempt()).status).not.toBe(429);
    await expectTooManyRequests(await attempt());
    expect((await kassa.request('POST', '/dashboard/sign-in', 'email=a%40b.test&password=guess', fromIp('198.51.100.7', { 'content-type': 'application/x-www-form-urlencoded' }))).status).not.toBe(429);
  });

  it('limits visits of payment links per client IP, since each creates a payment', async () => {
    const link = await kassa.request<{ id: string }>('POST', '/v1/payment-links', { amount: '1.00', currency: 'USDC' }, fromIp('198.51.100.8'));
    expect(link.status).toBe(201);
    const visit = (ip: string) => fetch(`${kassa.apiUrl}/l/${link.body.id}`, { redirect: 'manual', headers: fromIp(ip) });
    for (let i = 0; i < PAYMENT_LINK_PER_MINUTE; i += 1) expect((await visit('198.51.100.9')).status).toBe(303);
    const refused = await visit('198.51.100.9');
    await expectTooManyRequests({ status: refused.status, headers: refused.headers, body: await refused.json() });
    expect((await visit('198.51.100.10')).status).toBe(303);
    const created = await kassa.request<{ data: unknown[] }>('GET', `/v1/payments?paymentLinkId=${link.body.id}`, undefined, fromIp('198.51.100.8'));
    expect(created.body.data).toHaveLength(PAYMENT_LINK_PER_MINUTE + 1);
  });

  it('refuses webhook URLs on loopback and private networks when the operator does not allow them, and writes nothing', async () => {
    const { apiKey } = await kassa.createMerchant('Careful Shop');
    const headers = { ...fromIp('198.51.100.6'), authorization: `Bearer ${apiKey}` };
    const count = async () => Number((await kassa.dataSource.query('SELECT count(*) AS n FROM webhook_endpoints'))[0].n);
    const before = await count();

    for (const url of [
      'http://127.0.0.1:4000/hook',
      'http://localhost/hook',
      'http://10.1.2.3/hook',
      'http://192.168.1.10/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://2130706433/hook',
    ]) {
      const response = await kassa.request<Problem>('POST', '/v1/webhook-endpoints', { url }, headers);
      expect([url, response.status, response.body.errors?.[0]?.field]).toEqual([url, 400, 'url']);
    }
    expect(await count()).toBe(before);

    const publicEndpoint = await kassa.request<{ id: string }>('POST', '/v1/webhook-endpoints', { url: 'https://93.184.216.34/hook' }, headers);
    expect(publicEndpoint.status).toBe(201);
    const moved = await kassa.request<Problem>('PATCH', `/v1/webhook-endpoints/${publicEndpoint.body.id}`, { url: 'http://10.0.0.1/hook' }, headers);
    expect(moved.status).toBe(400);
    const stored = await kassa.dataSource.query('SELECT url FROM webhook_endpoints WHERE id = $1', [publicEndpoint.body.id]);
    expect(stored[0].url).toBe('https://93.184.216.34/hook');
  });
});

describe('logs of the API process', () => {
  it('never print an API key, whatever the request and its outcome', async () => {
    const database = await createTestDatabase();
    const dataSource = await new DataSource(createDataSourceOptions(database.url, { poolSize: 1 })).initialize();
    const { apiKey } = await createMerchantWithKey(dataSource, { name: 'Logged Shop', treasuryAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' });
    const unknownKey = `kassa_sk_${randomBytes(32).toString('base64url')}`;
    const port = await findFreePort();
    const root = path.resolve(__dirname, '../..');
    // A node nobody listens on: the API starts (an unreachable chain is not a wrong one) and answers.
    const chain = chainSettingsFixture({ rpcUrls: ['http://127.0.0.1:9'] });
    const child = spawn(process.execPath, ['-r', path.join(root, 'scripts/register.js'), path.join(root, 'apps/api/src/main.ts')], {
      cwd: root,
      env: {
        DATABASE_URL: database.url,
        KASSA_API_HOST: '127.0.0.1',
        KASSA_API_PORT: String(port),
        KASSA_CHAINS: JSON.stringify([chain]),
        KASSA_LOG_LEVEL: 'verbose',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const api = `http://127.0.0.1:${port}`;
    try {
      await eventually(() => fetch(`${api}/health/live`).then((r) => (r.ok ? true : undefined), () => undefined), { timeoutMs: 60_000, what: `the API process to listen (output so far: ${output})` });
      const send = (method: string, url: string, headers: Record<string, string>, body?: unknown) =>
        fetch(`${api}${url}`, { method, headers: { 'content-type': 'application/json', ...headers }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.status);
      const statuses = [
        await send('GET', '/v1/payments', { authorization: `Bearer ${apiKey}` }),
        await send('POST', '/v1/payments', { authorization: `Bearer ${apiKey}` }, { amount: '1', currency: 'USDC' }),
        await send('POST', '/v1/payments', { authorization: `Bearer ${apiKey}` }, { amount: 'ten', currency: 'USDC', [apiKey]: 1 }),
        await send('GET', `/v1/payments?key=${apiKey}`, { authorization: `Bearer ${unknownKey}` }),
        await send('GET', `/v1/nowhere/${apiKey}`, { authorization: `Bearer ${apiKey}` }),
        await send('GET', '/v1/payments', { authorization: apiKey }),
        await send('GET', '/v1/payments', { authorization: `Bearer ${apiKey}x` }),
      ];
      expect(statuses).toEqual([200, 201, 400, 401, 404, 401, 401]);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await dataSource.destroy();
      await database.drop();
    }
    // The requests were logged (so the check below looked at real log lines) ...
    expect(output).toContain('GET /v1/payments 200');
    expect(output).toContain('POST /v1/payments 400');
    expect(output).toContain('GET (no such route) 404');
    // ... and no key, nor anything that starts like one, appears in them.
    for (const secret of [apiKey, unknownKey, apiKey.slice(9)]) expect(output).not.toContain(secret);
    expect(output).not.toContain('kassa_sk_');
  });
});
