import { DataSource } from 'typeorm';

import { type Address, generateApiKey, type MerchantId } from '@kassa/domain';
import { ApiKeysRepository, createDataSourceOptions, MerchantsRepository } from '@kassa/persistence';

/** A merchant just created, with its first API key (shown once). */
export interface CreatedMerchant {
  merchantId: MerchantId;
  apiKey: string;
}

/** Opens a short-lived connection for an operator command, and always closes it. */
export async function withDatabase<T>(databaseUrl: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = new DataSource(createDataSourceOptions(databaseUrl, { poolSize: 2, applicationName: 'kassa-cli' }));
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * Creates a merchant and its first API key (scopes read and write) in one transaction.
 * Only the key's SHA-256 hash is stored; the key itself is returned once.
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
