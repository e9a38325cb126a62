import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ChainRegistry, currencyDecimals } from '@kassa/chain';
import { normaliseSettlementPolicy } from '@kassa/domain';
import { type ApiKeyPrincipal, SettlementPoliciesRepository } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { ApiProblemResponses, BODY_PROBLEMS, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { PutSettlementPolicyDto, SettlementPolicyResponse, toSettlementPolicyResponse } from './dto/settlement-policy.dto';

/** When Kassa flushes the merchant's deposit addresses to its treasury (`/v1/settlement-policy`, docs/settlement.md "Policy"). */
@ApiTags('settlements')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/settlement-policy')
export class SettlementPolicyController {
  constructor(
    private readonly policies: SettlementPoliciesRepository,
    private readonly registry: ChainRegistry,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Get the settlement policy', description: 'A merchant that never set one settles immediately.' })
  @ApiOkResponse({ type: SettlementPolicyResponse })
  async get(@Principal() principal: ApiKeyPrincipal): Promise<SettlementPolicyResponse> {
    return toSettlementPolicyResponse(await this.policies.get(principal.merchantId));
  }

  @Put()
  @ApiOperation({
    summary: 'Set the settlement policy',
    description:
      'Replaces the whole policy. immediate: settle each final payment at once. threshold: settle a currency once its waiting value reaches the threshold (or has waited maxWaitSeconds). schedule: settle every intervalSeconds from now. off: Kassa never flushes; the merchant does (docs/settlement.md).',
  })
  @ApiOkResponse({ type: SettlementPolicyResponse })
  @ApiProblemResponses(...BODY_PROBLEMS)
  async put(@Principal() principal: ApiKeyPrincipal, @Body() body: PutSettlementPolicyDto): Promise<SettlementPolicyResponse> {
    const policy = normaliseSettlementPolicy(body, (currency) => currencyDecimals(this.registry.chains, currency));
    return toSettlementPolicyResponse(await this.policies.put(principal.merchantId, policy));
  }
}
