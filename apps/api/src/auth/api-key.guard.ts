import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { type ApiKeyScope, ForbiddenError, UnauthorizedError } from '@kassa/domain';
import type { ApiKeyPrincipal } from '@kassa/persistence';

import { assertKnownQueryParameters } from '../common/known-query-parameters';
import { ApiKeyAuthenticator } from './api-key.authenticator';

/** A request after {@link ApiKeyGuard}: who it acts for. */
export type AuthenticatedRequest = FastifyRequest & { principal?: ApiKeyPrincipal };

/**
 * Bearer API key authentication (DESIGN.md "Merchant API"): `Authorization: Bearer
 * kassa_sk_...`, looked up by SHA-256 hash through {@link ApiKeyAuthenticator}; revoked
 * keys fail at once. Once the key passes, refuses query parameters the route does not
 * declare ({@link assertKnownQueryParameters}), so a request without a key learns nothing
 * of a route's parameters.
 * @throws UnauthorizedError (401) for a missing, malformed, unknown or revoked key
 * @throws ForbiddenError (403) when the key lacks the route's scope
 * @throws ValidationError (400) for a query parameter the route does not declare
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  /** Checks the query itself, after the key ({@link ChecksQueryParameters}). */
  static readonly checksQueryParameters = true;

  constructor(private readonly authenticator: ApiKeyAuthenticator) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const outcome = await this.authenticator.authenticate(request);
    if ('failure' in outcome) throw new UnauthorizedError(outcome.failure);
    const { principal } = outcome;

    // Reading needs `read`, anything else `write`.
    const required: ApiKeyScope = request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'write';
    if (!principal.scopes.includes(required)) throw new ForbiddenError(`The API key lacks the '${required}' scope`);

    request.principal = principal;
    assertKnownQueryParameters(context);
    return true;
  }
}

/** The authenticated principal of the request (set by {@link ApiKeyGuard}). */
export const Principal = createParamDecorator((_data: unknown, context: ExecutionContext): ApiKeyPrincipal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedError('Not authenticated');
  return principal;
});
