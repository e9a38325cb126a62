import type { NestFastifyApplication } from '@nestjs/platform-fastify';

/** Whether the answers of `path` are private to the caller: the merchant API and the operator page. */
const isPrivate = (path: string): boolean => path.startsWith('/v1/') || path === '/ops' || path.startsWith('/ops/');

/**
 * The OpenAPI page (Swagger UI): its scripts, styles and the document come from this
 * server; the inline styles of its template need `'unsafe-inline'` for styles only; no
 * other site may frame it (CSP3 `frame-ancestors`, with `X-Frame-Options` for older browsers).
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Response headers that depend only on the route, added to every response that does not
 * set them itself:
 * - `X-Content-Type-Options: nosniff` everywhere, so no browser reads a JSON answer as a script;
 * - `Cache-Control: no-store` on `/v1/*` and `/ops`: their answers carry API keys, webhook
 *   signing secrets and merchant data that no shared or browser cache may keep
 *   (RFC 9111 section 5.2.2.5);
 * - a Content-Security-Policy and `X-Frame-Options: DENY` on `/docs`.
 */
export function registerResponseHeaders(app: NestFastifyApplication): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onSend', async (request, reply) => {
      const path = request.url.split('?')[0] ?? '/';
      if (!reply.hasHeader('x-content-type-options')) void reply.header('x-content-type-options', 'nosniff');
      if (isPrivate(path) && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
      if (path === '/docs' || path.startsWith('/docs/')) {
        void reply.header('content-security-policy', DOCS_CONTENT_SECURITY_POLICY).header('x-frame-options', 'DENY');
      }
    });
}
