import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { RECORDED_CHAIN_IDENTITIES } from '@kassa/chain';

import { ApiKeysRepository } from './api-keys/api-keys.repository';
import { ChainCursorsRepository } from './chain/chain-cursors.repository';
import { ChainStatusRepository } from './chain/chain-status.repository';
import { createDataSourceOptions, DEFAULT_POOL_SIZE, type ConnectionOptions } from './data-source';
import { EventsRepository } from './events/events.repository';
import { IdempotencyKeysRepository } from './idempotency/idempotency-keys.repository';
import { MerchantsRepository } from './merchants/merchants.repository';
import { DashboardOverviewRepository } from './dashboard/dashboard-overview.repository';
import { DashboardSessionsRepository, DashboardUsersRepository } from './dashboard/dashboard-users.repository';
import { PaymentsRepository } from './payments/payments.repository';
import { PayoutsRepository } from './payouts/payouts.repository';
import { RefundsRepository } from './refunds/refunds.repository';
import { PaymentLinksRepository } from './payment-links/payment-links.repository';
import { SettlementPoliciesRepository } from './settlements/settlement-policies.repository';
import { SettlementTransactionsRepository } from './settlements/settlement-transactions.repository';
import { SettlementsRepository } from './settlements/settlements.repository';
import { TransfersRepository } from './transfers/transfers.repository';
import { DeliveriesRepository } from './webhooks/deliveries.repository';
import { WebhookEndpointsRepository } from './webhooks/webhook-endpoints.repository';

export interface PersistenceModuleOptions extends ConnectionOptions {
  /** `postgres://user:password@host:port/database`, from `@kassa/config`. */
  databaseUrl: string;
  /** Connection attempts at start-up before the application fails. Default 3, one second apart. */
  retryAttempts?: number;
}

const REPOSITORIES: Provider[] = [
  MerchantsRepository,
  ApiKeysRepository,
  PaymentsRepository,
  IdempotencyKeysRepository,
  TransfersRepository,
  ChainCursorsRepository,
  ChainStatusRepository,
  EventsRepository,
  WebhookEndpointsRepository,
  DeliveriesRepository,
  SettlementsRepository,
  SettlementTransactionsRepository,
  SettlementPoliciesRepository,
  RefundsRepository,
  PaymentLinksRepository,
  PayoutsRepository,
  DashboardUsersRepository,
  DashboardSessionsRepository,
  DashboardOverviewRepository,
];

/**
 * The database connection (one TypeORM `DataSource`, one pool) and the repositories.
 *
 * Global: import it once per application and every module can inject the repositories,
 * `DataSource` and `EntityManager`. Each app's root module (api, watcher, worker) imports
 * `PersistenceModule.forRoot(...)` so that it runs alone; when the embedded default
 * composes the three root modules under one parent, they share one connection pool because
 * `forRoot` returns the same module object for the same options (Nest 11 identifies
 * dynamic modules by reference), so Nest instantiates it once. Do not import
 * `TypeOrmModule.forRoot` anywhere else: the default `DataSource` token belongs to this module.
 */
@Module({})
export class PersistenceModule {
  private static readonly modules = new Map<string, DynamicModule>();

  static forRoot(options: PersistenceModuleOptions): DynamicModule {
    const settings = {
      databaseUrl: options.databaseUrl,
      poolSize: options.poolSize ?? DEFAULT_POOL_SIZE,
      applicationName: options.applicationName ?? 'kassa',
      logging: options.logging ?? false,
      pipeline: options.pipeline ?? true,
      retryAttempts: options.retryAttempts ?? 3,
    };
    const key = JSON.stringify(settings);
    let module = PersistenceModule.modules.get(key);
    if (module === undefined) {
      module = {
        module: PersistenceModule,
        global: true,
        imports: [
          TypeOrmModule.forRoot({
            ...createDataSourceOptions(settings.databaseUrl, settings),
            retryAttempts: settings.retryAttempts,
            retryDelay: 1000,
          }),
        ],
        providers: [...REPOSITORIES, { provide: RECORDED_CHAIN_IDENTITIES, useExisting: ChainCursorsRepository }],
        exports: [...REPOSITORIES, RECORDED_CHAIN_IDENTITIES],
      };
      PersistenceModule.modules.set(key, module);
    }
    return module;
  }
}
