import { bytesToHex, concat, hexToBytes, isAddress, isHex, size, type Address, type Hex } from 'viem';
import { InvalidDepositAddressInputError } from './errors';
import { checksumLowercase } from './evm-address';
import { keccak256Bytes, keccak256Hex } from './keccak';

/**
 * Deposit addresses computed off-chain, exactly as `DepositFactory.depositAddress` computes
 * them on-chain (see DESIGN.md "Deposit addresses"): an EIP-1167 clone of the forwarder
 * implementation, deployed by the factory with CREATE2 (EIP-1014) under the effective salt
 * `keccak256(abi.encode(treasury, salt))`.
 */

/** First 20 bytes of the EIP-1167 creation code as OpenZeppelin `Clones` lays it out: a 10-byte
 * constructor that returns the 45-byte runtime code, whose first 10 bytes precede the address. */
const CLONE_INIT_PREFIX = '0x3d602d80600a3d3981f3363d3d373d3d3d363d73' as const;
/** EIP-1167 runtime code up to (excluding) the implementation address. */
const CLONE_RUNTIME_PREFIX = '0x363d3d373d3d3d363d73' as const;
/** EIP-1167 runtime code after the implementation address. */
const CLONE_RUNTIME_SUFFIX = '0x5af43d82803e903d91602b57fd5bf3' as const;

/**
 * Per-payment CREATE2 salt: `keccak256(utf8(paymentId))`. Payment ids are unique, so a deposit
 * address is never reused; the same id always gives the same salt.
 *
 * @param paymentId the payment's id as stored (any non-empty string, UTF-8 encoded).
 * @returns 32-byte salt, 0x-prefixed lowercase hex.
 * @throws InvalidDepositAddressInputError for an empty id.
 */
export function paymentSalt(paymentId: string): Hex {
  if (paymentId.length === 0) throw new InvalidDepositAddressInputError('paymentId must not be empty');
  return keccak256Hex(paymentId);
}

/**
 * EIP-1167 minimal proxy runtime code delegating to `implementation` (45 bytes): what a deployed
 * deposit address's `eth_getCode` returns.
 *
 * @throws InvalidDepositAddressInputError when `implementation` is not an address.
 */
export function cloneRuntimeCode(implementation: Address): Hex {
  return concat([CLONE_RUNTIME_PREFIX, addressBytes('implementation', implementation), CLONE_RUNTIME_SUFFIX]);
}

/**
 * EIP-1167 creation code (55 bytes) that OpenZeppelin `Clones.cloneDeterministic` passes to
 * CREATE2 for `implementation`: `3d602d80600a3d3981f3` (returns the runtime code) followed by
 * {@link cloneRuntimeCode}. Its keccak256 is the `init_code` hash of EIP-1014.
 *
 * @throws InvalidDepositAddressInputError when `implementation` is not an address.
 */
export function cloneInitCode(implementation: Address): Hex {
  return concat([CLONE_INIT_PREFIX, addressBytes('implementation', implementation), CLONE_RUNTIME_SUFFIX]);
}

/**
 * The CREATE2 salt the factory really uses: `keccak256(abi.encode(treasury, salt))`, so that the
 * address commits to its treasury (same payment salt, other treasury: other address).
 *
 * @param treasury merchant treasury address.
 * @param salt 32-byte per-payment salt (see {@link paymentSalt}).
 * @throws InvalidDepositAddressInputError on a malformed address or a salt that is not 32 bytes.
 */
export function effectiveSalt(treasury: Address, salt: Hex): Hex {
  return bytesToHex(effectiveSaltBytes(treasury, salt));
}

/** {@link effectiveSalt} as 32 bytes. `abi.encode(address, bytes32)` is the address left-padded to 32 bytes, then the salt. */
function effectiveSaltBytes(treasury: Address, salt: Hex): Uint8Array {
  if (!isHex(salt, { strict: true }) || size(salt) !== 32) {
    throw new InvalidDepositAddressInputError(`salt must be 32 bytes of hex, got ${String(salt)}`);
  }
  const encoded = new Uint8Array(64);
  encoded.set(hexToBytes(addressBytes('treasury', treasury)), 12);
  encoded.set(hexToBytes(salt), 32);
  return keccak256Bytes(encoded);
}

/** Inputs of {@link depositAddress}; addresses in any case, salt 32 bytes. */
export interface DepositAddressInput {
  /** DepositFactory address on the chain. */
  factory: Address;
  /** DepositForwarder implementation the factory clones (`DepositFactory.implementation()`). */
  implementation: Address;
  /** Merchant treasury the address will forward to. */
  treasury: Address;
  /** Per-payment salt (see {@link paymentSalt}). */
  salt: Hex;
}

/**
 * The deposit address for a payment, computed off-chain; equals
 * `DepositFactory.depositAddress(treasury, salt)` whether or not the clone is deployed.
 * Rule (EIP-1014): `keccak256(0xff ++ factory ++ effectiveSalt ++ keccak256(cloneInitCode))[12:]`.
 *
 * @returns EIP-55 checksummed address.
 * @throws InvalidDepositAddressInputError on malformed addresses or salt.
 */
export function depositAddress({ factory, implementation, treasury, salt }: DepositAddressInput): Address {
  const preimage = new Uint8Array(85);
  preimage[0] = 0xff;
  preimage.set(hexToBytes(addressBytes('factory', factory)), 1);
  preimage.set(effectiveSaltBytes(treasury, salt), 21);
  preimage.set(initCodeHash(implementation), 53);
  return checksumLowercase(bytesToHex(keccak256Bytes(preimage).subarray(12)));
}

// keccak256(cloneInitCode(implementation)) by lowercase implementation address. A chain has one
// implementation, so this holds a handful; it is emptied if odd callers ever fill it.
const INIT_CODE_HASHES = new Map<string, Uint8Array>();
const MAX_INIT_CODE_HASHES = 64;

/** The EIP-1014 `init_code` hash of the clone of `implementation`, computed once per implementation. */
function initCodeHash(implementation: Address): Uint8Array {
  const key = addressBytes('implementation', implementation);
  let hash = INIT_CODE_HASHES.get(key);
  if (hash === undefined) {
    if (INIT_CODE_HASHES.size >= MAX_INIT_CODE_HASHES) INIT_CODE_HASHES.clear();
    hash = keccak256Bytes(hexToBytes(cloneInitCode(key)));
    INIT_CODE_HASHES.set(key, hash);
  }
  return hash;
}

/** Validates an address (any letter case) and returns it lowercase, as raw 20 bytes of hex. */
function addressBytes(field: string, value: Address): Address {
  if (!isAddress(value, { strict: false })) {
    throw new InvalidDepositAddressInputError(`${field} must be a 20-byte address, got ${String(value)}`);
  }
  return value.toLowerCase() as Address;
}
