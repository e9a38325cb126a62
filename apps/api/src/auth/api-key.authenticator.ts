import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { hashApiKey, looksLikeApiKey } from '@kassa/domain';
import { type ApiKeyPrincipal, ApiKeysRepository, LAST_USED_PRECISION_SECONDS } from '@kassa/persistence';

import { PrincipalCache } from './principal-cache';

/** Why a request carries no usable API key; the message is safe to show (it never echoes the key). */
export type AuthenticationFailure =
  | 'Send the API key as "Authorization: Bearer <key>"'
  | 'The API key is malformed'
  | 'The API key is unknown or revoked';

/** The outcome of looking at a request's credentials. */
export type Authentication = { principal: ApiKeyPrincipal } | { failure: AuthenticationFailure };

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Resolves the API key of a request (`Authorization: Bearer kassa_sk_...`, DESIGN.md
 * "Merchant API") to its principal, at most once per request: the rate limiter (which
 * counts per key) and the guard (which enforces scopes) share the one lookup. Keys are
 * looked up by SHA-256 hash, from the {@link PrincipalCache} while it hears every change
 * (so a revoked key still fails on its next request), else from the database. The key
 * itself is never stored, logged or echoed.
 */
@Injectable()
export class ApiKeyAuthenticator {
  private readonly resolved = new WeakMap<FastifyRequest, Promise<Authentication>>();
  /** When this process last recorded each key's use (ms), so `last_used_at` is written about once a minute per key. */
  private readonly lastTouched = new Map<string, number>();

  constructor(
    private readonly apiKeys: ApiKeysRepository,
    private readonly principals: PrincipalCache,
  ) {}

  /** Looks at the request's credentials (once per request; later calls share the result). */
  authenticate(request: FastifyRequest): Promise<Authentication> {
    let outcome = this.resolved.get(request);
    if (!outcome) {
      outcome = this.lookUp(request.headers.authorization);
      this.resolved.set(request, outcome);
    }
    return outcome;
  }

  private async lookUp(header: string | undefined): Promise<Authentication> {
    const match = typeof header === 'string' ? BEARER.exec(header) : null;
    if (!match) return { failure: 'Send the API key as "Authorization: Bearer <key>"' };
    const key = match[1]!;
    if (!looksLikeApiKey(key)) return { failure: 'The API key is malformed' };
    const keyHash = hashApiKey(key);
    let principal = this.principals.get(keyHash);
    if (!principal) {
      const version = this.principals.version();
      principal = await this.apiKeys.findActiveByHash(keyHash);
      if (!principal) return { failure: 'The API key is unknown or revoked' };
      this.principals.remember(keyHash, principal, version);
    }
    this.touch(principal.apiKeyId);
    return { principal };
  }

  private touch(apiKeyId: string): void {
    const now = Date.now();
    if (now - (this.lastTouched.get(apiKeyId) ?? 0) < LAST_USED_PRECISION_SECONDS * 1000) return;
    this.lastTouched.set(apiKeyId, now);
    void this.apiKeys.touchLastUsed(apiKeyId, new Date(now)).catch(() => this.lastTouched.delete(apiKeyId));
  }
}
