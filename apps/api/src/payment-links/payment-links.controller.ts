import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { NotFoundError, type PaymentLinkObject } from '@kassa/domain';
import { type ApiKeyPrincipal, PaymentLinksRepository } from '@kassa/persistence';

import { ApiKeyGuard, Principal } from '../auth/api-key.guard';
import { IdPipe } from '../common/id.pipe';
import { answerCreated, idempotencyKeyOf } from '../common/idempotent-requests';
import { listPage, type ListPage } from '../common/list-page';
import { ApiProblemResponses, BODY_PROBLEMS, MERCHANT_API_PROBLEMS } from '../common/openapi';
import { CreatePaymentLinkDto } from './dto/create-payment-link.dto';
import { ListPaymentLinksQuery } from './dto/list-payment-links.query';
import { PaymentLinkListResponse, PaymentLinkResponse } from './dto/payment-link.response';
import { PaymentLinksUseCase } from './payment-links.use-case';

const paymentLinkId = new IdPipe('paymentLink', 'payment link');

/** Payment links (docs/payment-links.md): `/v1/payment-links`. */
@ApiTags('payment-links')
@ApiBearerAuth()
@ApiProblemResponses(...MERCHANT_API_PROBLEMS, 403)
@UseGuards(ApiKeyGuard)
@Controller('v1/payment-links')
export class PaymentLinksController {
  constructor(
    private readonly useCase: PaymentLinksUseCase,
    private readonly links: PaymentLinksRepository,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create a payment link',
    description: 'A public URL (url) whose every visit creates a payment from this template and opens its checkout; single-use links stop once paid.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key and body replay the first response; another body is a 409.' })
  @ApiCreatedResponse({ type: PaymentLinkResponse })
  @ApiProblemResponses(...BODY_PROBLEMS, 409)
  async create(
    @Principal() principal: ApiKeyPrincipal,
    @Body() body: CreatePaymentLinkDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PaymentLinkObject> {
    return answerCreated(reply, await this.useCase.create(principal.merchantId, body, idempotencyKeyOf(idempotencyKey)));
  }

  @Get()
  @ApiOperation({ summary: 'List payment links, newest first', description: 'Cursor pagination: pass the last id of a page as startingAfter. Their payments: GET /v1/payments?paymentLinkId=...' })
  @ApiOkResponse({ type: PaymentLinkListResponse })
  @ApiProblemResponses(400)
  async list(@Principal() principal: ApiKeyPrincipal, @Query() query: ListPaymentLinksQuery): Promise<ListPage<PaymentLinkObject>> {
    const now = new Date();
    return listPage(
      query.limit,
      (limit) => this.links.list(principal.merchantId, { active: query.active === undefined ? undefined : query.active === 'true', startingAfter: query.startingAfter, limit }),
      (rows) => rows.map((link) => this.useCase.object(link, now)),
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a payment link' })
  @ApiOkResponse({ type: PaymentLinkResponse })
  @ApiProblemResponses(404)
  async get(@Principal() principal: ApiKeyPrincipal, @Param('id', paymentLinkId) id: string): Promise<PaymentLinkObject> {
    const link = await this.links.findById(principal.merchantId, id);
    if (!link) throw new NotFoundError('payment link', id);
    return this.useCase.object(link);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deactivate a payment link', description: 'Its URL creates no more payments; payments it created go on. Deactivating it again changes nothing.' })
  @ApiOkResponse({ type: PaymentLinkResponse })
  @ApiProblemResponses(404)
  async deactivate(@Principal() principal: ApiKeyPrincipal, @Param('id', paymentLinkId) id: string): Promise<PaymentLinkObject> {
    const link = await this.links.deactivate(principal.merchantId, id, new Date());
    if (!link) throw new NotFoundError('payment link', id);
    return this.useCase.object(link);
  }
}
