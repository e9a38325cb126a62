import { Client } from 'pg';

import { TEST_PG_ENV } from '@kassa/testing';

import { useTestKassa } from '@kassa/testing/scenario';

/**
 * While the database does not answer, a merchant's call is a 503 problem with `Retry-After`
 * (as `/health/ready` says), never a 500, and nothing is written half: once the database is
 * back, the same request succeeds and a payment created during the outage does not exist.
 * The outage is real: the test database refuses new connections and its open ones are ended.
 */
describe('database outage', () => {
  const kassa = useTestKassa({ confirmations: 1 });

  afterAll(async () => {
    await setConnections(true).catch(() => undefined);
  });

  /** Lets the test database take connections again, or refuses them and ends every open one. */
  async function setConnections(allowed: boolean): Promise<void> {
    const admin = new Client({ connectionString: process.env[TEST_PG_ENV.adminUrl] });
    await admin.connect();
    try {
      const name = admin.escapeIdentifier(kassa.database.name);
      await admin.query(`ALTER DATABASE ${name} WITH ALLOW_CONNECTIONS ${allowed ? 'true' : 'false'}`);
      if (!allowed) {
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [kassa.database.name]);
      }
    } finally {
      await admin.end();
    }
  }

  it('answers 503 problem+json with Retry-After on every route that needs the database, and writes nothing', async () => {
    const created = await kassa.request<{ id: string }>('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    expect(created.status).toBe(201);

    await setConnections(false);
    try {
      const calls: [string, string, unknown?][] = [
        ['GET', '/v1/payments'],
        ['GET', `/v1/payments/${created.body.id}`],
        ['POST', '/v1/payments', { amount: '2', currency: 'USDC', orderId: 'during-outage' }],
        ['GET', '/v1/merchant'],
        ['GET', '/v1/events'],
        ['GET', '/v1/webhook-endpoints'],
        ['GET', `/pay/${created.body.id}/status`],
      ];
      for (const [method, path, body] of calls) {
        const response = await kassa.request<{ status: number; code: string }>(method, path, body);
        expect({ method, path, status: response.status, type: response.headers.get('content-type'), retryAfter: response.headers.get('retry-after') }).toEqual({
          method,
          path,
          status: 503,
          type: expect.stringContaining('application/problem+json'),
          retryAfter: '5',
        });
        expect(response.body).toMatchObject({ status: 503, code: 'service_unavailable' });
      }
      const ready = await kassa.request<{ status: string }>('GET', '/health/ready');
      expect(ready.status).toBe(503);
    } finally {
      await setConnections(true);
    }

    const listed = await kassa.request<{ data: { orderId: string | null }[] }>('GET', '/v1/payments');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((payment) => payment.orderId)).not.toContain('during-outage');
  });
});
