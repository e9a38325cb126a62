import { Global, Module } from '@nestjs/common';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';

import { RateSource } from '../rates/rate-source';
import { ChainRegistry } from './chain-registry';

/**
 * Provides the {@link ChainRegistry} of the configured chains and the {@link RateSource}
 * pricing their coins (needs the config module).
 */
@Global()
@Module({
  providers: [
    { provide: ChainRegistry, useFactory: (config: KassaConfig) => new ChainRegistry(config.chains), inject: [KASSA_CONFIG] },
    RateSource,
  ],
  exports: [ChainRegistry, RateSource],
})
export class ChainRegistryModule {}
