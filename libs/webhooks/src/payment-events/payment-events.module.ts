import { Module } from '@nestjs/common';

import { PaymentObjectsService } from '@kassa/persistence';

import { PaymentEventsService } from './payment-events.service';

/**
 * Payment objects (built from the stored payments, `@kassa/persistence`) and payment events;
 * needs the (global) persistence and config modules.
 */
@Module({ providers: [PaymentObjectsService, PaymentEventsService], exports: [PaymentObjectsService, PaymentEventsService] })
export class PaymentEventsModule {}
