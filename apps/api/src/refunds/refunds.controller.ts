import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { NotFoundError, type RefundObject } from '@kassa/domain';
import { type ApiKeyPrincipal, RefundObjectsService, RefundsRepository } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { IdPipe } from '../common/id.pipe';
import { ApiProblemResponses, BODY_PROBLEMS, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { answerCreated, idempotencyKeyOf } from '../common/idempotent-requests';
import { listPage, type ListPage } from '../common/list-page';
import { timestampFilter } from '../common/timestamps';
import { CreateRefundUseCase } from './create-refund.use-case';
import { CreateRefundDto } from './dto/create-refund.dto';
import { ListRefundsQuery } from './dto/list-refunds.query';
import { RefundListResponse, RefundResponse } from './dto/refund.response';
import { ManageRefundUseCase } from './manage-refund.use-case';

const paymentId = new IdPipe('payment', 'payment');
const refundId = new IdPipe('refund', 'refund');

/** Refunds (docs/refunds.md): `/v1/payments/{id}/refunds` and `/v1/refunds`. */
@ApiTags('refunds')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1')
export class RefundsController {
  constructor(
    private readonly createRefund: CreateRefundUseCase,
    private readonly manage: ManageRefundUseCase,
    private readonly refunds: RefundsRepository,
    private readonly objects: RefundObjectsService,
  ) {}

  @Post('payments/:id/refunds')
  @ApiOperation({
    summary: 'Refund a payment',
    description:
      'In the coin and on the network the payment was paid in; never more than it received (409 names what is left). Paid from the payout wallet, or from the merchant\'s wallet on the approval page.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body replay the first response; another body is a 409.' })
  @ApiCreatedResponse({ type: RefundResponse })
  @ApiProblemResponses(...BODY_PROBLEMS, 404, 409, 422)
  async create(
    @Principal() principal: ApiKeyPrincipal,
    @Param('id', paymentId) id: string,
    @Body() body: CreateRefundDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RefundObject> {
    return answerCreated(reply, await this.createRefund.execute(principal.merchantId, id, body, idempotencyKeyOf(idempotencyKey)));
  }

  @Get('refunds')
  @ApiOperation({ summary: 'List refunds, newest first', description: 'Cursor pagination: pass the last id of a page as startingAfter.' })
  @ApiOkResponse({ type: RefundListResponse })
  @ApiProblemResponses(400)
  async list(@Principal() principal: ApiKeyPrincipal, @Query() query: ListRefundsQuery): Promise<ListPage<RefundObject>> {
    return listPage(
      query.limit,
      (limit) =>
        this.refunds.list(principal.merchantId, {
          status: query.status,
          paymentId: query.paymentId,
          createdGte: timestampFilter('createdFrom', query.createdFrom),
          createdLt: timestampFilter('createdTo', query.createdTo),
          startingAfter: query.startingAfter,
          limit,
        }),
      (rows) => rows.map((refund) => this.objects.build(refund)),
    );
  }

  @Get('refunds/:id')
  @ApiOperation({ summary: 'Get a refund' })
  @ApiOkResponse({ type: RefundResponse })
  @ApiProblemResponses(404)
  async get(@Principal() principal: ApiKeyPrincipal, @Param('id', refundId) id: string): Promise<RefundObject> {
    const refund = await this.refunds.findById(principal.merchantId, id);
    if (!refund) throw new NotFoundError('refund', id);
    return this.objects.build(refund);
  }

  @Post('refunds/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a refund not sent yet', description: 'Only while it awaits its address or is pending (and the payout wallet has not signed it); otherwise 409.' })
  @ApiOkResponse({ type: RefundResponse })
  @ApiProblemResponses(404, 409)
  async cancel(@Principal() principal: ApiKeyPrincipal, @Param('id', refundId) id: string): Promise<RefundObject> {
    return this.objects.build(await this.manage.cancel(principal.merchantId, id));
  }

  @Post('refunds/:id/approval')
  @HttpCode(200)
  @ApiOperation({ summary: 'Issue a new approval link', description: 'For a merchant-wallet refund not sent yet: a new approvalUrl; the old one stops working.' })
  @ApiOkResponse({ type: RefundResponse })
  @ApiProblemResponses(404, 409)
  async renewApproval(@Principal() principal: ApiKeyPrincipal, @Param('id', refundId) id: string): Promise<RefundObject> {
    return this.objects.build(await this.manage.renewApproval(principal.merchantId, id));
  }
}
