import { Secret } from '@kassa/config';
import { eventually } from '@kassa/testing';

import { useTestKassa } from '@kassa/testing/scenario';

const TOKEN = 'ops-token-0123456789abcdef';

/**
 * The operator status page `/ops`: open only with the operator token, it shows each chain
 * with its lag, the payments of the last hour by status, and the webhook endpoints whose
 * deliveries fail, in one self-contained HTML page.
 */
describe('operator status page', () => {
  const kassa = useTestKassa({ configure: (config) => ({ ...config, operator: { ...config.operator, token: new Secret(TOKEN) } }) });
  const off = useTestKassa({ apps: { watcher: false, worker: false } });

  const open = (base: string, authorization?: string) => fetch(`${base}/ops`, { headers: authorization ? { authorization } : {} });
  const basic = (password: string) => `Basic ${Buffer.from(`operator:${password}`).toString('base64')}`;

  it('does not exist without a configured token, and asks for the token when it is missing or wrong', async () => {
    expect((await open(off.apiUrl, `Bearer ${TOKEN}`)).status).toBe(404);
    const missing = await open(kassa.apiUrl);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Basic realm="Kassa operators"/);
    expect((await open(kassa.apiUrl, basic('wrong-token-0123456789'))).status).toBe(401);
    expect((await open(kassa.apiUrl, `Bearer ${TOKEN}x`)).status).toBe(401);
  });

  it('shows chains with lag, payments of the last hour and failing endpoints, with no external asset', async () => {
    // An endpoint nothing listens on: its deliveries fail and are retried.
    const endpoint = await kassa.request<{ id: string }>('POST', '/v1/webhook-endpoints', { url: 'http://127.0.0.1:9/hook?token=abc' });
    expect(endpoint.status).toBe(201);
    for (const amount of ['1', '2']) expect((await kassa.request('POST', '/v1/payments', { amount, currency: 'USDC' })).status).toBe(201);

    const html = await eventually(async () => {
      const response = await open(kassa.apiUrl, basic(TOKEN));
      const text = await response.text();
      return response.status === 200 && text.includes(endpoint.body.id) && /<td>ok<\/td><td>following<\/td>/.test(text) ? { response, text } : undefined;
    }, { what: 'the page to show the chain followed and the failing endpoint' });

    expect(html.response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(html.text).toContain(`${kassa.chain.config.name} (${kassa.chain.config.chainId})`);
    expect(html.text).toMatch(/<tr><td>CREATED<\/td><td class="n">2<\/td><\/tr>/);
    expect(html.text).toContain('http://127.0.0.1:9/hook<');
    expect(html.text).not.toContain('token=abc');
    expect(html.text).not.toMatch(/<script|<link|src="http/);
    expect((await open(kassa.apiUrl, `Bearer ${TOKEN}`)).status).toBe(200);
  });
});
