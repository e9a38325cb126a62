import { Module } from '@nestjs/common';

import { PaymentEventsService } from './payment-events.service';

/** Payment events; needs the (global) persistence and config modules (which provide the payment objects). */
@Module({ providers: [PaymentEventsService], exports: [PaymentEventsService] })
export class PaymentEventsModule {}
