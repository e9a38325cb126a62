import type { ErrorCode, FieldError } from '@kassa/domain';
import { redactText } from '@kassa/observability';

/**
 * An RFC 9457 problem details object, served as `application/problem+json`.
 * `errors` lists the fields at fault for validation problems.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  code: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * `problem` with every credential-shaped value in its texts (`kassa_sk_...`, `whsec_...`,
 * bearer credentials, URL user info, query strings and key-like path segments; see
 * `redactText`) replaced by `[redacted]`: a problem names what was wrong without echoing a
 * key that a client typed into a path, a query parameter or a field.
 */
export function withoutCredentials(problem: Problem): Problem {
  return {
    ...problem,
    ...(problem.detail === undefined ? {} : { detail: redactText(problem.detail) }),
    ...(problem.instance === undefined ? {} : { instance: redactText(problem.instance) }),
    ...(problem.errors === undefined ? {} : { errors: problem.errors.map((error) => ({ field: redactText(error.field), message: redactText(error.message) })) }),
  };
}

/** Problem type URIs: one stable URN per error code (RFC 9457 section 3.1.1). */
export const problemType = (code: string): string => `urn:kassa:problem:${code.replace(/_/g, '-')}`;

/**
 * HTTP status and title of each error code ({@link ErrorCode}: one union for every error
 * Kassa throws on purpose). The switch is exhaustive: a new code that is not mapped here
 * does not compile. Codes a merchant's request cannot cause (the chain's, the follower's,
 * the watcher's) are Kassa's own failures: 500, their message never sent.
 */
export function statusOfCode(code: ErrorCode): { status: number; title: string } {
  switch (code) {
    case 'validation_failed':
      return { status: 400, title: 'Invalid request' };
    case 'unauthorized':
      return { status: 401, title: 'Unauthorized' };
    case 'forbidden':
      return { status: 403, title: 'Forbidden' };
    case 'not_found':
      return { status: 404, title: 'Not found' };
    case 'conflict':
      return { status: 409, title: 'Conflict' };
    case 'idempotency_key_reused':
      return { status: 409, title: 'Idempotency key reused' };
    case 'invalid_state_transition':
      return { status: 409, title: 'Invalid state transition' };
    case 'quote_unavailable':
      return { status: 422, title: 'No payment option available' };
    case 'refund_not_allowed':
      return { status: 409, title: 'Refund not allowed' };
    case 'refund_exceeds_received':
      return { status: 409, title: 'Refund exceeds what was received' };
    case 'payout_limit_exceeded':
      return { status: 422, title: 'Payout limit exceeded' };
    case 'payout_wallet_missing':
      return { status: 422, title: 'No payout wallet' };
    case 'contract_address':
      return { status: 409, title: 'The address is a contract' };
    case 'payment_link_unavailable':
      return { status: 410, title: 'Payment link unavailable' };
    case 'contract_artifacts_missing':
    case 'contract_deployment_failed':
    case 'transaction_reverted':
    case 'invalid_deposit_address_input':
    case 'invalid_payment_uri_input':
    case 'chain_verification_failed':
    case 'rpc_read_failed':
    case 'block_not_available':
    case 'chain_changed_during_scan':
    case 'reorg_too_deep':
    case 'chain_identity_mismatch':
    case 'node_behind':
    case 'cursor_moved':
    case 'leadership_lost':
    case 'webhook_private_address':
    case 'config_invalid':
    case 'embedded_postgres_setup_failed':
    case 'cli_failed':
      return { status: 500, title: 'Internal server error' };
  }
}
