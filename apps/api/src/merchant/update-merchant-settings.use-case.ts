import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { ChainRegistry, checksummed } from '@kassa/chain';
import { type Address, type MerchantId, NotFoundError, ValidationError } from '@kassa/domain';
import { type Merchant, MerchantsRepository, type TreasuryChanges } from '@kassa/persistence';

import type { UpdateMerchantSettingsDto } from './dto/update-merchant-settings.dto';

/**
 * Changes a merchant's settings (`PATCH /v1/merchant`): name, default and per-chain
 * treasuries, tolerance, default expiry, allowed checkout origins, in one transaction.
 * Addresses are stored EIP-55 checksummed. New treasuries apply to payments created
 * afterwards; a payment keeps the treasury its deposit address commits to. Treasury changes
 * are logged with who made them. The operator's `kassa merchant settings` goes through here
 * too, so both apply the same rules.
 * @throws ValidationError (400) naming `treasuries.<chainId>` for a chain that is not configured
 * @throws NotFoundError (404) when the merchant no longer exists
 */
@Injectable()
export class UpdateMerchantSettingsUseCase {
  private readonly logger = new Logger(UpdateMerchantSettingsUseCase.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
    private readonly merchants: MerchantsRepository,
  ) {}

  /**
   * @param changes the fields to change (validated as `PATCH /v1/merchant` validates them); absent ones keep their value
   * @param changedBy who asks, for the audit log: `API key key_...`, or the operator's command
   */
  async execute(merchantId: MerchantId, changes: UpdateMerchantSettingsDto, changedBy: string): Promise<Merchant> {
    const treasuries: TreasuryChanges = {};
    const unknownChains: string[] = [];
    for (const [chainId, address] of Object.entries(changes.treasuries ?? {})) {
      if (!this.chains.find(Number(chainId))) unknownChains.push(chainId);
      treasuries[String(Number(chainId))] = address === null ? null : checksummed(address as Address);
    }
    if (unknownChains.length > 0) {
      throw new ValidationError(unknownChains.map((chainId) => ({ field: `treasuries.${chainId}`, message: `chain ${chainId} is not configured` })));
    }
    const updated = await this.dataSource.transaction(async (manager) => {
      await this.merchants.setTreasuries(merchantId, treasuries, manager);
      return this.merchants.updateSettings(
        merchantId,
        {
          name: changes.name,
          treasuryAddress: changes.treasuryAddress === undefined ? undefined : checksummed(changes.treasuryAddress as Address),
          tolerancePercent: changes.tolerancePercent,
          defaultExpiresInSeconds: changes.defaultExpiresInSeconds,
          allowedOrigins: changes.allowedOrigins,
        },
        manager,
      );
    });
    if (!updated) throw new NotFoundError('merchant', merchantId);
    if (changes.treasuryAddress !== undefined || Object.keys(treasuries).length > 0) {
      this.logger.warn(`merchant ${merchantId}: treasuries changed by ${changedBy}`);
    }
    return updated;
  }
}
