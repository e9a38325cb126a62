import { Global, Module } from '@nestjs/common';

import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';

import { ChainRegistry } from './chain-registry';

/** Provides the {@link ChainRegistry} of the configured chains (needs the config module). */
@Global()
@Module({
  providers: [{ provide: ChainRegistry, useFactory: (config: KassaConfig) => new ChainRegistry(config.chains), inject: [KASSA_CONFIG] }],
  exports: [ChainRegistry],
})
export class ChainRegistryModule {}
