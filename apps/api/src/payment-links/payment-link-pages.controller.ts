import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { isId, NotFoundError, PaymentLinkUnavailableError, QuoteUnavailableError } from '@kassa/domain';
import { PaymentObjectsService } from '@kassa/persistence';

import { assetHref } from '../checkout/assets';
import { renderNoticePage } from '../checkout/checkout.page';
import { CHECKOUT_HEADERS, pageHeaders } from '../checkout/content-security-policy';
import { qrCodeSvg } from '../checkout/qr-code';
import { AcceptsAnyQueryParameters } from '../common/known-query-parameters';
import { PaymentLinksUseCase } from './payment-links.use-case';

/** The checkout stylesheet from a page at `/l/<id>`. */
const STYLESHEET = `../pay/${assetHref('checkout.css')}`;

/** What a visitor of an unknown link reads. */
const NOT_FOUND = ['Payment link not found', 'This payment link is not valid. Check the link you were given.'] as const;

/** What a visitor reads when a link creates no payment, by the reason. */
const UNAVAILABLE = {
  inactive: ['Payment link inactive', 'The seller has switched this payment link off. Ask them for a new one.'],
  expired: ['Payment link expired', 'This payment link has expired. Ask the seller for a new one.'],
  completed: ['Already paid', 'This payment link was for one payment, and it has been paid. Nothing more is due.'],
} as const;

/**
 * The public side of payment links (docs/payment-links.md): `/l/{id}` creates a payment
 * and sends the visitor to its checkout (303); `/l/{id}/qr.svg` is the link's QR code for
 * printing. No API key; rate limited per client IP (`KASSA_RATE_LIMIT_PAYMENT_LINK_PER_MINUTE`).
 */
@ApiExcludeController()
@Controller('l')
@AcceptsAnyQueryParameters()
export class PaymentLinkPagesController {
  constructor(
    private readonly useCase: PaymentLinksUseCase,
    private readonly payments: PaymentObjectsService,
  ) {}

  /** A visit: 303 to the checkout of the payment it creates (or a single-use link's open one), else a page saying why not. */
  @Get(':id')
  async visit(@Param('id') id: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const page = (status: number, [title, text]: readonly [string, string]) =>
      reply.status(status).headers({ ...pageHeaders([], false), 'content-type': 'text/html; charset=utf-8' }).send(renderNoticePage(title, text, STYLESHEET));
    if (!isId('paymentLink', id)) return page(404, NOT_FOUND);
    try {
      const paymentId = await this.useCase.visit(id);
      return reply.headers({ ...CHECKOUT_HEADERS, 'cache-control': 'no-store' }).redirect(this.payments.checkoutUrl(paymentId), 303);
    } catch (error) {
      if (error instanceof NotFoundError) return page(404, NOT_FOUND);
      if (error instanceof PaymentLinkUnavailableError) return page(410, UNAVAILABLE[error.status]);
      if (error instanceof QuoteUnavailableError) {
        void reply.header('retry-after', '60');
        return page(503, ['Price not available', 'The price cannot be converted into a coin right now. Please try again in a minute.']);
      }
      throw error;
    }
  }

  /** The link's URL as an SVG QR code, for printing. */
  @Get(':id/qr.svg')
  async qrCode(@Param('id') id: string, @Res() reply: FastifyReply): Promise<FastifyReply> {
    if (!isId('paymentLink', id)) throw new NotFoundError('payment link', id);
    const link = await this.useCase.publicLink(id);
    const svg = await qrCodeSvg(link.url, `QR code: pay at ${link.url}`);
    return reply
      .headers({ ...CHECKOUT_HEADERS, 'content-type': 'image/svg+xml', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'" })
      .send(svg);
  }
}
