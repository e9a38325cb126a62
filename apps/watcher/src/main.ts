import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { ConfigError, loadConfig } from '@kassa/config';
import { createKassaLogger, KassaMetrics, startMetricsServer } from '@kassa/observability';

import { WatcherModule } from './watcher.module';

/**
 * The chain watcher daemon on its own: `node -r ./scripts/register.js apps/watcher/src/main.ts`.
 * Reads the environment once, follows every configured chain, and on SIGTERM or SIGINT
 * finishes the steps in flight, releases the chain locks and exits.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = await NestFactory.createApplicationContext(WatcherModule.forRoot(config), {
    logger: createKassaLogger({ level: config.logLevel, format: config.logFormat ?? 'json' }),
  });
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  await app.init();
  if (config.metrics.port !== undefined) {
    const server = await startMetricsServer(app.get(KassaMetrics), config.metrics.host, config.metrics.port);
    new Logger('Watcher').log(`Metrics at ${server.url}`);
  }
}

main().catch((error: unknown) => {
  new Logger('Watcher').fatal(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
