import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { DynamicModule } from '@nestjs/common';

import type { KassaConfig } from '@kassa/config';
import { createKassaLogger } from '@kassa/observability';

import { registerJsonOnly } from './common/json-only';
import { registerDashboard } from './dashboard/dashboard-http';
import { KnownQueryParametersGuard } from './common/known-query-parameters';
import { answerClientError, answerFrameworkError, ProblemFilter } from './common/problem.filter';
import { registerRateLimits } from './common/rate-limit';
import { registerRequestLog, requestIdOf } from './common/request-log';
import { registerResponseHeaders } from './common/response-headers';
import { type RegisteredRoute, RouteTable } from './common/route-table';
import { createValidationPipe } from './common/validation';

/** Largest request body the API reads; larger ones answer 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

const ROUTE_TABLES = new WeakMap<NestFastifyApplication, RouteTable>();

/** The routes an application built by {@link createHttpApplication} registered (complete once it listens or is initialised). */
export function registeredRoutes(app: NestFastifyApplication): RegisteredRoute[] {
  return ROUTE_TABLES.get(app)?.routes() ?? [];
}

/**
 * Builds the HTTP application around `rootModule` (the API's, or the embedded default's
 * composition of all three apps): Fastify adapter, RFC 9457 problem responses (405 with
 * `Allow` for a known path asked with another method), request validation (undeclared
 * query parameters refused), rate limits,
 * structured logs (pino, secrets redacted), request ids, a request log without secrets,
 * and the OpenAPI document at `/docs` (JSON at `/docs/json`). Signals are the caller's: the
 * API's own process closes it on SIGTERM and SIGINT, the embedded default closes it before
 * the chains and PostgreSQL it started.
 */
export async function createHttpApplication(rootModule: DynamicModule, config: KassaConfig): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    rootModule,
    new FastifyAdapter({
      bodyLimit: BODY_LIMIT_BYTES,
      trustProxy: config.http.trustProxy,
      frameworkErrors: answerFrameworkError,
      clientErrorHandler: answerClientError,
      genReqId: requestIdOf,
    }),
    { logger: createKassaLogger({ level: config.logLevel, format: config.logFormat ?? 'json' }), bufferLogs: false },
  );
  const routes = new RouteTable();
  ROUTE_TABLES.set(app, routes);
  app.getHttpAdapter().getInstance().addHook('onRoute', (route) => routes.record(route.method, route.url));
  await registerRateLimits(app, config);
  registerJsonOnly(app);
  await registerDashboard(app, config);
  registerResponseHeaders(app);
  registerRequestLog(app);
  app.useGlobalFilters(new ProblemFilter(routes));
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalGuards(new KnownQueryParametersGuard());
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Kassa API')
      .setDescription('Self-hosted, non-custodial crypto payments on EVM chains. Errors are RFC 9457 problem details.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'API key', description: 'A secret API key, kassa_sk_... (on /ops: the operator token)' })
      .addBasicAuth({ type: 'http', scheme: 'basic', description: 'Only /ops: any user name, the operator token as password' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json', yamlDocumentUrl: 'docs/yaml' });
  return app;
}
