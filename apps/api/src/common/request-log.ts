import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import type { AuthenticatedRequest } from '../auth/api-key.guard';

const KASSA_ID = /^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$/;

/**
 * How a request is named in logs: the route pattern (`/v1/payments/:id`), never the raw
 * URL, followed by the path parameters that are Kassa ids (`pay_...`). A merchant who pastes
 * a secret into a path or query string never finds it in the logs.
 */
export function describeRoute(request: FastifyRequest): string {
  const pattern = request.routeOptions.url;
  if (!pattern) return '(no such route)';
  const params = Object.values((request.params ?? {}) as Record<string, unknown>).filter(
    (value): value is string => typeof value === 'string' && KASSA_ID.test(value),
  );
  return params.length > 0 ? `${pattern} ${params.join(' ')}` : pattern;
}

/**
 * Logs every answered request at `debug` level: method, route (see {@link describeRoute}),
 * status, duration and the id of the API key (`key_...`) that made it. Never a header, a
 * body or a key: `Authorization` is not read here.
 */
export function registerRequestLog(app: NestFastifyApplication): void {
  const logger = new Logger('Http');
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', async (request, reply) => {
      const principal = (request as AuthenticatedRequest).principal;
      logger.debug(
        `${request.method} ${describeRoute(request)} ${reply.statusCode} ${Math.round(reply.elapsedTime)} ms${principal ? ` ${principal.apiKeyId}` : ''}`,
      );
    });
}
