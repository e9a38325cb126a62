import { type DynamicModule, Module } from '@nestjs/common';

import { ApiModule } from '@kassa/api';
import type { KassaConfig } from '@kassa/config';
import { WatcherModule } from '@kassa/watcher';
import { WorkerModule } from '@kassa/worker';

/**
 * The embedded default: the api, watcher and worker root modules composed in one process
 * (DESIGN.md "Processes"). They share the global config and persistence modules, so one
 * connection pool serves all three.
 */
@Module({})
export class EmbeddedModule {
  static forRoot(config: KassaConfig): DynamicModule {
    return { module: EmbeddedModule, imports: [ApiModule.forRoot(config), WatcherModule.forRoot(config), WorkerModule.forRoot(config)] };
  }
}
