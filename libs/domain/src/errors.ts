/**
 * Errors Kassa throws on purpose. Each carries a stable machine-readable `code` from ONE
 * union ({@link ErrorCode}); the API maps every code to an RFC 9457 problem response (see
 * the problem filter's exhaustive switch), so adding a code without mapping it fails to
 * compile. The base is shaped like viem's `BaseError`: a short message, optional details,
 * and the error that caused it as `cause`.
 */

/** Codes of the errors a merchant's request can cause: each maps to a 4xx problem. */
export type DomainErrorCode =
  | 'validation_failed'
  | 'not_found'
  | 'unauthorized'
  | 'forbidden'
  | 'conflict'
  | 'idempotency_key_reused'
  | 'invalid_state_transition'
  | 'quote_unavailable'
  | 'refund_not_allowed'
  | 'refund_exceeds_received'
  | 'payout_limit_exceeded'
  | 'payout_wallet_missing'
  | 'contract_address'
  | 'payment_link_unavailable';

/** Codes of `@kassa/chain`'s errors (contracts, deposit addresses, payment URIs). */
export type ChainErrorCode =
  | 'contract_artifacts_missing'
  | 'contract_deployment_failed'
  | 'transaction_reverted'
  | 'invalid_deposit_address_input'
  | 'invalid_payment_uri_input'
  | 'chain_verification_failed';

/** Codes of the block follower's chain reads (`@kassa/chain` follower). */
export type BlockFollowerErrorCode =
  | 'rpc_read_failed'
  | 'block_not_available'
  | 'chain_changed_during_scan'
  | 'reorg_too_deep'
  | 'chain_identity_mismatch'
  | 'node_behind';

/** Codes of the watcher's fenced writes (another writer moved the cursor; another watcher took the lead). */
export type WatcherErrorCode = 'cursor_moved' | 'leadership_lost';

/** Codes of the webhook sender's refusals (a host that resolves to a private address). */
export type WebhookErrorCode = 'webhook_private_address';

/**
 * Codes of what an operator meets running Kassa, never a merchant's request: an invalid
 * configuration, an embedded database that cannot be set up, a CLI command that cannot go on.
 */
export type OperatorErrorCode = 'config_invalid' | 'embedded_postgres_setup_failed' | 'cli_failed';

/** Every code of every error Kassa throws on purpose. */
export type ErrorCode = DomainErrorCode | ChainErrorCode | BlockFollowerErrorCode | WatcherErrorCode | WebhookErrorCode | OperatorErrorCode;

/** One field at fault in a request, named by its JSON path (`amount`, `price.currency`). */
export interface FieldError {
  field: string;
  message: string;
}

/**
 * Base class of every error Kassa throws on purpose: a `code` from {@link ErrorCode}, the
 * `shortMessage` (the message without details), optional `details`, and `cause`.
 */
export abstract class KassaError<C extends ErrorCode = ErrorCode> extends Error {
  abstract readonly code: C;
  /** The message without the details. */
  readonly shortMessage: string;
  /** More about the failure (what was asked, what answered), when known. */
  readonly details: string | undefined;

  constructor(shortMessage: string, options: { cause?: unknown; details?: string } = {}) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, { cause: options.cause });
    this.name = new.target.name;
    this.shortMessage = shortMessage;
    this.details = options.details;
  }
}

/** Base class of the errors a merchant's request can cause (4xx problems). */
export abstract class DomainError extends KassaError<DomainErrorCode> {}

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

/** A refund asked of a payment that cannot refund: still open, or it received nothing (DESIGN.md "Money going out"). */
export class RefundNotAllowedError extends DomainError {
  readonly code = 'refund_not_allowed' as const;

  constructor(readonly paymentId: string, why: string) {
    super(`Payment ${paymentId} cannot be refunded: ${why}`);
  }
}

/**
 * A refund larger than what is left of the payment's received value ("never more than
 * received"): `remaining` says what is left, a decimal string in `currency`.
 */
export class RefundExceedsReceivedError extends DomainError {
  readonly code = 'refund_exceeds_received' as const;

  constructor(readonly paymentId: string, readonly asked: string, readonly remaining: string, readonly currency: string) {
    super(`A refund of ${asked} ${currency} is more than payment ${paymentId} has left to refund: ${remaining} ${currency}`);
  }
}

/** A payout or refund over the payout wallet's limits per transfer or per day (`KASSA_PAYOUT_LIMITS`). */
export class PayoutLimitExceededError extends DomainError {
  readonly code = 'payout_limit_exceeded' as const;
}

/** A payout, or a refund from the payout wallet, on a chain where no payout wallet is configured (`KASSA_PAYOUT_PRIVATE_KEY`). */
export class PayoutWalletMissingError extends DomainError {
  readonly code = 'payout_wallet_missing' as const;

  constructor(readonly chainId: number) {
    super(`No payout wallet is configured for chain ${chainId} (KASSA_PAYOUT_PRIVATE_KEY); pay it from the merchant's wallet (method merchant_wallet) instead`);
  }
}

/** A refund address that holds code, not yet confirmed by whoever gave it (the claim page asks). */
export class ContractAddressError extends DomainError {
  readonly code = 'contract_address' as const;

  constructor(readonly address: string) {
    super(`${address} is a contract, not a wallet: many contracts cannot move a token sent to them. Confirm only if you are sure it can.`);
  }
}

/**
 * A payment link that creates no more payments: deactivated, expired, or single-use and
 * already paid (docs/payment-links.md).
 */
export class PaymentLinkUnavailableError extends DomainError {
  readonly code = 'payment_link_unavailable' as const;

  constructor(readonly linkId: string, readonly status: 'inactive' | 'expired' | 'completed') {
    super(`Payment link ${linkId} is ${status === 'completed' ? 'already paid' : status}`);
  }
}
