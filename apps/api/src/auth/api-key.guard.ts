import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type ApiKeyScope, ForbiddenError, hashApiKey, looksLikeApiKey, UnauthorizedError } from '@kassa/domain';
import { ApiKeysRepository, type ApiKeyPrincipal } from '@kassa/persistence';
import type { FastifyRequest } from 'fastify';

const SCOPE_KEY = 'kassa:scope';

/** The scope a route needs; without it, GET/HEAD need `read` and anything else `write`. */
export const RequireScope = (scope: ApiKeyScope) => SetMetadata(SCOPE_KEY, scope);

type AuthenticatedRequest = FastifyRequest & { principal?: ApiKeyPrincipal };

/**
 * Bearer API key authentication (DESIGN.md "Merchant API"): `Authorization: Bearer
 * kassa_sk_...`. The key is hashed (SHA-256) and looked up; revoked keys fail at once.
 * @throws UnauthorizedError (401) for a missing, malformed, unknown or revoked key
 * @throws ForbiddenError (403) when the key lacks the route's scope
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new UnauthorizedError('Send the API key as "Authorization: Bearer <key>"');
    const key = match[1]!;
    if (!looksLikeApiKey(key)) throw new UnauthorizedError('The API key is malformed');
    const principal = await this.apiKeys.findActiveByHash(hashApiKey(key));
    if (!principal) throw new UnauthorizedError('The API key is unknown or revoked');

    const required =
      this.reflector.getAllAndOverride<ApiKeyScope | undefined>(SCOPE_KEY, [context.getHandler(), context.getClass()]) ??
      (request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write');
    if (!principal.scopes.includes(required)) throw new ForbiddenError(`The API key lacks the '${required}' scope`);

    request.principal = principal;
    void this.apiKeys.touchLastUsed(principal.apiKeyId).catch(() => undefined);
    return true;
  }
}

/** The authenticated principal of the request (set by {@link ApiKeyGuard}). */
export const Principal = createParamDecorator((_data: unknown, context: ExecutionContext): ApiKeyPrincipal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedError('Not authenticated');
  return principal;
});
