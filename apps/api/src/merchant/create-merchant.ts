import { DataSource } from 'typeorm';

import { type Address, generateApiKey, type MerchantId } from '@kassa/domain';
import { ApiKeysRepository, MerchantsRepository } from '@kassa/persistence';

/** A merchant just created, with its first API key (shown once). */
export interface CreatedMerchant {
  merchantId: MerchantId;
  apiKey: string;
}

/**
 * Creates a merchant and its first API key (scopes read and write) in one transaction: the
 * operator's `kassa merchant create` and `npm start`'s demo merchant. Only the key's SHA-256
 * hash is stored; the key itself is returned once.
 * @param input `treasuryAddress` an EIP-55 address; `tolerancePercent` a decimal string ("1.5")
 * @throws the database error when a row breaks a constraint (nothing is written then)
 */
export async function createMerchantWithKey(
  dataSource: DataSource,
  input: { name: string; treasuryAddress: Address; tolerancePercent?: string },
): Promise<CreatedMerchant> {
  return dataSource.transaction(async (manager) => {
    const merchant = await new MerchantsRepository(dataSource).create(input, manager);
    const { key, hash, displayPrefix } = generateApiKey();
    await new ApiKeysRepository(dataSource).create({ merchantId: merchant.id, prefix: displayPrefix, keyHash: hash }, manager);
    return { merchantId: merchant.id, apiKey: key };
  });
}
