import { Module, type DynamicModule } from '@nestjs/common';

import { ChainVerificationModule } from '@kassa/chain';
import { ConfigModule, type KassaConfig } from '@kassa/config';
import { MetricsModule } from '@kassa/observability';
import { PersistenceModule } from '@kassa/persistence';
import { PaymentEventsModule } from '@kassa/webhooks';

import { ChainFollowersService } from './chains/chain-followers.service';
import { ObservedRecordBlocks } from './metrics/observed-record-blocks';
import { WatcherMetrics } from './metrics/watcher-metrics';
import { ReevaluatePayments } from './payments/reevaluate-payments.use-case';
import { RecordBlocks } from './transfers/record-blocks.use-case';
import { WatchedAddressesService } from './watched-addresses/watched-addresses.service';
import { DEFAULT_WATCHER_OPTIONS, WATCHER_OPTIONS, type WatcherOptions } from './watcher.options';

/**
 * The chain watcher (DESIGN.md "Chain watcher"): one block follower per configured chain.
 * No HTTP; run it with `NestFactory.createApplicationContext`.
 *
 * `forRoot(config)` imports the global config and persistence modules, so the watcher runs
 * alone; composed with the api and worker root modules in one process, the persistence
 * module is shared (it is keyed by its options: every root module passes the same
 * `databaseUrl` and `poolSize` from the config).
 */
@Module({})
export class WatcherModule {
  /**
   * @param config the validated configuration; `database.url` must be set
   * @param options tuning of the watcher (tests shorten the intervals)
   * @throws Error when `config.database.url` is unset
   */
  static forRoot(config: KassaConfig, options: Partial<WatcherOptions> = {}): DynamicModule {
    if (!config.database.url) throw new Error('The watcher needs DATABASE_URL (or the embedded database of `npm start`)');
    return {
      module: WatcherModule,
      imports: [
        ConfigModule.forRoot(config),
        PersistenceModule.forRoot({ databaseUrl: config.database.url, poolSize: config.database.poolSize }),
        PaymentEventsModule,
        MetricsModule,
        ChainVerificationModule,
      ],
      providers: [
        WatcherMetrics,
        { provide: WATCHER_OPTIONS, useValue: { ...DEFAULT_WATCHER_OPTIONS, ...options } satisfies WatcherOptions },
        WatchedAddressesService,
        ReevaluatePayments,
        // Stores steps as RecordBlocks does, then observes them for metrics.
        { provide: RecordBlocks, useClass: ObservedRecordBlocks },
        ChainFollowersService,
      ],
      exports: [ChainFollowersService, WatchedAddressesService],
    };
  }
}
