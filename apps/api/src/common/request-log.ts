import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import type { AuthenticatedRequest } from '../auth/api-key.guard';

const KASSA_ID = /^[a-z]{2,3}_[0-9A-HJKMNP-TV-Z]{26}$/;

/** Header carrying a request's id, in and out. */
export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/**
 * The id of a request (Fastify's `genReqId`): the caller's `X-Request-Id` when it is a
 * short token (a load balancer's or proxy's, so one request can be followed across them),
 * else a new UUID. Anything else a caller sends is ignored, so it never forges log lines.
 */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

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
 * Answers every request with its id in `X-Request-Id` (see {@link requestIdOf}) and logs
 * every answered request at `debug` level with that id: method, route (see
 * {@link describeRoute}), status, duration and the id of the API key (`key_...`) that made
 * it. Never a header, a body or a key: `Authorization` is not read here.
 */
export function registerRequestLog(app: NestFastifyApplication): void {
  const logger = new Logger('Http');
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const principal = (request as AuthenticatedRequest).principal;
    logger.debug({
      msg: `${request.method} ${describeRoute(request)} ${reply.statusCode} ${Math.round(reply.elapsedTime)} ms${principal ? ` ${principal.apiKeyId}` : ''}`,
      requestId: request.id,
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime),
    });
  });
}
