import { type DynamicModule, Global, Module } from '@nestjs/common';

import { type KassaConfig, loadConfig } from './config';

/** Injection token of the validated {@link KassaConfig}. */
export const KASSA_CONFIG = Symbol('KASSA_CONFIG');

/**
 * Provides the validated configuration to every module. `forRoot()` reads the environment;
 * tests and the embedded default pass a ready object.
 */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: KassaConfig = loadConfig()): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: KASSA_CONFIG, useValue: config }], exports: [KASSA_CONFIG] };
  }
}
