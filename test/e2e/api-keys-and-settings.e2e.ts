import { createHash } from 'node:crypto';

import { depositAddress, paymentSalt } from '@kassa/chain';
import type { PaymentObject } from '@kassa/domain';

import { eventually } from '@kassa/testing';
import { useTestKassa } from '@kassa/testing/scenario';

interface ApiKeyView {
  id: string;
  name: string | null;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  key?: string;
}

interface MerchantView {
  id: string;
  name: string;
  treasuryAddress: string;
  treasuries: Record<string, string>;
  tolerancePercent: string;
  defaultExpiresInSeconds: number;
  allowedOrigins: string[];
}

const CHAIN_TREASURY = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const NEW_DEFAULT_TREASURY = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';

/** API keys (created, listed, scoped, revoked) and the merchant's own settings (issue 5, item 4). */
describe('API keys and merchant settings', () => {
  const kassa = useTestKassa({ apps: { watcher: false, worker: false } });

  async function merchant() {
    const { merchantId, apiKey } = await kassa.createMerchant(`Shop ${Math.random()}`);
    const as = (key: string) => <T = Record<string, unknown>>(method: string, path: string, body?: unknown) =>
      kassa.request<T>(method, path, body, { authorization: `Bearer ${key}` });
    return { merchantId, apiKey, request: as(apiKey), as };
  }

  it('shows a new key once, and lists keys by prefix and scopes, never the key or its hash', async () => {
    const shop = await merchant();
    const created = await shop.request<ApiKeyView>('POST', '/v1/api-keys', { name: 'reporting', scopes: ['read'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'reporting', scopes: ['read'], revokedAt: null });
    expect(created.body.key).toMatch(/^kassa_sk_/);
    expect(created.body.key!.startsWith(created.body.prefix)).toBe(true);

    const listed = await shop.request<{ data: ApiKeyView[] }>('GET', '/v1/api-keys');
    const text = JSON.stringify(listed.body);
    expect(listed.body.data.map((key) => key.id)).toContain(created.body.id);
    expect(listed.body.data.every((key) => key.key === undefined)).toBe(true);
    for (const secret of [created.body.key!, shop.apiKey]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }
    const stored = await kassa.dataSource.query('SELECT key_hash FROM api_keys WHERE id = $1', [created.body.id]);
    expect(stored[0].key_hash).toBe(createHash('sha256').update(created.body.key!).digest('hex'));
  });

  it('lets a read key read but not write, and never mint a key with more scopes than its own', async () => {
    const shop = await merchant();
    const readKey = (await shop.request<ApiKeyView>('POST', '/v1/api-keys', { scopes: ['read'] })).body.key!;
    const writeKey = (await shop.request<ApiKeyView>('POST', '/v1/api-keys', { scopes: ['write'] })).body.key!;
    const reader = shop.as(readKey);
    const writer = shop.as(writeKey);

    expect((await reader('GET', '/v1/payments')).status).toBe(200);
    expect((await reader('POST', '/v1/payments', { amount: '1', currency: 'USDC' })).status).toBe(403);
    expect((await reader('POST', '/v1/api-keys', { scopes: ['read'] })).status).toBe(403);
    expect((await writer('GET', '/v1/payments')).status).toBe(403);
    expect((await writer('POST', '/v1/api-keys', { scopes: ['read'] })).status).toBe(403);
    expect((await writer('POST', '/v1/api-keys', { scopes: ['write'] })).status).toBe(201);
    expect((await writer('POST', '/v1/payments', { amount: '1', currency: 'USDC' })).status).toBe(201);
  });

  it('refuses a revoked key with 401 on its very next request', async () => {
    const shop = await merchant();
    const doomed = (await shop.request<ApiKeyView>('POST', '/v1/api-keys', { scopes: ['read', 'write'] })).body;
    const asDoomed = shop.as(doomed.key!);
    expect((await asDoomed('GET', '/v1/payments')).status).toBe(200);

    const revoked = await shop.request<ApiKeyView>('DELETE', `/v1/api-keys/${doomed.id}`);
    const after = await asDoomed<{ code: string }>('GET', '/v1/payments');

    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('unauthorized');
  });

  it('refuses a key revoked by another writer (an operator\'s SQL, another api process) once PostgreSQL announces it, and uses settings changed there', async () => {
    const shop = await merchant();
    // The key is in use: this api process remembers what it authenticates as.
    expect((await shop.request('GET', '/v1/payments')).status).toBe(200);
    // The merchant's default deadline, changed outside the API, reaches the next payments.
    await kassa.dataSource.query(`UPDATE merchants SET default_expires_in_seconds = 600 WHERE id = $1`, [shop.merchantId]);
    await eventually(async () => {
      const created = (await shop.request<PaymentObject & { createdAt: string }>('POST', '/v1/payments', { amount: '1', currency: 'USDC' })).body;
      return Date.parse(created.expiresAt) - Date.parse(created.createdAt) === 600_000 ? true : undefined;
    }, { timeoutMs: 5_000, what: 'payments with the new default deadline' });

    await kassa.dataSource.query(`UPDATE api_keys SET revoked_at = now() WHERE merchant_id = $1`, [shop.merchantId]);
    const refused = await eventually(async () => {
      const answer = await shop.request('GET', '/v1/payments');
      return answer.status === 401 ? answer : undefined;
    }, { timeoutMs: 5_000, what: 'the revoked key to be refused' });
    expect(refused.status).toBe(401);
  });

  it('lets a key revoke itself, but never the last active key', async () => {
    const shop = await merchant();
    const spare = (await shop.request<ApiKeyView>('POST', '/v1/api-keys', { scopes: ['read', 'write'] })).body;
    const [first] = (await shop.request<{ data: ApiKeyView[] }>('GET', '/v1/api-keys')).body.data.filter((key) => key.id !== spare.id);

    const self = await shop.request('DELETE', `/v1/api-keys/${first!.id}`);
    expect(self.status).toBe(200);
    expect((await shop.request('GET', '/v1/payments')).status).toBe(401);

    const asSpare = shop.as(spare.key!);
    const last = await asSpare<{ code: string }>('DELETE', `/v1/api-keys/${spare.id}`);
    expect(last.status).toBe(409);
    expect((await asSpare('GET', '/v1/payments')).status).toBe(200);
  });

  it("answers 404 for another merchant's key, and leaves it working", async () => {
    const owner = await merchant();
    const stranger = await merchant();
    const [ownerKey] = (await owner.request<{ data: ApiKeyView[] }>('GET', '/v1/api-keys')).body.data;

    expect((await stranger.request('DELETE', `/v1/api-keys/${ownerKey!.id}`)).status).toBe(404);
    expect((await owner.request('GET', '/v1/payments')).status).toBe(200);
  });

  it('changes settings, and creates payments for the treasury of their chain, falling back to the default treasury', async () => {
    const shop = await merchant();
    const chain = kassa.chain.config;
    const patched = await shop.request<MerchantView>('PATCH', '/v1/merchant', {
      name: 'Café Kassa',
      tolerancePercent: '0.5',
      defaultExpiresInSeconds: 900,
      allowedOrigins: ['https://shop.example', 'http://localhost:8080'],
      treasuries: { [String(chain.chainId)]: CHAIN_TREASURY.toLowerCase() },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'Café Kassa',
      tolerancePercent: '0.50',
      defaultExpiresInSeconds: 900,
      allowedOrigins: ['https://shop.example', 'http://localhost:8080'],
      treasuries: { [String(chain.chainId)]: CHAIN_TREASURY },
    });
    expect((await shop.request<MerchantView>('GET', '/v1/merchant')).body).toEqual(patched.body);

    const onChainTreasury = await shop.request<PaymentObject>('POST', '/v1/payments', { amount: '100', currency: 'USDC' });
    const addressFor = (payment: PaymentObject, treasury: `0x${string}`) =>
      depositAddress({ factory: chain.factoryAddress, implementation: chain.implementationAddress, treasury, salt: paymentSalt(payment.id) });
    expect(onChainTreasury.body.depositAddress).toBe(addressFor(onChainTreasury.body, CHAIN_TREASURY));
    // Tolerance 0.5 % and the default expiry apply to the new payment.
    const row = await kassa.dataSource.query('SELECT treasury_address, amount_minimum, expires_at, created_at FROM payments WHERE id = $1', [onChainTreasury.body.id]);
    expect(row[0].treasury_address).toBe(CHAIN_TREASURY);
    expect(row[0].amount_minimum).toBe('99500000');
    expect(new Date(row[0].expires_at).getTime() - new Date(row[0].created_at).getTime()).toBe(900_000);

    await shop.request('PATCH', '/v1/merchant', { treasuryAddress: NEW_DEFAULT_TREASURY, treasuries: { [String(chain.chainId)]: null } });
    const onDefault = await shop.request<PaymentObject>('POST', '/v1/payments', { amount: '1', currency: 'USDC' });
    expect(onDefault.body.depositAddress).toBe(addressFor(onDefault.body, NEW_DEFAULT_TREASURY));
    expect((await shop.request<MerchantView>('GET', '/v1/merchant')).body.treasuries).toEqual({});
  });
});
