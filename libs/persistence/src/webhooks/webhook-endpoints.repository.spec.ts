import type { MerchantId } from '@kassa/domain';
import { randomAddress, useTestDatabase } from '@kassa/testing';

import { MerchantsRepository } from '../merchants/merchants.repository';
import { WebhookEndpointsRepository } from './webhook-endpoints.repository';

describe('WebhookEndpointsRepository', () => {
  const db = useTestDatabase();
  let endpoints: WebhookEndpointsRepository;
  let merchantId: MerchantId;
  let otherMerchantId: MerchantId;

  // Merchants of their own for each test: a merchant's list holds only what that test made.
  beforeEach(async () => {
    endpoints = new WebhookEndpointsRepository(db.dataSource);
    const merchants = new MerchantsRepository(db.dataSource);
    merchantId = (await merchants.create({ name: 'Shop', treasuryAddress: randomAddress() })).id;
    otherMerchantId = (await merchants.create({ name: 'Other', treasuryAddress: randomAddress() })).id;
  });

  it("creates, changes and deletes a merchant's endpoint; another merchant can do none of it", async () => {
    const endpoint = await endpoints.create({ merchantId, url: 'https://shop.example/hook', secret: 'whsec_YQ==', description: 'orders' });
    expect(endpoint).toMatchObject({ enabledEvents: [], enabled: true, previousSecret: null, description: 'orders' });

    expect(await endpoints.findById(otherMerchantId, endpoint.id)).toBeNull();
    expect(await endpoints.update(otherMerchantId, endpoint.id, { enabled: false })).toBeNull();
    expect(await endpoints.delete(otherMerchantId, endpoint.id)).toBe(false);
    expect(await endpoints.list(otherMerchantId)).toEqual([]);

    const updated = await endpoints.update(merchantId, endpoint.id, { enabledEvents: ['payment.paid', 'payment.timeout'], description: null });
    expect(updated).toMatchObject({ url: endpoint.url, enabledEvents: ['payment.paid', 'payment.timeout'], description: null });
    expect(await endpoints.list(merchantId)).toEqual([updated]);

    expect(await endpoints.delete(merchantId, endpoint.id)).toBe(true);
    expect(await endpoints.findById(merchantId, endpoint.id)).toBeNull();
  });

  it('keeps the previous secret for the overlap after a rotation', async () => {
    const endpoint = await endpoints.create({ merchantId, url: 'https://shop.example/hook2', secret: 'whsec_b2xk' });
    const overlapEnd = new Date(Date.now() + 86_400_000);

    const rotated = await endpoints.rotateSecret(merchantId, endpoint.id, 'whsec_bmV3', overlapEnd);

    expect(rotated).toMatchObject({ secret: 'whsec_bmV3', previousSecret: 'whsec_b2xk', previousSecretExpiresAt: overlapEnd });
    expect(await endpoints.rotateSecret(otherMerchantId, endpoint.id, 'whsec_eA==', overlapEnd)).toBeNull();
  });
});
