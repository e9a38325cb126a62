import { getAddress, isAddress, type Address } from 'viem';
import { InvalidPaymentUriInputError } from './errors';

/**
 * EIP-681 payment request URIs ("ethereum:" links and QR codes) for a deposit address.
 *
 * Grammar (https://eips.ethereum.org/EIPS/eip-681):
 *   request = "ethereum" ":" [ "pay-" ] target_address [ "@" chain_id ] [ "/" function_name ] [ "?" parameters ]
 * - Native coin: the target is the deposit address and `value` is the amount in wei
 *   (the chain's base unit): `ethereum:<deposit>@<chainId>?value=<baseUnits>`.
 * - ERC-20: the target is the token contract, the function is `transfer`, and the arguments are
 *   named by their ABI type: `ethereum:<token>@<chainId>/transfer?address=<deposit>&uint256=<baseUnits>`.
 * Amounts are written as plain decimal integers: EIP-681 allows exponent notation, but wallets
 * parse it into floating point and can round large base-unit amounts.
 */

/** What to pay, where, on which chain. */
export interface PaymentUriInput {
  /** EIP-155 chain id (positive integer). */
  chainId: number;
  /** The payment's deposit address (any letter case). */
  depositAddress: Address;
  /** Amount in base units of the asset (wei, or the token's smallest unit), bigint > 0. */
  amount: bigint;
  /** ERC-20 token contract; omitted or null for the chain's native coin. */
  token?: Address | null;
}

/**
 * Builds the EIP-681 URI a wallet opens to pay `amount` to `depositAddress`.
 *
 * @returns e.g. `ethereum:0xAbC…@1?value=1000000000000000000` (native) or
 *   `ethereum:0xA0b8…@1/transfer?address=0xAbC…&uint256=2500000` (ERC-20); addresses are EIP-55
 *   checksummed, amounts plain decimal integers.
 * @param options `checksummed`: the addresses are EIP-55 checksummed already (as Kassa stores
 *   them) and are used as given once their shape is checked, instead of being hashed again
 *   (the watcher builds thousands of payment objects per step)
 * @throws InvalidPaymentUriInputError for a non-positive or non-integer chain id, an amount ≤ 0,
 *   or a malformed address.
 */
export function paymentUri({ chainId, depositAddress, amount, token }: PaymentUriInput, options: { checksummed?: boolean } = {}): string {
  if (!Number.isSafeInteger(chainId) || chainId <= 0) {
    throw new InvalidPaymentUriInputError(`chainId must be a positive integer, got ${chainId}`);
  }
  if (typeof amount !== 'bigint' || amount <= 0n) {
    throw new InvalidPaymentUriInputError(`amount must be a positive bigint in base units, got ${String(amount)}`);
  }
  const address = options.checksummed ? shaped : checksummed;
  const deposit = address('depositAddress', depositAddress);
  if (token === undefined || token === null) {
    return `ethereum:${deposit}@${chainId}?value=${amount.toString(10)}`;
  }
  const tokenAddress = address('token', token);
  return `ethereum:${tokenAddress}@${chainId}/transfer?address=${deposit}&uint256=${amount.toString(10)}`;
}

function shaped(field: string, value: string): Address {
  if (!isAddress(value, { strict: false })) throw new InvalidPaymentUriInputError(`${field} must be a 20-byte address, got ${value}`);
  return value as Address;
}

function checksummed(field: string, value: string): Address {
  return getAddress(shaped(field, value));
}
