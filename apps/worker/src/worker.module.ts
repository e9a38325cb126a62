import { type DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';

import { ChainRegistryModule, ChainVerificationModule } from '@kassa/chain';
import { ConfigModule, type KassaConfig, persistenceOptions } from '@kassa/config';
import { MetricsModule } from '@kassa/observability';
import { PersistenceModule } from '@kassa/persistence';
import { PaymentEventsModule, WebhooksModule } from '@kassa/webhooks';

import { DeliverWebhooksJob } from './jobs/deliver-webhooks.job';
import { BalanceCredits } from './balances/balance-credits';
import { DepositBalances } from './balances/deposit-balances';
import { ExpirePaymentsJob } from './jobs/expire-payments.job';
import { PayoutsModule } from './payouts/payouts.module';
import { SettlementModule } from './settlement/settlement.module';

/** Root module of the worker process: the expiry scheduler, webhook delivery, settlement, payouts and refunds. */
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
        ChainVerificationModule,
        PaymentEventsModule,
        WebhooksModule,
        SettlementModule,
        PayoutsModule,
        MetricsModule,
      ],
      providers: [DepositBalances, BalanceCredits, ExpirePaymentsJob, DeliverWebhooksJob],
      exports: [ExpirePaymentsJob, DeliverWebhooksJob],
    };
  }
}
