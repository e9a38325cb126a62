import { Controller, Get, Header, Param, Query, Res } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { NotFoundError } from '@kassa/domain';

import { AcceptsAnyQueryParameters } from '../common/known-query-parameters';
import { ApiProblemResponses } from '../common/openapi';
import { CHECKOUT_ASSETS } from './assets';
import { checkoutPage, renderNotFoundPage } from './checkout.page';
import { CheckoutService } from './checkout.service';
import { CHECKOUT_HEADERS, pageHeaders, validOrigins } from './content-security-policy';
import { PaymentEventStreams } from './payment-event-streams.service';
import type { PublicPayment } from './public-payment';
import { qrCodeSvg, qrLabel } from './qr-code';

/**
 * The hosted checkout (DESIGN.md "Hosted checkout"): the customer's page, its live status
 * (JSON and server-sent events), its QR code and static files. Public, no API key; only
 * public fields of the one payment leave the server.
 */
@ApiTags('checkout')
@Controller('pay')
@AcceptsAnyQueryParameters()
export class CheckoutController {
  constructor(
    private readonly checkout: CheckoutService,
    private readonly streams: PaymentEventStreams,
  ) {}

  @Get('assets/:file')
  @ApiExcludeEndpoint()
  asset(@Param('file') file: string, @Res() reply: FastifyReply): FastifyReply {
    const asset = Object.hasOwn(CHECKOUT_ASSETS, file) ? CHECKOUT_ASSETS[file as keyof typeof CHECKOUT_ASSETS] : undefined;
    if (!asset) throw new NotFoundError('asset', file);
    return reply
      .headers({ ...CHECKOUT_HEADERS, 'content-type': asset.contentType, 'cache-control': 'public, max-age=86400' })
      .send(asset.body);
  }

  @Get(':id/status')
  @Header('cache-control', 'no-store')
  @Header('x-content-type-options', 'nosniff')
  @ApiOperation({
    summary: 'Public status of a payment',
    description: 'What the checkout page shows: amounts, deposit address, confirmations, receipt, and where the customer returns to. No metadata, no merchant settings.',
  })
  @ApiOkResponse({ description: 'The public fields of the payment.' })
  @ApiProblemResponses(404)
  async status(@Param('id') id: string): Promise<PublicPayment> {
    return (await this.checkout.open(id)).payment;
  }

  @Get(':id/events')
  @ApiOperation({
    summary: 'Live status of a payment (server-sent events)',
    description: 'A `payment` event with the public status now and on every change; the stream ends once the payment is final.',
  })
  @ApiProduces('text/event-stream')
  @ApiProblemResponses(404)
  async events(@Param('id') id: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { payment, merchant } = await this.checkout.open(id);
    const stream = this.streams.open(payment, (paymentId) => this.checkout.current(paymentId, merchant.name));
    if (!stream) {
      return reply.status(503).headers({ ...CHECKOUT_HEADERS, 'retry-after': '5', 'cache-control': 'no-store' }).send();
    }
    return reply
      .headers({
        ...CHECKOUT_HEADERS,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      })
      .send(stream);
  }

  @Get(':id/qr.svg')
  @ApiExcludeEndpoint()
  async qrCode(@Param('id') id: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const { payment } = await this.checkout.open(id);
    if (!payment.remainingPaymentUri) throw new NotFoundError('payment', id);
    const svg = await qrCodeSvg(payment.remainingPaymentUri, qrLabel(payment));
    return reply
      .headers({ ...CHECKOUT_HEADERS, 'content-type': 'image/svg+xml', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'" })
      .send(svg);
  }

  /**
   * The customer's page. `?embed=1`: embed mode; `?option=<option id>`: that option's
   * address, amount and QR code while the customer may still choose the coin, else the coin
   * picker (several options, no value yet) or the option the payment stands on.
   */
  @Get(':id')
  @ApiExcludeEndpoint()
  async page(
    @Param('id') id: string,
    @Query('embed') embedParam: string | undefined,
    @Query('option') optionParam: unknown,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const embed = embedParam === '1' || embedParam === 'true';
    const found = await this.checkout.open(id).catch((error: unknown) => {
      if (error instanceof NotFoundError) return null;
      throw error;
    });
    if (!found) {
      return reply
        .status(404)
        .headers({ ...pageHeaders([], false), 'content-type': 'text/html; charset=utf-8' })
        .send(renderNotFoundPage());
    }
    const { payment, merchant } = found;
    const origins = validOrigins(merchant.allowedOrigins);
    const html = await checkoutPage(payment, { option: typeof optionParam === 'string' ? optionParam : undefined, embed, parentOrigins: origins, now: new Date() });
    return reply.headers({ ...pageHeaders(origins, embed), 'content-type': 'text/html; charset=utf-8' }).send(html);
  }
}
