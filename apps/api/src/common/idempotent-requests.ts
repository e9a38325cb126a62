import { createHash } from 'node:crypto';

import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

import type { FastifyReply } from 'fastify';

import { IdempotencyKeyReusedError, type MerchantId, ValidationError } from '@kassa/domain';
import { IdempotencyKeysRepository } from '@kassa/persistence';

/** The answer to a create request, as first given (replayed for the same idempotency key). */
export interface CreatedResult<T> {
  status: 201;
  body: T;
  replayed: boolean;
}

/** SHA-256 of the route and the request body in a canonical form (keys sorted), to recognise a repeated request. */
export function requestHash(route: string, body: unknown): string {
  const canonical = (value: unknown): unknown =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]))
      : Array.isArray(value) ? value.map(canonical) : value;
  return createHash('sha256').update(route).update('\n').update(JSON.stringify(canonical(body) ?? null)).digest('hex');
}

class LostIdempotencyRace extends Error {}

/** What an `Idempotency-Key` may be: 1 to 255 printable ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * The `Idempotency-Key` header of a create request, checked.
 * @throws ValidationError naming `Idempotency-Key` for a malformed key
 */
export function idempotencyKeyOf(value: string | undefined): string | undefined {
  if (value !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(value)) throw ValidationError.field('Idempotency-Key', 'must be 1 to 255 printable ASCII characters');
  return value;
}

/** Answers a create with its status, marking a replayed answer with `Idempotent-Replayed: true`; returns the body. */
export function answerCreated<T>(reply: FastifyReply, result: CreatedResult<T>): T {
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  void reply.status(result.status);
  return result.body;
}

/**
 * Runs create requests at most once per merchant and `Idempotency-Key` (Stripe-style
 * idempotency, https://docs.stripe.com/api/idempotent_requests): the resource and the
 * remembered answer commit in one transaction; the same key with the same route and body
 * replays the first answer, with another route or body it is a conflict. Two concurrent
 * requests with one key: one creates, the other answers with its result.
 */
@Injectable()
export class IdempotentRequests {
  constructor(
    private readonly dataSource: DataSource,
    private readonly keys: IdempotencyKeysRepository,
  ) {}

  /**
   * Creates with `create` in a transaction (remembering the answer under `key` when given).
   * @param request the route (e.g. `POST /v1/payouts`) and the body the key is bound to
   * @throws IdempotencyKeyReusedError (409) for the same key with another route or body
   * @throws whatever `create` throws (nothing is stored then)
   */
  async run<T>(
    merchantId: MerchantId,
    key: string | undefined,
    request: { route: string; body: unknown },
    create: (manager: EntityManager) => Promise<{ body: T; resourceId: string }>,
  ): Promise<CreatedResult<T>> {
    const hash = requestHash(request.route, request.body);
    if (key) {
      const replay = await this.replay<T>(merchantId, key, hash);
      if (replay) return replay;
    }
    try {
      const body = await this.dataSource.transaction(async (manager) => {
        const created = await create(manager);
        if (key) {
          const saved = await this.keys.save({ merchantId, key, requestHash: hash, responseStatus: 201, responseBody: created.body, resourceId: created.resourceId }, manager);
          // A concurrent request with the same key won: undo ours and answer with theirs.
          if (!saved) throw new LostIdempotencyRace();
        }
        return created.body;
      });
      return { status: 201, body, replayed: false };
    } catch (error) {
      if (error instanceof LostIdempotencyRace && key) {
        const replay = await this.replay<T>(merchantId, key, hash);
        if (replay) return replay;
      }
      throw error;
    }
  }

  private async replay<T>(merchantId: MerchantId, key: string, hash: string): Promise<CreatedResult<T> | null> {
    const record = await this.keys.find(merchantId, key);
    if (!record) return null;
    if (record.requestHash !== hash) throw new IdempotencyKeyReusedError(key);
    return { status: 201, body: record.responseBody as T, replayed: true };
  }
}
