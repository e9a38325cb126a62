import { Global, Module } from '@nestjs/common';

import { KassaMetrics } from './kassa-metrics';

/**
 * Provides the process's {@link KassaMetrics}. Global and static, so the api, watcher and
 * worker root modules composed in one process (the embedded default) share one registry.
 */
@Global()
@Module({ providers: [{ provide: KassaMetrics, useFactory: () => new KassaMetrics() }], exports: [KassaMetrics] })
export class MetricsModule {}
