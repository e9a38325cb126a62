/**
 * Domain errors: each has a stable machine-readable `code` and a human message.
 * The API maps every code to an RFC 9457 problem response (see the problem filter);
 * adding a code without mapping it fails the exhaustive switch at compile time.
 */
export type DomainErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'idempotency_key_reused'
  | 'invalid_state_transition'
  | 'quote_unavailable';

/** One field at fault in a request, named by its JSON path (`amount`, `price.currency`). */
export interface FieldError {
  field: string;
  message: string;
}

/** Base class of all errors the domain throws on purpose. */
export abstract class DomainError extends Error {
  abstract readonly code: DomainErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Input that breaks a rule; `errors` names every field at fault. */
export class ValidationError extends DomainError {
  readonly code = 'validation_failed' as const;

  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
  }

  /** A validation error about one field. */
  static field(field: string, message: string): ValidationError {
    return new ValidationError([{ field, message }]);
  }
}

/** The object does not exist, or belongs to another merchant (never say which). */
export class NotFoundError extends DomainError {
  readonly code = 'not_found' as const;

  constructor(readonly resource: string, readonly id: string) {
    super(`No ${resource} with id '${id}'`);
  }
}

/** Missing, malformed, unknown or revoked credentials. */
export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized' as const;
}

/** Valid credentials without the scope the operation needs. */
export class ForbiddenError extends DomainError {
  readonly code = 'forbidden' as const;
}

/** The request conflicts with the current state of the resource. */
export class ConflictError extends DomainError {
  readonly code = 'conflict' as const;
}

/** An `Idempotency-Key` was reused with a different request body (Stripe-style idempotency). */
export class IdempotencyKeyReusedError extends DomainError {
  readonly code = 'idempotency_key_reused' as const;

  constructor(readonly key: string) {
    super(`Idempotency-Key '${key}' was already used with a different request`);
  }
}

/** A lifecycle transition that the payment state machine forbids (e.g. cancel a PAID payment). */
export class InvalidStateTransitionError extends DomainError {
  readonly code = 'invalid_state_transition' as const;

  constructor(readonly from: string, readonly to: string) {
    super(`A payment in status ${from} cannot become ${to}`);
  }
}

/**
 * A priced payment none of whose accepted coins can be quoted now (DESIGN.md "Price and the
 * customer's choice of coin": a stale or missing rate makes an option unavailable, never a
 * wrong price); `errors` says why for each coin.
 */
export class QuoteUnavailableError extends DomainError {
  readonly code = 'quote_unavailable' as const;

  constructor(readonly errors: FieldError[]) {
    super(`No accepted coin can be quoted now: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  }
}
