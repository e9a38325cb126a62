import { createHash } from 'node:crypto';

import { Logger } from '@nestjs/common';

import { loadConfig } from '@kassa/config';
import { asMerchantId, ConflictError, NotFoundError, ValidationError } from '@kassa/domain';
import { ApiKeysRepository } from '@kassa/persistence';
import { chainSettingsFixture, useTestDatabase } from '@kassa/testing';

import { createMerchantWithKey } from '@kassa/api';
import {
  createMerchantApiKey,
  createMerchantWebhookEndpoint,
  listMerchantApiKeys,
  listMerchantWebhookEndpoints,
  parseScopes,
  revokeMerchantApiKey,
  showMerchant,
  updateMerchantSettings,
} from './operator.commands';

const TREASURY = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
/** The configuration of an operator's CLI: one chain, 31337. */
const CONFIG = loadConfig({ KASSA_CHAINS: JSON.stringify([chainSettingsFixture()]) });
const webhooks = (allowPrivateUrls: boolean) => ({ ...CONFIG.webhooks, allowPrivateUrls });

/** What an operator does from the CLI: merchants, their keys, settings and webhook endpoints. */
describe('operator commands', () => {
  const db = useTestDatabase();
  const sha256 = (key: string) => createHash('sha256').update(key).digest('hex');

  it('creates a merchant and more keys, lists them without the keys, and revokes one at once', async () => {
    const { merchantId, apiKey } = await createMerchantWithKey(db.dataSource, { name: 'CLI Shop', treasuryAddress: TREASURY });
    const readOnly = await createMerchantApiKey(db.dataSource, merchantId, parseScopes('read'), 'reporting');

    const keys = await listMerchantApiKeys(db.dataSource, merchantId);
    expect(keys.map((key) => [key.scopes, key.name])).toEqual(expect.arrayContaining([[['read'], 'reporting'], [['read', 'write'], null]]));
    expect(JSON.stringify(keys)).not.toContain(apiKey);
    expect(JSON.stringify(keys)).not.toContain(readOnly.key);

    // An operator may cut off even the last key (a leak): unlike the API, nothing keeps it.
    for (const key of keys) await revokeMerchantApiKey(db.dataSource, merchantId, key.id);
    expect(await new ApiKeysRepository(db.dataSource).findActiveByHash(sha256(apiKey))).toBeNull();
    await expect(revokeMerchantApiKey(db.dataSource, merchantId, 'key_01JD3M6Q8Y7W4ZK2N5R0T9V1XC')).rejects.toThrow(NotFoundError);
    expect(() => parseScopes('read,admin')).toThrow(ValidationError);
  });

  it('changes settings with the API rules, naming every bad option and writing nothing', async () => {
    const { merchantId } = await createMerchantWithKey(db.dataSource, { name: 'Settings Shop', treasuryAddress: TREASURY });
    const before = await showMerchant(db.dataSource, merchantId);

    const refused = await updateMerchantSettings(db.dataSource, CONFIG.chains, merchantId, {
      treasury: '0x70997970c51812dc3A010C7d01b50e0d17dc79C8',
      tolerance: '100',
      defaultExpirySeconds: '30',
      allowedOrigins: 'https://shop.example/path',
      chainTreasuries: ['31337'],
    }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).errors.map((error) => error.field)).toEqual([
      '--treasury',
      '--chain-treasury',
      '--tolerance',
      '--default-expiry',
      '--allowed-origins',
    ]);
    expect(await showMerchant(db.dataSource, merchantId)).toEqual(before);

    const updated = await updateMerchantSettings(db.dataSource, CONFIG.chains, merchantId, {
      tolerance: '1.5',
      defaultExpirySeconds: '600',
      allowedOrigins: 'https://shop.example,https://admin.shop.example',
      chainTreasuries: ['31337=0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'],
    });
    expect(updated).toMatchObject({
      tolerancePercent: '1.50',
      defaultExpiresInSeconds: 600,
      allowedOrigins: ['https://shop.example', 'https://admin.shop.example'],
      treasuries: { '31337': '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' },
    });
    const reset = await updateMerchantSettings(db.dataSource, CONFIG.chains, merchantId, { chainTreasuries: ['31337=default'] });
    expect(reset.treasuries).toEqual({});
  });

  it('refuses a treasury for a chain that is not configured, as the API does, and logs treasury changes', async () => {
    const { merchantId } = await createMerchantWithKey(db.dataSource, { name: 'Audited Shop', treasuryAddress: TREASURY });
    const before = await showMerchant(db.dataSource, merchantId);

    const refused = await updateMerchantSettings(db.dataSource, CONFIG.chains, merchantId, { chainTreasuries: ['999=0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'] }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).errors.map((error) => error.field)).toEqual(['treasuries.999']);
    expect(await showMerchant(db.dataSource, merchantId)).toEqual(before);

    const warnings = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      await updateMerchantSettings(db.dataSource, CONFIG.chains, merchantId, { treasury: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC' });
      expect(warnings.mock.calls.map((call) => String(call[0]))).toContain(`merchant ${merchantId}: treasuries changed by the operator (kassa merchant settings)`);
    } finally {
      warnings.mockRestore();
    }
  });

  it('registers a webhook endpoint with a secret, refusing loopback URLs unless allowed', async () => {
    const { merchantId } = await createMerchantWithKey(db.dataSource, { name: 'Hook Shop', treasuryAddress: TREASURY });

    await expect(
      createMerchantWebhookEndpoint(db.dataSource, webhooks(false), merchantId, { url: 'http://127.0.0.1:4000/hook' }),
    ).rejects.toThrow(ValidationError);
    await expect(
      createMerchantWebhookEndpoint(db.dataSource, webhooks(true), merchantId, { url: 'http://127.0.0.1:4000/hook', events: 'payment.paid,payment.refunded' }),
    ).rejects.toThrow(/payment\.refunded/);
    const endpoint = await createMerchantWebhookEndpoint(db.dataSource, webhooks(true), merchantId, { url: 'http://127.0.0.1:4000/hook', events: 'payment.paid' });

    expect(endpoint.secret).toMatch(/^whsec_/);
    expect((await listMerchantWebhookEndpoints(db.dataSource, merchantId)).map((e) => [e.url, e.enabledEvents])).toEqual([
      ['http://127.0.0.1:4000/hook', ['payment.paid']],
    ]);
    await expect(listMerchantWebhookEndpoints(db.dataSource, asMerchantId('mer_01JD3M6Q8Y7W4ZK2N5R0T9V1XC'))).rejects.toThrow(NotFoundError);
  });

  it('stops at the endpoint limit the API enforces (16 per merchant)', async () => {
    const { merchantId } = await createMerchantWithKey(db.dataSource, { name: 'Busy Hook Shop', treasuryAddress: TREASURY });
    for (let i = 0; i < 16; i++) await createMerchantWebhookEndpoint(db.dataSource, webhooks(true), merchantId, { url: `http://127.0.0.1:4000/hook/${i}` });

    await expect(createMerchantWebhookEndpoint(db.dataSource, webhooks(true), merchantId, { url: 'http://127.0.0.1:4000/hook/16' })).rejects.toThrow(ConflictError);
    expect(await listMerchantWebhookEndpoints(db.dataSource, merchantId)).toHaveLength(16);
  });
});
