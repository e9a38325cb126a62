import { Module } from '@nestjs/common';

import { PaymentEventsService } from './payment-events.service';
import { PaymentObjectsService } from './payment-objects.service';

/** Payment objects and payment events; needs the (global) persistence and config modules. */
@Module({ providers: [PaymentObjectsService, PaymentEventsService], exports: [PaymentObjectsService, PaymentEventsService] })
export class PaymentEventsModule {}
