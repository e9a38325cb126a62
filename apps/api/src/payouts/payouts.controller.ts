import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { NotFoundError, type PayoutObject, toPayoutObject } from '@kassa/domain';
import { type ApiKeyPrincipal, PayoutsRepository } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { IdPipe } from '../common/id.pipe';
import { ApiProblemResponses, BODY_PROBLEMS, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { answerCreated, idempotencyKeyOf } from '../common/idempotent-requests';
import { listPage, type ListPage } from '../common/list-page';
import { timestampFilter } from '../common/timestamps';
import { type PayoutBatchObject, CreatePayoutsUseCase } from './create-payouts.use-case';
import { CreatePayoutBatchDto, CreatePayoutDto } from './dto/create-payout.dto';
import { ListPayoutsQuery } from './dto/list-payouts.query';
import { PayoutBatchResponse, PayoutListResponse, PayoutResponse } from './dto/payout.response';

const payoutId = new IdPipe('payout', 'payout');
const IDEMPOTENCY_HEADER = { name: 'Idempotency-Key', required: false, description: 'Same key and body replay the first response; another body is a 409.' };

/** Payouts from the payout wallet (docs/refunds.md "Payouts"): `/v1/payouts`. */
@ApiTags('payouts')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/payouts')
export class PayoutsController {
  constructor(
    private readonly create: CreatePayoutsUseCase,
    private readonly payouts: PayoutsRepository,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Send a payout from the payout wallet', description: 'Within the coin\'s limits per payout and per day (422 otherwise); the worker sends it.' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiCreatedResponse({ type: PayoutResponse })
  @ApiProblemResponses(...BODY_PROBLEMS, 409, 422)
  async createOne(
    @Principal() principal: ApiKeyPrincipal,
    @Body() body: CreatePayoutDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PayoutObject> {
    return answerCreated(reply, await this.create.createOne(principal.merchantId, body, idempotencyKeyOf(idempotencyKey)));
  }

  @Post('batch')
  @ApiOperation({ summary: 'Send up to 100 payouts', description: 'Created together or not at all; each within the limits.' })
  @ApiHeader(IDEMPOTENCY_HEADER)
  @ApiCreatedResponse({ type: PayoutBatchResponse })
  @ApiProblemResponses(...BODY_PROBLEMS, 409, 422)
  async createBatch(
    @Principal() principal: ApiKeyPrincipal,
    @Body() body: CreatePayoutBatchDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PayoutBatchObject> {
    return answerCreated(reply, await this.create.createBatch(principal.merchantId, body.payouts, idempotencyKeyOf(idempotencyKey)));
  }

  @Get()
  @ApiOperation({ summary: 'List payouts, newest first', description: 'Refunds paid from the payout wallet appear here too, with their refundId.' })
  @ApiOkResponse({ type: PayoutListResponse })
  @ApiProblemResponses(400)
  async list(@Principal() principal: ApiKeyPrincipal, @Query() query: ListPayoutsQuery): Promise<ListPage<PayoutObject>> {
    return listPage(
      query.limit,
      (limit) =>
        this.payouts.list(principal.merchantId, {
          status: query.status,
          batchId: query.batchId,
          createdGte: timestampFilter('createdFrom', query.createdFrom),
          createdLt: timestampFilter('createdTo', query.createdTo),
          startingAfter: query.startingAfter,
          limit,
        }),
      (rows) => rows.map(toPayoutObject),
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a payout' })
  @ApiOkResponse({ type: PayoutResponse })
  @ApiProblemResponses(404)
  async get(@Principal() principal: ApiKeyPrincipal, @Param('id', payoutId) id: string): Promise<PayoutObject> {
    const payout = await this.payouts.findById(principal.merchantId, id);
    if (!payout) throw new NotFoundError('payout', id);
    return toPayoutObject(payout);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a pending payout', description: 'Only before the worker signs it; otherwise 409.' })
  @ApiOkResponse({ type: PayoutResponse })
  @ApiProblemResponses(404, 409)
  async cancel(@Principal() principal: ApiKeyPrincipal, @Param('id', payoutId) id: string): Promise<PayoutObject> {
    return toPayoutObject(await this.create.cancel(principal.merchantId, id));
  }
}
