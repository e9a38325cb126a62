import { createHash, randomBytes } from 'node:crypto';

import type { MerchantId } from '@kassa/domain';
import { randomAddress, useTestDatabase } from '@kassa/testing';

import { MerchantsRepository } from '../merchants/merchants.repository';
import { ApiKeysRepository } from './api-keys.repository';

const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

describe('merchants and API keys', () => {
  const db = useTestDatabase();
  let merchants: MerchantsRepository;
  let apiKeys: ApiKeysRepository;
  let merchantId: MerchantId;

  beforeAll(async () => {
    merchants = new MerchantsRepository(db.dataSource);
    apiKeys = new ApiKeysRepository(db.dataSource);
    merchantId = (await merchants.create({ name: 'Shop', treasuryAddress: randomAddress() })).id;
  });

  it('creates a merchant with the default settings and changes only the settings given', async () => {
    const created = await merchants.create({ name: 'Cafe', treasuryAddress: randomAddress() });
    expect(created).toMatchObject({ tolerancePercent: '0.00', defaultExpiresInSeconds: 1800, allowedOrigins: [] });

    const updated = await merchants.updateSettings(created.id, { tolerancePercent: '0.5', allowedOrigins: ['https://cafe.example'] });

    expect(updated).toMatchObject({ name: 'Cafe', tolerancePercent: '0.50', allowedOrigins: ['https://cafe.example'] });
    expect(await merchants.findById(created.id)).toEqual(updated);
    await expect(merchants.updateSettings(created.id, { tolerancePercent: '100' })).rejects.toThrow('ck_merchants_tolerance_percent');
  });

  it('authenticates a key by its hash until it is revoked', async () => {
    const key = `sk_${randomBytes(24).toString('base64url')}`;
    const created = await apiKeys.create({ merchantId, prefix: key.slice(0, 10), keyHash: sha256(key) });

    expect(await apiKeys.findActiveByHash(sha256(key))).toMatchObject({ apiKeyId: created.id, merchantId, scopes: ['read', 'write'], merchant: { id: merchantId, name: 'Shop' } });
    expect(await apiKeys.findActiveByHash(sha256(`${key}x`))).toBeNull();

    const otherMerchant = (await merchants.create({ name: 'Other', treasuryAddress: randomAddress() })).id;
    expect(await apiKeys.revoke(otherMerchant, created.id)).toBe(false);
    expect(await apiKeys.revoke(merchantId, created.id)).toBe(true);
    expect(await apiKeys.findActiveByHash(sha256(key))).toBeNull();
    expect((await apiKeys.list(merchantId)).find((k) => k.id === created.id)?.revokedAt).toBeInstanceOf(Date);
  });

  it('records the last use at most once a minute', async () => {
    const created = await apiKeys.create({ merchantId, prefix: 'sk_test', keyHash: sha256(randomBytes(8).toString('hex')), scopes: ['read'] });
    const first = new Date('2030-01-01T00:00:00Z');

    await apiKeys.touchLastUsed(created.id, first);
    await apiKeys.touchLastUsed(created.id, new Date(first.getTime() + 30_000));
    const afterHalfAMinute = (await apiKeys.list(merchantId)).find((k) => k.id === created.id)?.lastUsedAt;
    await apiKeys.touchLastUsed(created.id, new Date(first.getTime() + 61_000));
    const afterAMinute = (await apiKeys.list(merchantId)).find((k) => k.id === created.id)?.lastUsedAt;

    expect(afterHalfAMinute).toEqual(first);
    expect(afterAMinute).toEqual(new Date(first.getTime() + 61_000));
  });
});
