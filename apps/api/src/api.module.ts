import { type DynamicModule, Module } from '@nestjs/common';

import { ChainRegistryModule } from '@kassa/chain';
import { ConfigModule, type KassaConfig, persistenceOptions } from '@kassa/config';
import { PersistenceModule } from '@kassa/persistence';
import { PaymentEventsModule } from '@kassa/webhooks';

import { ApiKeyGuard } from './auth/api-key.guard';
import { CheckoutController } from './checkout/checkout.controller';
import { HealthController } from './health/health.controller';
import { CancelPaymentUseCase } from './payments/cancel-payment.use-case';
import { CreatePaymentUseCase } from './payments/create-payment.use-case';
import { PaymentsController } from './payments/payments.controller';
import { WebhookEndpointsController } from './webhook-endpoints/webhook-endpoints.controller';

/** Root module of the API process: merchant API, hosted checkout, health. */
@Module({})
export class ApiModule {
  static forRoot(config: KassaConfig): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot(persistenceOptions(config)),
        ChainRegistryModule,
        PaymentEventsModule,
      ],
      controllers: [PaymentsController, WebhookEndpointsController, CheckoutController, HealthController],
      providers: [ApiKeyGuard, CreatePaymentUseCase, CancelPaymentUseCase],
    };
  }
}
