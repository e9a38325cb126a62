import type { NestFastifyApplication } from '@nestjs/platform-fastify';

const MERCHANT_API_PREFIX = '/v1/';
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A request body that is not JSON: answered 415 as an RFC 9457 problem by the problem filter. */
class UnsupportedMediaTypeError extends Error {
  readonly statusCode = 415;
}

/**
 * The merchant API (`/v1/*`) reads JSON only: a request that carries a body with any other
 * content type answers 415 before the body is parsed, whatever parsers other routes (the
 * hosted checkout) register.
 */
export function registerJsonOnly(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', async (request) => {
      if (!request.url.startsWith(MERCHANT_API_PREFIX) || !WITH_BODY.has(request.method)) return;
      const length = request.headers['content-length'];
      const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
      if (!hasBody) return;
      const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (mediaType !== 'application/json') {
        throw new UnsupportedMediaTypeError(`Send the body as application/json, not ${mediaType || 'without a content type'}`);
      }
    });
}
