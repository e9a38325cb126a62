import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { NotFoundError, type SettlementObject, toSettlementObject } from '@kassa/domain';
import { type ApiKeyPrincipal, SettlementsRepository } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { IdPipe } from '../common/id.pipe';
import { ApiProblemResponses, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { listPage, type ListPage } from '../common/list-page';
import { timestampFilter } from '../common/timestamps';
import { ListSettlementsQuery } from './dto/list-settlements.query';
import { SettlementListResponse, SettlementResponse } from './dto/settlement.response';

const settlementId = new IdPipe('settlement', 'settlement');

/** The merchant's settlements (`/v1/settlements`, docs/settlement.md): deposit addresses flushed to its treasury. */
@ApiTags('settlements')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/settlements')
export class SettlementsController {
  constructor(private readonly settlements: SettlementsRepository) {}

  @Get()
  @ApiOperation({
    summary: 'List settlements, newest first',
    description: 'Filters: paymentId, status, chainId, created range. Cursor pagination: startingAfter = nextCursor.',
  })
  @ApiOkResponse({ type: SettlementListResponse })
  @ApiProblemResponses(400)
  async list(
    @Principal() principal: ApiKeyPrincipal,
    @Query() query: ListSettlementsQuery,
  ): Promise<ListPage<SettlementObject>> {
    return listPage(
      query.limit,
      (limit) =>
        this.settlements.list(principal.merchantId, {
          paymentId: query.paymentId,
          status: query.status,
          chainId: query.chainId,
          createdGte: timestampFilter('createdFrom', query.createdFrom),
          createdLt: timestampFilter('createdTo', query.createdTo),
          startingAfter: query.startingAfter,
          limit,
        }),
      (rows) => rows.map(toSettlementObject),
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a settlement' })
  @ApiOkResponse({ type: SettlementResponse })
  @ApiProblemResponses(404)
  async get(@Principal() principal: ApiKeyPrincipal, @Param('id', settlementId) id: string): Promise<SettlementObject> {
    const settlement = await this.settlements.findById(principal.merchantId, id);
    if (!settlement) throw new NotFoundError('settlement', id);
    return toSettlementObject(settlement);
  }
}
