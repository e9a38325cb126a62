import { Module } from '@nestjs/common';

import { PaymentObjectsService, RefundObjectsService } from '@kassa/persistence';

import { PaymentEventsService } from './payment-events.service';

/**
 * Payment and refund objects (built from the stored rows, `@kassa/persistence`) and the
 * events of payments, refunds and payouts;
 * needs the (global) persistence and config modules.
 */
@Module({
  providers: [PaymentObjectsService, RefundObjectsService, PaymentEventsService],
  exports: [PaymentObjectsService, RefundObjectsService, PaymentEventsService],
})
export class PaymentEventsModule {}
