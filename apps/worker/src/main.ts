import 'reflect-metadata';

import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

import { loadConfig } from '@kassa/config';
import { createKassaLogger, KassaMetrics, redactText, startMetricsServer } from '@kassa/observability';

import { WorkerModule } from './worker.module';

/** Starts the worker on its own (expiry scheduler, webhook delivery) against DATABASE_URL. */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), {
    logger: createKassaLogger({ level: config.logLevel, format: config.logFormat ?? 'json' }),
  });
  app.enableShutdownHooks();
  new Logger('Kassa').log('Worker running');
  if (config.metrics.port !== undefined) {
    const server = await startMetricsServer(app.get(KassaMetrics), config.metrics.host, config.metrics.port);
    new Logger('Kassa').log(`Metrics at ${server.url}`);
  }
}

main().catch((error: unknown) => {
  // Start-up errors may quote a URL from the configuration: print them as the logs would.
  console.error(redactText(error instanceof Error ? error.message : String(error)));
  process.exit(1);
});
