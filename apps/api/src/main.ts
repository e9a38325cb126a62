import 'reflect-metadata';

import { Logger } from '@nestjs/common';

import { loadConfig, publicUrlOf } from '@kassa/config';
import { redactText } from '@kassa/observability';

import { ApiModule } from './api.module';
import { createHttpApplication } from './bootstrap';

/** Starts the API on its own, against DATABASE_URL and the configured chains. */
async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createHttpApplication(ApiModule.forRoot(config), config);
  app.enableShutdownHooks();
  await app.listen(config.api.port, config.api.host);
  new Logger('Kassa').log(`API listening on ${publicUrlOf(config)}`);
}

main().catch((error: unknown) => {
  // Start-up errors may quote a URL from the configuration: print them as the logs would.
  console.error(redactText(error instanceof Error ? error.message : String(error)));
  process.exit(1);
});
