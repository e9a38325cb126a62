import { Controller, Get, Header, Inject, Param } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';

import { ChainRegistry } from '@kassa/chain';
import { isId, NotFoundError, type Payment } from '@kassa/domain';
import { PaymentsRepository } from '@kassa/persistence';
import { PaymentObjectsService } from '@kassa/webhooks';

import { ApiProblemResponses } from '../common/openapi';
import { renderCheckoutPage } from './checkout.page';
import { type PublicPayment, toPublicPayment } from './public-payment';

/** The hosted checkout (DESIGN.md "Hosted checkout"): public, no API key. */
@ApiTags('checkout')
@Controller('pay')
export class CheckoutController {
  constructor(
    private readonly payments: PaymentsRepository,
    private readonly objects: PaymentObjectsService,
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
  ) {}

  @Get(':id/status')
  @ApiOperation({ summary: 'Public status of a payment', description: 'What the checkout page shows; no merchant data.' })
  @ApiOkResponse({ description: 'The public fields of the payment.' })
  @ApiProblemResponses(404)
  async status(@Param('id') id: string): Promise<PublicPayment> {
    return this.publicPayment(await this.find(id));
  }

  @Get(':id')
  @ApiExcludeEndpoint()
  @Header('content-type', 'text/html; charset=utf-8')
  async page(@Param('id') id: string): Promise<string> {
    return renderCheckoutPage(this.publicPayment(await this.find(id)));
  }

  private publicPayment(payment: Payment): PublicPayment {
    return toPublicPayment(payment, this.objects.paymentUri(payment), this.chains);
  }

  private async find(id: string): Promise<Payment> {
    const payment = isId('payment', id) ? await this.payments.findByIdUnscoped(id) : null;
    if (!payment) throw new NotFoundError('payment', id);
    return payment;
  }
}
