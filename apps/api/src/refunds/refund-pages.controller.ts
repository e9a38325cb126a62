import { Body, Controller, Get, Header, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { isHash } from 'viem';

import { ChainRegistry } from '@kassa/chain';
import { type Hex, NotFoundError, type RefundStatus, ValidationError } from '@kassa/domain';
import { MerchantsRepository, RefundsRepository, type StoredRefund } from '@kassa/persistence';

import { AcceptsAnyQueryParameters } from '../common/known-query-parameters';
import { CHECKOUT_HEADERS, pageHeaders } from '../checkout/content-security-policy';
import { ApiProblemResponses } from '../common/openapi';
import { ClaimRefundUseCase } from './claim-refund.use-case';
import { REFUND_SCRIPT, renderApprovalPage, renderClaimPage, renderRefundNotFoundPage, type RefundPageView } from './refund-pages';

const TOKEN = /^[A-Za-z0-9_-]{32}$/;

/** The refund status the approval page follows. */
interface RefundPageStatus {
  status: RefundStatus;
  txHash: string | null;
}

/**
 * The hosted refund pages (docs/refunds.md), public and opened by a secret token each: the
 * customer's claim page (`/refunds/claim/<token>`, where the address is given) and the
 * merchant's approval page (`/refunds/approve/<token>`, which pays the refund from a browser
 * wallet). Same security headers as the checkout: nothing loads from other servers.
 */
@ApiTags('refund pages')
@AcceptsAnyQueryParameters()
@Controller('refunds')
export class RefundPagesController {
  constructor(
    private readonly refunds: RefundsRepository,
    private readonly merchants: MerchantsRepository,
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
    private readonly claim: ClaimRefundUseCase,
  ) {}

  @Get('assets/refund.js')
  @ApiExcludeEndpoint()
  script(@Res() reply: FastifyReply): FastifyReply {
    return reply
      .headers({ ...CHECKOUT_HEADERS, 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=86400' })
      .send(REFUND_SCRIPT.body);
  }

  @Get('claim/:token')
  @ApiExcludeEndpoint()
  async claimPage(@Param('token') token: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const view = await this.view('claim', token);
    return this.html(reply, view ? renderClaimPage(view) : null);
  }

  @Post('claim/:token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Give a refund\'s address (claim page)',
    description: 'Body `{address, acceptContract?}`. 400 for a bad address or a Kassa deposit address; 409 `contract_address` until a contract is confirmed; 409 once the address is given.',
  })
  @ApiOkResponse({ description: 'The refund\'s status and address.' })
  @ApiProblemResponses(400, 404, 409, 429)
  @Header('cache-control', 'no-store')
  async claimAddress(@Param('token') token: string, @Body() body: unknown): Promise<{ status: RefundStatus; address: string | null }> {
    if (!TOKEN.test(token)) throw new NotFoundError('refund', 'claim link');
    const input = (typeof body === 'object' && body !== null ? body : {}) as { address?: unknown; acceptContract?: unknown };
    if (typeof input.address !== 'string') throw ValidationError.field('address', 'is required');
    const claimed = await this.claim.execute(token, { address: input.address, acceptContract: input.acceptContract === true });
    return { status: claimed.status, address: claimed.address };
  }

  @Get('approve/:token')
  @ApiExcludeEndpoint()
  async approvalPage(@Param('token') token: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const view = await this.view('approval', token);
    return this.html(reply, view ? await renderApprovalPage(view, new Date()) : null);
  }

  @Get('approve/:token/status')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'A refund\'s status (approval page)' })
  @ApiOkResponse({ description: 'The refund\'s status and transaction.' })
  @ApiProblemResponses(404, 429)
  async approvalStatus(@Param('token') token: string): Promise<RefundPageStatus> {
    const refund = await this.find('approval', token);
    return { status: refund.status, txHash: refund.txHash };
  }

  /** The approval page reports the transaction the wallet sent: a hint the worker verifies on chain. */
  @Post('approve/:token/transaction')
  @HttpCode(202)
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Report the transaction a wallet sent (approval page)', description: 'Body `{txHash}`: a hint; the refund is marked sent only once the transfer is found on chain.' })
  @ApiAcceptedResponse({ description: 'Noted.' })
  @ApiProblemResponses(400, 404, 429)
  async reportTransaction(@Param('token') token: string, @Body() body: unknown): Promise<RefundPageStatus> {
    const refund = await this.find('approval', token);
    const txHash = (typeof body === 'object' && body !== null ? (body as { txHash?: unknown }).txHash : undefined) as string | undefined;
    if (typeof txHash !== 'string' || !isHash(txHash)) throw ValidationError.field('txHash', 'must be a 32-byte transaction hash');
    await this.refunds.reportTransaction(refund.id, txHash as Hex);
    return { status: refund.status, txHash: refund.txHash };
  }

  private async find(kind: 'claim' | 'approval', token: string): Promise<StoredRefund> {
    const refund = TOKEN.test(token) ? await this.refunds.findByToken(kind, token) : null;
    if (!refund || (kind === 'approval' && refund.method !== 'merchant_wallet')) throw new NotFoundError('refund', `${kind} link`);
    return refund;
  }

  private async view(kind: 'claim' | 'approval', token: string): Promise<RefundPageView | null> {
    const refund = await this.find(kind, token).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    if (!refund) return null;
    const merchant = await this.merchants.findById(refund.merchantId);
    return { refund, merchantName: merchant?.name ?? '', networkName: this.chains.find(refund.chainId)?.name ?? `chain ${refund.chainId}` };
  }

  private html(reply: FastifyReply, html: string | null): FastifyReply {
    return reply
      .status(html === null ? 404 : 200)
      .headers({ ...pageHeaders([], false), 'content-type': 'text/html; charset=utf-8' })
      .send(html ?? renderRefundNotFoundPage());
  }
}
