import rateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

import type { KassaConfig } from '@kassa/config';

import { ApiKeyAuthenticator } from '../auth/api-key.authenticator';

/** The window every limit counts in, milliseconds. */
export const RATE_LIMIT_WINDOW_MS = 60_000;

/** Routes never limited: load balancers, orchestrators and Prometheus probe them. */
const UNLIMITED_PREFIXES = ['/health/', '/metrics'];

const MERCHANT_API_PREFIX = '/v1/';
/** The dashboard's sign-in forms (password, TOTP code). */
const SIGN_IN_PREFIX = '/dashboard/sign-in';
/** A payment link's public URL: each visit creates a payment. */
const PAYMENT_LINK_VISIT = '/l/:id';

/** A request over its limit: answered 429 as an RFC 9457 problem by the problem filter, with `Retry-After`. */
class TooManyRequestsError extends Error {
  readonly statusCode = 429;
}

/**
 * Rate limiting (`@fastify/rate-limit`, fixed one-minute windows, counted in this process):
 * - `/v1/*` with a valid API key: per key, `http.rateLimit.apiPerMinute`;
 * - everything else, and `/v1/*` without a valid key (so guessing keys is limited too): per
 *   client IP, `http.rateLimit.publicPerMinute`; the IP is the socket's unless
 *   `http.trustProxy` takes it from `X-Forwarded-For`;
 * - the dashboard's sign-in (`POST /dashboard/sign-in*`): per client IP, also
 *   `http.rateLimit.signInPerMinute` (guessing passwords across accounts is slow);
 * - a payment link's visit (`GET /l/{id}`, which creates a payment): per client IP, also
 *   `http.rateLimit.paymentLinkPerMinute`;
 * - `/health/*` and `/metrics` are never limited; a limit of 0 switches that limit off.
 * Over the limit: 429 with `Retry-After` (seconds), plus `x-ratelimit-*` headers on every answer.
 * The bucket of a key is named by its id (`key_...`), never by the key itself.
 */
export async function registerRateLimits(app: NestFastifyApplication, config: KassaConfig): Promise<void> {
  const { apiPerMinute, publicPerMinute } = config.http.rateLimit;
  const authenticator = app.get(ApiKeyAuthenticator);
  const limitOf = (bucket: string): number => (bucket.startsWith('key:') ? apiPerMinute : publicPerMinute);
  const { signInPerMinute, paymentLinkPerMinute } = config.http.rateLimit;
  const ownLimit = (max: number, bucket: string) => ({ rateLimit: { max, timeWindow: RATE_LIMIT_WINDOW_MS, keyGenerator: (request: FastifyRequest) => `${bucket}:${request.ip}` } });
  // Before the plugin's own onRoute hook reads each route's config.
  app.getHttpAdapter().getInstance().addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (signInPerMinute > 0 && methods.includes('POST') && route.url.startsWith(SIGN_IN_PREFIX)) {
      route.config = { ...(route.config as object), ...ownLimit(signInPerMinute, 'sign-in') } as never;
    }
    if (paymentLinkPerMinute > 0 && methods.includes('GET') && route.url === PAYMENT_LINK_VISIT) {
      route.config = { ...(route.config as object), ...ownLimit(paymentLinkPerMinute, 'payment-link') } as never;
    }
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: RATE_LIMIT_WINDOW_MS,
    keyGenerator: async (request: FastifyRequest): Promise<string> => {
      if (request.url.startsWith(MERCHANT_API_PREFIX)) {
        const outcome = await authenticator.authenticate(request);
        if ('principal' in outcome) return `key:${outcome.principal.apiKeyId}`;
      }
      return `ip:${request.ip}`;
    },
    allowList: (request: FastifyRequest, bucket: string): boolean => UNLIMITED_PREFIXES.some((prefix) => request.url.startsWith(prefix)) || limitOf(bucket) === 0,
    max: (_request: FastifyRequest, bucket: string): number => limitOf(bucket),
    errorResponseBuilder: (_request, context) =>
      new TooManyRequestsError(`At most ${context.max} requests per minute; retry in ${context.after}`),
  });
}
