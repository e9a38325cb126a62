import { Module } from '@nestjs/common';

import { PaymentEventsModule } from '@kassa/webhooks';

import { CheckoutController } from './checkout.controller';
import { CheckoutService } from './checkout.service';
import { PaymentEventStreams } from './payment-event-streams.service';

/** The hosted checkout `/pay/:id`: page, public status, live events, QR code, static files. */
@Module({
  imports: [PaymentEventsModule],
  controllers: [CheckoutController],
  providers: [CheckoutService, PaymentEventStreams],
})
export class CheckoutModule {}
