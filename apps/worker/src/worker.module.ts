import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { ChainRegistryModule } from '@kassa/chain';
import { ConfigModule, type KassaConfig, persistenceOptions } from '@kassa/config';
import { PersistenceModule } from '@kassa/persistence';
import { PaymentEventsModule, WebhooksModule } from '@kassa/webhooks';

import { DeliverWebhooksJob } from './jobs/deliver-webhooks.job';
import { DepositBalances } from './jobs/deposit-balances';
import { ExpirePaymentsJob } from './jobs/expire-payments.job';

/** Root module of the worker process: the expiry scheduler and webhook delivery. */
@Module({})
export class WorkerModule {
  static forRoot(config: KassaConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot(persistenceOptions(config)),
        ScheduleModule.forRoot(),
        ChainRegistryModule,
        PaymentEventsModule,
        WebhooksModule,
      ],
      providers: [DepositBalances, ExpirePaymentsJob, DeliverWebhooksJob],
      exports: [ExpirePaymentsJob, DeliverWebhooksJob],
    };
  }
}
