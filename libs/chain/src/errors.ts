import { type ChainErrorCode, KassaError } from '@kassa/domain';

/**
 * Errors thrown by `@kassa/chain` (codes: {@link ChainErrorCode}). An error caused by a viem
 * call keeps the viem error (a `BaseError` with `shortMessage`, `details`) as `cause`.
 */
export abstract class ChainError extends KassaError<ChainErrorCode> {}

/** Contract artifacts are missing or malformed: the contracts were not compiled. */
export class ContractArtifactsMissingError extends ChainError {
  readonly code = 'contract_artifacts_missing' as const;
}

/** A deployment transaction could not be sent, reverted, or created no contract. */
export class ContractDeploymentError extends ChainError {
  readonly code = 'contract_deployment_failed' as const;
}

/** A transaction was mined with status `reverted`. */
export class TransactionRevertedError extends ChainError {
  readonly code = 'transaction_reverted' as const;
}

/** Invalid input to a deposit address computation (not an address, salt not 32 bytes). */
export class InvalidDepositAddressInputError extends ChainError {
  readonly code = 'invalid_deposit_address_input' as const;
}

/**
 * A chain contradicts its configuration (another chain id, token decimals or symbol, no or
 * other code at the factory or implementation): Kassa refuses to start on it.
 */
export class ChainVerificationError extends ChainError {
  readonly code = 'chain_verification_failed' as const;
}

/** A payment URI input that breaks a rule of EIP-681 or of Kassa amounts. */
export class InvalidPaymentUriInputError extends ChainError {
  readonly code = 'invalid_payment_uri_input' as const;
}
