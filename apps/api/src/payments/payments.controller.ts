import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { NotFoundError, type PaymentObject } from '@kassa/domain';
import { type ApiKeyPrincipal, PaymentObjectsService, PaymentsRepository } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { IdPipe } from '../common/id.pipe';
import { ApiProblemResponses, BODY_PROBLEMS, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { answerCreated, idempotencyKeyOf } from '../common/idempotent-requests';
import { listPage, type ListPage } from '../common/list-page';
import { timestampFilter } from '../common/timestamps';
import { CancelPaymentUseCase } from './cancel-payment.use-case';
import { CreatePaymentUseCase } from './create-payment.use-case';
import { CreatePaymentDto } from './dto/create-payment.dto';
import { ListPaymentsQuery } from './dto/list-payments.query';
import { PaymentListResponse, PaymentResponse } from './dto/payment.response';

const paymentId = new IdPipe('payment', 'payment');

/** The merchant's payments: `/v1/payments` (DESIGN.md "Merchant API"). */
@ApiTags('payments')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/payments')
export class PaymentsController {
  constructor(
    private readonly createPayment: CreatePaymentUseCase,
    private readonly cancelPayment: CancelPaymentUseCase,
    private readonly payments: PaymentsRepository,
    private readonly objects: PaymentObjectsService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a payment', description: 'Returns the payment with its deposit address, EIP-681 paymentUri and checkoutUrl.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body replay the first response; another body is a 409.' })
  @ApiCreatedResponse({ type: PaymentResponse })
  @ApiProblemResponses(...BODY_PROBLEMS, 409)
  async create(
    @Principal() principal: ApiKeyPrincipal,
    @Body() body: CreatePaymentDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PaymentObject> {
    return answerCreated(reply, await this.createPayment.execute(principal.merchant, body, idempotencyKeyOf(idempotencyKey)));
  }

  @Get()
  @ApiOperation({ summary: 'List payments, newest first', description: 'Cursor pagination: pass the last id of a page as startingAfter.' })
  @ApiOkResponse({ type: PaymentListResponse })
  @ApiProblemResponses(400)
  async list(@Principal() principal: ApiKeyPrincipal, @Query() query: ListPaymentsQuery): Promise<ListPage<PaymentObject>> {
    return listPage(
      query.limit,
      (limit) =>
        this.payments.list(principal.merchantId, {
          status: query.status,
          orderId: query.orderId,
          paymentLinkId: query.paymentLinkId,
          createdGte: timestampFilter('createdFrom', query.createdFrom),
          createdLt: timestampFilter('createdTo', query.createdTo),
          startingAfter: query.startingAfter,
          limit,
        }),
      (rows) => this.objects.buildMany(rows),
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a payment with its transfers' })
  @ApiOkResponse({ type: PaymentResponse })
  @ApiProblemResponses(404)
  async get(@Principal() principal: ApiKeyPrincipal, @Param('id', paymentId) id: string): Promise<PaymentObject> {
    const payment = await this.payments.findById(principal.merchantId, id);
    if (!payment) throw new NotFoundError('payment', id);
    return this.objects.build(payment);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a CREATED payment', description: 'Any other status answers 409.' })
  @ApiOkResponse({ type: PaymentResponse })
  @ApiProblemResponses(404, 409)
  async cancel(@Principal() principal: ApiKeyPrincipal, @Param('id', paymentId) id: string): Promise<PaymentObject> {
    return this.objects.build(await this.cancelPayment.execute(principal.merchantId, id));
  }
}
