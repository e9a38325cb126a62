import fc from 'fast-check';

import { type Problem, useTestKassa } from '@kassa/testing/scenario';

const UNKNOWN = {
  payment: 'pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC',
  event: 'evt_01JD3M6Q8Y7W4ZK2N5R0T9V1XC',
  endpoint: 'we_01JD3M6Q8Y7W4ZK2N5R0T9V1XC',
  apiKey: 'key_01JD3M6Q8Y7W4ZK2N5R0T9V1XC',
};

/** Every table a merchant's request can write to, and the merchant row itself. */
const TABLES = ['payments', 'events', 'webhook_deliveries', 'webhook_endpoints', 'api_keys', 'idempotency_keys', 'merchant_treasuries'];

/**
 * "Bad input never hurts" (issue 5): every endpoint validates its body, query and path; each
 * mistake is a 4xx RFC 9457 problem naming what is wrong, never a 500, and nothing is written.
 */
describe('bad input to the merchant API', () => {
  const kassa = useTestKassa({ apps: { watcher: false, worker: false } });

  /** Row counts of every merchant-writable table, plus the merchant's settings as stored. */
  async function snapshot(): Promise<string> {
    const counts = await Promise.all(
      TABLES.map(async (table) => `${table}=${(await kassa.dataSource.query(`SELECT count(*) AS n FROM ${table}`))[0].n}`),
    );
    const merchant = await kassa.dataSource.query('SELECT * FROM merchants WHERE id = $1', [kassa.merchantId]);
    return `${counts.join(' ')} ${JSON.stringify(merchant)}`;
  }

  async function raw(method: string, path: string, body: string | undefined, headers: Record<string, string> = {}) {
    const response = await fetch(`${kassa.apiUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${kassa.apiKey}`, ...headers },
      body,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, text };
  }

  const json = { 'content-type': 'application/json' };
  const deep = (levels: number) => `{"amount":"1","currency":"USDC","metadata":${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}}`;

  type Case = [name: string, method: string, path: string, body: string | undefined, headers: Record<string, string>, status: number, field?: string];
  const cases: Case[] = [
    // payments
    ['a body that is an array', 'POST', '/v1/payments', '[{"amount":"1","currency":"USDC"}]', json, 400, 'body'],
    ['a body that is a string', 'POST', '/v1/payments', '"USDC"', json, 400, 'body'],
    ['a body that is null', 'POST', '/v1/payments', 'null', json, 400, 'body'],
    ['an empty JSON body', 'POST', '/v1/payments', '', json, 400],
    ['an amount past uint256', 'POST', '/v1/payments', JSON.stringify({ amount: '9'.repeat(90), currency: 'USDC' }), json, 400, 'amount'],
    ['an amount with a sign', 'POST', '/v1/payments', JSON.stringify({ amount: '+5', currency: 'USDC' }), json, 400, 'amount'],
    ['an amount with surrounding spaces', 'POST', '/v1/payments', JSON.stringify({ amount: '  12 ', currency: 'USDC' }), json, 400, 'amount'],
    ['an amount as an object', 'POST', '/v1/payments', JSON.stringify({ amount: { value: '1' }, currency: 'USDC' }), json, 400, 'amount'],
    ['a fractional chain id', 'POST', '/v1/payments', JSON.stringify({ amount: '1', currency: 'USDC', chainId: 1.5 }), json, 400, 'chainId'],
    ['a NUL in the order id', 'POST', '/v1/payments', JSON.stringify({ amount: '1', currency: 'USDC', orderId: 'a\u0000b' }), json, 400, 'orderId'],
    ['a lone surrogate in metadata', 'POST', '/v1/payments', '{"amount":"1","currency":"USDC","metadata":{"note":"\\ud800"}}', json, 400, 'metadata.note'],
    ['metadata nested too deep', 'POST', '/v1/payments', deep(40), json, 400, 'metadata.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a'],
    ['a prototype-polluting key', 'POST', '/v1/payments', '{"amount":"1","currency":"USDC","__proto__":{"admin":true}}', json, 400],
    ['a huge expiry', 'POST', '/v1/payments', JSON.stringify({ amount: '1', currency: 'USDC', expiresInSeconds: 1e308 }), json, 400, 'expiresInSeconds'],
    ['a cancel URL that is not http(s)', 'POST', '/v1/payments', JSON.stringify({ amount: '1', currency: 'USDC', cancelUrl: 'ftp://shop.example' }), json, 400, 'cancelUrl'],
    ['an idempotency key with non-ASCII', 'POST', '/v1/payments', JSON.stringify({ amount: '1', currency: 'USDC' }), { ...json, 'idempotency-key': 'clé-1' }, 400, 'Idempotency-Key'],
    ['an empty idempotency key', 'POST', '/v1/payments', JSON.stringify({ amount: '1', currency: 'USDC' }), { ...json, 'idempotency-key': '' }, 400, 'Idempotency-Key'],
    ['a body over 64 KiB', 'POST', '/v1/payments', JSON.stringify({ amount: '1', currency: 'USDC', description: 'x'.repeat(70_000) }), json, 413],
    ['a body that is not JSON', 'POST', '/v1/payments', '<payment amount="1"/>', { 'content-type': 'application/xml' }, 415],
    ['a text body', 'POST', '/v1/payments', 'amount 1', { 'content-type': 'text/plain' }, 415],
    ['a malformed payment id', 'GET', '/v1/payments/pay_123', undefined, {}, 404],
    ['an id of another kind', 'GET', `/v1/payments/${UNKNOWN.event}`, undefined, {}, 404],
    ['a NUL in a path id', 'GET', '/v1/payments/%00', undefined, {}, 404],
    ['a broken percent-encoding', 'GET', '/v1/payments/%E0%A4%A', undefined, {}, 400],
    ['an overlong path id', 'GET', `/v1/payments/pay_${'A'.repeat(500)}`, undefined, {}, 414],
    ['a form body', 'POST', '/v1/payments', 'amount=1&currency=USDC', { 'content-type': 'application/x-www-form-urlencoded' }, 415],
    ['an unknown payment', 'GET', `/v1/payments/${UNKNOWN.payment}`, undefined, {}, 404],
    ['canceling an unknown payment', 'POST', `/v1/payments/${UNKNOWN.payment}/cancel`, undefined, {}, 404],
    ['a negative page size', 'GET', '/v1/payments?limit=-1', undefined, {}, 400, 'limit'],
    ['a huge page size', 'GET', '/v1/payments?limit=99999999999999999999', undefined, {}, 400, 'limit'],
    ['an unknown query parameter', 'GET', '/v1/payments?colour=red', undefined, {}, 400, 'colour'],
    ['a status given twice', 'GET', '/v1/payments?status=PAID&status=CREATED', undefined, {}, 400, 'status'],
    ['a NUL in the order id filter', 'GET', '/v1/payments?orderId=%00', undefined, {}, 400, 'orderId'],
    ['a date before year 1', 'GET', '/v1/payments?createdFrom=-9999-01-01T00:00:00Z', undefined, {}, 400, 'createdFrom'],
    ['a cursor that is not a payment id', 'GET', '/v1/payments?startingAfter=evt_01JD3M6Q8Y7W4ZK2N5R0T9V1XC', undefined, {}, 400, 'startingAfter'],
    // webhook endpoints
    ['an endpoint URL that is not a URL', 'POST', '/v1/webhook-endpoints', JSON.stringify({ url: 'not a url' }), json, 400, 'url'],
    ['an endpoint URL with credentials', 'POST', '/v1/webhook-endpoints', JSON.stringify({ url: 'https://user:pw@shop.example/hook' }), json, 400, 'url'],
    ['an endpoint URL with a javascript scheme', 'POST', '/v1/webhook-endpoints', JSON.stringify({ url: 'javascript:alert(1)' }), json, 400, 'url'],
    ['an unknown event type', 'POST', '/v1/webhook-endpoints', JSON.stringify({ url: 'https://shop.example/h', enabledEvents: ['payment.refunded'] }), json, 400, 'enabledEvents'],
    ['enabled as a string', 'POST', '/v1/webhook-endpoints', JSON.stringify({ url: 'https://shop.example/h', enabled: 'yes' }), json, 400, 'enabled'],
    ['changing an unknown endpoint', 'PATCH', `/v1/webhook-endpoints/${UNKNOWN.endpoint}`, JSON.stringify({ enabled: false }), json, 404],
    ['an unknown field in an endpoint change', 'PATCH', `/v1/webhook-endpoints/${UNKNOWN.endpoint}`, JSON.stringify({ secret: 'whsec_x' }), json, 400, 'secret'],
    ['deleting a malformed endpoint id', 'DELETE', '/v1/webhook-endpoints/we_nope', undefined, {}, 404],
    ['a negative grace period', 'POST', `/v1/webhook-endpoints/${UNKNOWN.endpoint}/rotate-secret`, JSON.stringify({ gracePeriodSeconds: -1 }), json, 400, 'gracePeriodSeconds'],
    ['rotating an unknown endpoint', 'POST', `/v1/webhook-endpoints/${UNKNOWN.endpoint}/rotate-secret`, undefined, {}, 404],
    // events
    ['an unknown event type filter', 'GET', '/v1/events?type=payment.refunded', undefined, {}, 400, 'type'],
    ['a malformed payment filter', 'GET', '/v1/events?paymentId=123', undefined, {}, 400, 'paymentId'],
    ['an unknown event', 'GET', `/v1/events/${UNKNOWN.event}`, undefined, {}, 404],
    ['redelivering an unknown event', 'POST', `/v1/events/${UNKNOWN.event}/redeliver`, undefined, {}, 404],
    ['redelivering to a malformed endpoint id', 'POST', `/v1/events/${UNKNOWN.event}/redeliver`, JSON.stringify({ endpointId: 'x' }), json, 400, 'endpointId'],
    // API keys
    ['a key without scopes', 'POST', '/v1/api-keys', JSON.stringify({ scopes: [] }), json, 400, 'scopes'],
    ['an unknown scope', 'POST', '/v1/api-keys', JSON.stringify({ scopes: ['admin'] }), json, 400, 'scopes'],
    ['a scope given twice', 'POST', '/v1/api-keys', JSON.stringify({ scopes: ['read', 'read'] }), json, 400, 'scopes'],
    ['revoking an unknown key', 'DELETE', `/v1/api-keys/${UNKNOWN.apiKey}`, undefined, {}, 404],
    // merchant settings
    ['a treasury with a wrong EIP-55 checksum', 'PATCH', '/v1/merchant', JSON.stringify({ treasuryAddress: '0x70997970c51812dc3A010C7d01b50e0d17dc79C8' }), json, 400, 'treasuryAddress'],
    ['the zero address as treasury', 'PATCH', '/v1/merchant', JSON.stringify({ treasuryAddress: `0x${'0'.repeat(40)}` }), json, 400, 'treasuryAddress'],
    ['a treasury for a chain that is not configured', 'PATCH', '/v1/merchant', JSON.stringify({ treasuries: { '999': '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' } }), json, 400, 'treasuries.999'],
    ['a treasury keyed by a name', 'PATCH', '/v1/merchant', JSON.stringify({ treasuries: { mainnet: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' } }), json, 400, 'treasuries'],
    ['a tolerance of 100 %', 'PATCH', '/v1/merchant', JSON.stringify({ tolerancePercent: '100' }), json, 400, 'tolerancePercent'],
    ['a tolerance with 3 decimals', 'PATCH', '/v1/merchant', JSON.stringify({ tolerancePercent: '0.125' }), json, 400, 'tolerancePercent'],
    ['a tolerance as a JSON number', 'PATCH', '/v1/merchant', JSON.stringify({ tolerancePercent: 0.5 }), json, 400, 'tolerancePercent'],
    ['a negative tolerance', 'PATCH', '/v1/merchant', JSON.stringify({ tolerancePercent: '-1' }), json, 400, 'tolerancePercent'],
    ['a default expiry under a minute', 'PATCH', '/v1/merchant', JSON.stringify({ defaultExpiresInSeconds: 59 }), json, 400, 'defaultExpiresInSeconds'],
    ['a default expiry over a week', 'PATCH', '/v1/merchant', JSON.stringify({ defaultExpiresInSeconds: 604_801 }), json, 400, 'defaultExpiresInSeconds'],
    ['an origin with a path', 'PATCH', '/v1/merchant', JSON.stringify({ allowedOrigins: ['https://shop.example/checkout'] }), json, 400, 'allowedOrigins'],
    ['an origin with an upper-case host', 'PATCH', '/v1/merchant', JSON.stringify({ allowedOrigins: ['https://Shop.example'] }), json, 400, 'allowedOrigins'],
    ['an origin that is not http(s)', 'PATCH', '/v1/merchant', JSON.stringify({ allowedOrigins: ['ftp://shop.example'] }), json, 400, 'allowedOrigins'],
    ['an origin that would add a CSP directive', 'PATCH', '/v1/merchant', JSON.stringify({ allowedOrigins: ['https://shop.example;sandbox'] }), json, 400, 'allowedOrigins'],
    ['a wildcard origin', 'PATCH', '/v1/merchant', JSON.stringify({ allowedOrigins: ['https://*'] }), json, 400, 'allowedOrigins'],
    ['an origin with a comma in its host', 'PATCH', '/v1/merchant', JSON.stringify({ allowedOrigins: ['https://a.example,b.example'] }), json, 400, 'allowedOrigins'],
    // query parameters a route does not take
    ['a query parameter on the merchant', 'GET', '/v1/merchant?foo=1', undefined, {}, 400, 'foo'],
    ['a merchant id in the query of a settings change', 'PATCH', '/v1/merchant?merchantId=mer_01JD3M6Q8Y7W4ZK2N5R0T9V1XC', JSON.stringify({ tolerancePercent: '1' }), json, 400, 'merchantId'],
    ['a query parameter on a new payment', 'POST', '/v1/payments?foo=1', JSON.stringify({ amount: '1', currency: 'USDC' }), json, 400, 'foo'],
    ['a query parameter on one payment', 'GET', `/v1/payments/${UNKNOWN.payment}?expand=events`, undefined, {}, 400, 'expand'],
    ['a query parameter on a new API key', 'POST', '/v1/api-keys?scope=admin', JSON.stringify({ scopes: ['read'] }), json, 400, 'scope'],
    ['a query parameter on a webhook endpoint', 'DELETE', `/v1/webhook-endpoints/${UNKNOWN.endpoint}?force=1`, undefined, {}, 400, 'force'],
    // routes and methods
    ['an unknown route', 'GET', '/v1/disputes', undefined, {}, 404],
    ['an unknown method on a known route', 'PUT', '/v1/payments', JSON.stringify({}), json, 405],
    ['deleting a payment', 'DELETE', `/v1/payments/${UNKNOWN.payment}`, undefined, {}, 405],
  ];

  // A rest parameter: jest reads a callback with more declared parameters than a row has as a `done` test.
  it.each(cases)('answers %s with a problem, and writes nothing', async (...row: Case) => {
    const [, method, path, body, headers, status, field] = row;
    const before = await snapshot();

    const response = await raw(method, path, body, headers);

    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = JSON.parse(response.text) as Problem;
    expect(problem).toMatchObject({ status, type: expect.stringMatching(/^urn:kassa:problem:/), code: expect.any(String), detail: expect.any(String) });
    if (field) expect(problem.errors?.map((error) => error.field)).toContain(field);
    expect(await snapshot()).toBe(before);
  });

  it('names the accepted methods in Allow when a known path is asked with another one', async () => {
    const response = await raw('DELETE', `/v1/payments/${UNKNOWN.payment}`, undefined);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('survives random bodies thrown at POST /v1/payments: never a 5xx, and a rejected request writes nothing', async () => {
    // Mostly well-formed bodies, so that many reach the database, with hostile values mixed in.
    const hostileText = fc.constantFrom('\u0000', 'order\u0000', '\ud800', 'x\udfff', '\u202e', '😀', "'; DROP TABLE payments; --", '%00', '\\u0000');
    const text = (maxLength: number) =>
      fc.oneof({ weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength }) }, { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength }) }, { weight: 1, arbitrary: hostileText });
    const junk = fc.oneof(fc.jsonValue(), hostileText, fc.constant(null), fc.double(), fc.array(fc.string(), { maxLength: 3 }));
    const hugeDecimal = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 90n }), fc.stringMatching(/^[0-9]{1,25}$/)).map(([whole, fraction]) => `${whole}.${fraction}`);
    const payment = fc.record(
      {
        amount: fc.oneof(
          { weight: 12, arbitrary: fc.stringMatching(/^[1-9][0-9]{0,5}(\.[0-9]{1,6})?$/) },
          { weight: 1, arbitrary: hugeDecimal },
          { weight: 1, arbitrary: fc.constantFrom('0', '-1', '+1', '1e5', '0x10', ' 1', '1.', '.5', '١٢') },
          { weight: 1, arbitrary: junk },
        ),
        currency: fc.oneof({ weight: 12, arbitrary: fc.constantFrom('USDC', 'usdc', 'DAI', 'ETH', 'USDT') }, { weight: 1, arbitrary: text(20) }, { weight: 1, arbitrary: junk }),
        chainId: fc.oneof({ weight: 8, arbitrary: fc.constant(31337) }, { weight: 1, arbitrary: fc.constantFrom(1, 0, -1, 2 ** 53, 2 ** 31) }, { weight: 1, arbitrary: junk }),
        orderId: fc.oneof({ weight: 8, arbitrary: text(220) }, { weight: 1, arbitrary: junk }),
        description: fc.oneof({ weight: 8, arbitrary: text(900) }, { weight: 1, arbitrary: text(1100) }, { weight: 1, arbitrary: junk }),
        metadata: fc.oneof(
          { weight: 8, arbitrary: fc.dictionary(text(12), fc.oneof(fc.jsonValue({ maxDepth: 3 }), text(40)), { maxKeys: 20 }) },
          { weight: 1, arbitrary: fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 51, maxKeys: 60 }) },
          { weight: 1, arbitrary: junk },
        ),
        successUrl: fc.oneof({ weight: 8, arbitrary: fc.webUrl() }, { weight: 1, arbitrary: text(50) }, { weight: 1, arbitrary: junk }),
        cancelUrl: fc.oneof({ weight: 8, arbitrary: fc.webUrl() }, { weight: 1, arbitrary: fc.webUrl({ validSchemes: ['ftp', 'javascript', 'data'] }) }, { weight: 1, arbitrary: junk }),
        expiresInSeconds: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 60, max: 604_800 }) }, { weight: 1, arbitrary: fc.integer({ min: -10, max: 2 ** 40 }) }, { weight: 1, arbitrary: junk }),
      },
      { requiredKeys: ['amount', 'currency'] },
    );
    // A price to be paid in any accepted coin (docs/pricing.md), the other form of the body.
    const priced = fc.record(
      {
        price: fc.oneof(
          {
            weight: 10,
            arbitrary: fc.record(
              {
                amount: fc.oneof({ weight: 8, arbitrary: fc.stringMatching(/^[1-9][0-9]{0,4}(\.[0-9]{1,2})?$/) }, { weight: 1, arbitrary: hugeDecimal }, { weight: 1, arbitrary: junk }),
                currency: fc.oneof({ weight: 8, arbitrary: fc.constant('USD') }, { weight: 1, arbitrary: fc.constantFrom('EUR', 'usd', 'US', '') }, { weight: 1, arbitrary: junk }),
              },
              { requiredKeys: ['amount', 'currency'] },
            ),
          },
          { weight: 1, arbitrary: junk },
        ),
        acceptedCurrencies: fc.oneof(
          {
            weight: 6,
            arbitrary: fc.array(
              fc.record(
                { currency: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('USDC', 'ETH', 'DAI', 'USDT', 'usdt') }, { weight: 1, arbitrary: text(10) }), chainId: fc.oneof(fc.constant(31337), fc.constantFrom(1, -1), junk) },
                { requiredKeys: ['currency'] },
              ),
              { maxLength: 4 },
            ),
          },
          { weight: 1, arbitrary: junk },
        ),
        amount: junk,
        orderId: fc.oneof({ weight: 8, arbitrary: text(220) }, { weight: 1, arbitrary: junk }),
      },
      { requiredKeys: ['price'] },
    );
    const body = fc.oneof(
      { weight: 8, arbitrary: payment },
      { weight: 3, arbitrary: priced },
      { weight: 1, arbitrary: fc.tuple(payment, fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { minKeys: 1, maxKeys: 2 })).map(([known, extra]) => ({ ...extra, ...known })) },
      { weight: 1, arbitrary: fc.jsonValue() },
    );
    const idempotencyKey = fc.option(fc.oneof(fc.stringMatching(/^[\x21-\x7e]{1,40}$/), fc.string({ unit: 'binary', maxLength: 300 })), { nil: undefined });

    let created = 0;
    await fc.assert(
      fc.asyncProperty(body, idempotencyKey, async (value, key) => {
        const before = await snapshot();
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        // fetch refuses header values with control characters or outside Latin-1: those never reach a server anyway.
        if (key !== undefined && /^[\t\x20-\x7e\x80-\xff]*$/.test(key)) headers['idempotency-key'] = key;
        const response = await raw('POST', '/v1/payments', JSON.stringify(value), headers);
        expect(response.status).toBeLessThan(500);
        if (response.status >= 400) {
          expect(response.headers.get('content-type')).toContain('application/problem+json');
          expect(await snapshot()).toBe(before);
        } else {
          expect(response.status).toBe(201);
          created += 1;
        }
      }),
      { numRuns: 300, seed: 20261121, endOnFailure: true },
    );
    // The bodies really exercised both sides: many were accepted and written, many refused.
    expect(created).toBeGreaterThan(40);
    expect(created).toBeLessThan(270);
  });

  describe('undeclared query parameters', () => {
    it('are judged after the API key: without a key the answer is 401, with a read-only key on a write 403', async () => {
      const noKey = await raw('GET', '/v1/merchant?foo=1', undefined, { authorization: '' });
      expect(noKey.status).toBe(401);

      const readOnly = JSON.parse((await raw('POST', '/v1/api-keys', JSON.stringify({ scopes: ['read'] }), json)).text) as { key: string };
      const write = await raw('POST', '/v1/payments?foo=1', JSON.stringify({ amount: '1', currency: 'USDC' }), { ...json, authorization: `Bearer ${readOnly.key}` });
      expect(write.status).toBe(403);
    });

    it('are refused on routes without an API key too, and accepted on the checkout pages', async () => {
      const health = await raw('GET', '/health/live?foo=1', undefined);
      expect(health.status).toBe(400);
      expect((JSON.parse(health.text) as Problem).errors?.map((error) => error.field)).toEqual(['foo']);

      const created = JSON.parse((await raw('POST', '/v1/payments', JSON.stringify({ amount: '1', currency: 'USDC' }), json)).text) as { id: string };
      const page = await raw('GET', `/pay/${created.id}/status?utm_source=newsletter`, undefined);
      expect(page.status).toBe(200);
    });
  });

  describe('answers that carry secrets or may be framed', () => {
    const typedKey = `kassa_sk_${'A1b2'.repeat(10)}xyz`;

    it.each([
      ['an unknown route with a key in its query', 'GET', `/v1/nonexistent?key=${typedKey}`, 404],
      ['an unknown route with a key in its path', 'GET', `/v1/${typedKey}`, 404],
      ['a key where a payment id goes', 'GET', `/v1/payments/${typedKey}`, 404],
      ['a key as a query parameter name', 'GET', `/v1/merchant?${typedKey}=1`, 400],
      ['a signing secret as a query parameter name', 'GET', `/v1/merchant?whsec_${'c2VjcmV0'.repeat(4)}=1`, 400],
    ])('never echoes a credential: %s', async (_name, method, path, status) => {
      const response = await raw(method, path, undefined);

      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(response.text).not.toContain(typedKey);
      expect(response.text).not.toMatch(/kassa_sk_[A-Za-z0-9]|whsec_[A-Za-z0-9]/);
    });

    it('answers every /v1 response no-store and nosniff, the new API key and the new signing secret included', async () => {
      const key = await raw('POST', '/v1/api-keys', JSON.stringify({ scopes: ['read'] }), json);
      const endpoint = await raw('POST', '/v1/webhook-endpoints', JSON.stringify({ url: 'https://shop.example/hooks' }), json);
      const rotated = await raw('POST', `/v1/webhook-endpoints/${(JSON.parse(endpoint.text) as { id: string }).id}/rotate-secret`, undefined);
      const problem = await raw('GET', `/v1/payments/${UNKNOWN.payment}`, undefined);
      expect(JSON.parse(key.text)).toMatchObject({ key: expect.stringMatching(/^kassa_sk_/) });
      expect(JSON.parse(endpoint.text)).toMatchObject({ secret: expect.stringMatching(/^whsec_/) });

      for (const response of [key, endpoint, rotated, problem]) {
        expect(response.headers.get('cache-control')).toBe('no-store');
        expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      }
    });

    it('serves /docs with a Content-Security-Policy that refuses framing, and the OpenAPI bearer scheme is no JWT', async () => {
      const page = await fetch(`${kassa.apiUrl}/docs`);
      await page.text();
      const policy = page.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).toContain("script-src 'self'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');

      const document = (await (await fetch(`${kassa.apiUrl}/docs/json`)).json()) as { components: { securitySchemes: Record<string, { scheme?: string; bearerFormat?: string }> } };
      const bearer = Object.values(document.components.securitySchemes).find((scheme) => scheme.scheme === 'bearer');
      expect(bearer).toBeDefined();
      expect(bearer!.bearerFormat).not.toBe('JWT');
    });

    it('answers headers over the size limit with a 431 problem', async () => {
      const response = await raw('GET', '/v1/merchant', undefined, { 'x-padding': 'a'.repeat(20_000) }).catch((error: unknown) => {
        throw new Error(`the server closed the connection without an answer: ${String(error)}`);
      });

      expect(response.status).toBe(431);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(JSON.parse(response.text)).toMatchObject({ status: 431, code: 'request_header_fields_too_large', type: 'urn:kassa:problem:request-header-fields-too-large' });
    });
  });
});
