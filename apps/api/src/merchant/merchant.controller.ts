import { Body, Controller, Get, Patch, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NotFoundError } from '@kassa/domain';
import { type ApiKeyPrincipal, MerchantsRepository } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { ApiProblemResponses, BODY_PROBLEMS, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { MerchantResponse, toMerchantResponse } from './dto/merchant.response';
import { UpdateMerchantSettingsDto } from './dto/update-merchant-settings.dto';
import { UpdateMerchantSettingsUseCase } from './update-merchant-settings.use-case';
import { PrincipalCache } from '../auth/principal-cache';

/** The merchant's own settings (`/v1/merchant`): treasuries, tolerance, default expiry, checkout origins. */
@ApiTags('merchant')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/merchant')
export class MerchantController {
  constructor(
    private readonly merchants: MerchantsRepository,
    private readonly updateSettings: UpdateMerchantSettingsUseCase,
    private readonly principals: PrincipalCache,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Get the merchant\'s settings' })
  @ApiOkResponse({ type: MerchantResponse })
  async get(@Principal() principal: ApiKeyPrincipal): Promise<MerchantResponse> {
    const merchant = await this.merchants.findById(principal.merchantId);
    if (!merchant) throw new NotFoundError('merchant', principal.merchantId);
    return toMerchantResponse(merchant);
  }

  @Patch()
  @ApiOperation({
    summary: 'Change the merchant\'s settings',
    description: 'Fields left out keep their value. Treasury changes apply to payments created afterwards.',
  })
  @ApiOkResponse({ type: MerchantResponse })
  @ApiProblemResponses(...BODY_PROBLEMS)
  async update(@Principal() principal: ApiKeyPrincipal, @Body() body: UpdateMerchantSettingsDto): Promise<MerchantResponse> {
    const updated = await this.updateSettings.execute(principal.merchantId, body, `API key ${principal.apiKeyId}`);
    this.principals.forget(principal.merchantId);
    return toMerchantResponse(updated);
  }
}
