import type { PipeTransform } from '@nestjs/common';

import { type IdKind, isId, NotFoundError } from '@kassa/domain';

/**
 * Validates a path id (`pay_`, `evt_`, `we_`, `key_` + ULID). A malformed id answers 404
 * like a well-formed unknown one: ids are opaque to merchants, and either way no such
 * object exists (documented in docs/api.md). The id never reaches the database.
 */
export class IdPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly kind: IdKind,
    private readonly resource: string,
  ) {}

  transform(value: unknown): string {
    if (typeof value !== 'string' || !isId(this.kind, value)) throw new NotFoundError(this.resource, String(value).slice(0, 40));
    return value;
  }
}
