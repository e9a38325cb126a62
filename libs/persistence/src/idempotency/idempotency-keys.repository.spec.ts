import type { MerchantId } from '@kassa/domain';
import { randomAddress, useTestDatabase } from '@kassa/testing';

import { MerchantsRepository } from '../merchants/merchants.repository';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';

describe('IdempotencyKeysRepository', () => {
  const db = useTestDatabase();
  let keys: IdempotencyKeysRepository;
  let merchantId: MerchantId;
  let otherMerchantId: MerchantId;

  beforeAll(async () => {
    keys = new IdempotencyKeysRepository(db.dataSource);
    const merchants = new MerchantsRepository(db.dataSource);
    merchantId = (await merchants.create({ name: 'Shop', treasuryAddress: randomAddress() })).id;
    otherMerchantId = (await merchants.create({ name: 'Other', treasuryAddress: randomAddress() })).id;
  });

  it('remembers the first response per merchant and key', async () => {
    const first = { merchantId, key: 'order-42', requestHash: 'h1', responseStatus: 201, responseBody: { id: 'pay_1', amount: '1.5' }, resourceId: 'pay_1' };

    expect(await keys.save(first)).toBe(true);
    expect(await keys.save({ ...first, requestHash: 'h2', resourceId: 'pay_2' })).toBe(false);
    expect(await keys.save({ ...first, merchantId: otherMerchantId })).toBe(true);

    expect(await keys.find(merchantId, 'order-42')).toMatchObject({ requestHash: 'h1', responseStatus: 201, responseBody: first.responseBody, resourceId: 'pay_1' });
    expect(await keys.find(merchantId, 'order-43')).toBeNull();
  });
});
