import { getAddress } from 'viem';

import type { Address } from '@kassa/domain';

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/**
 * True for an address a merchant may use as a treasury: 20 bytes of hex behind `0x`, not the
 * zero address, and, when it mixes upper and lower case, with a valid EIP-55 checksum
 * (all-lowercase and all-uppercase forms carry no checksum, per EIP-55).
 */
export function isEvmAddress(value: unknown): value is Address {
  if (typeof value !== 'string' || !HEX_ADDRESS.test(value)) return false;
  const hex = value.slice(2);
  if (/^0+$/.test(hex)) return false;
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return true;
  return getAddress(value) === value;
}

/** The EIP-55 checksummed form of an address accepted by {@link isEvmAddress}. */
export function checksummed(address: Address): Address {
  return getAddress(address);
}
