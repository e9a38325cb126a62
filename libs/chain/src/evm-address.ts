import { getAddress } from 'viem';

import type { Address } from '@kassa/domain';

import { keccak256Bytes } from './keccak';

const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** True for the shape of an EVM address, `0x` and 40 hex digits in any letter case; no checksum or zero-address check (see {@link isEvmAddress}). */
export function isHexAddress(value: string): value is Address {
  return HEX_ADDRESS.test(value);
}

/**
 * True for an address a merchant may use as a treasury: 20 bytes of hex behind `0x`, not the
 * zero address, and, when it mixes upper and lower case, with a valid EIP-55 checksum
 * (all-lowercase and all-uppercase forms carry no checksum, per EIP-55).
 */
export function isEvmAddress(value: unknown): value is Address {
  if (typeof value !== 'string' || !isHexAddress(value)) return false;
  const hex = value.slice(2);
  if (/^0+$/.test(hex)) return false;
  if (hex === hex.toLowerCase() || hex === hex.toUpperCase()) return true;
  return getAddress(value) === value;
}

/** The EIP-55 checksummed form of an address accepted by {@link isEvmAddress}. */
export function checksummed(address: Address): Address {
  return getAddress(address);
}

/**
 * The EIP-55 checksummed form of a 0x-prefixed, lowercase, 20-byte hex address
 * (https://eips.ethereum.org/EIPS/eip-55: a letter is upper case where the matching nibble
 * of keccak256 of the lowercase hex is 8 or more). The same result as viem's `getAddress`,
 * without its shared cache: on a busy chain the addresses checksummed (senders, a recipient
 * whose payment the recorder does not hold) are a different one each time, where a cache
 * only costs.
 * @param lowercase `0x` and 40 lowercase hex digits (not checked: callers pass log topics)
 */
export function checksumLowercase(lowercase: string): Address {
  const hex = lowercase.slice(2);
  const hash = keccak256Bytes(hex);
  let out = '0x';
  for (let i = 0; i < 40; i++) {
    const nibble = i % 2 === 0 ? hash[i >> 1]! >> 4 : hash[i >> 1]! & 0x0f;
    out += nibble >= 8 ? hex[i]!.toUpperCase() : hex[i]!;
  }
  return out as Address;
}

/**
 * A memo of checksummed addresses for the few that recur (token contracts, a busy sender),
 * forgotten whole when it holds `capacity` of them, so it never grows with the chain.
 */
export class ChecksumMemo {
  private readonly known = new Map<string, Address>();

  constructor(private readonly capacity = 1024) {}

  /** The checksummed form of a lowercase address (see {@link checksumLowercase}). */
  of(lowercase: string): Address {
    let address = this.known.get(lowercase);
    if (address === undefined) {
      if (this.known.size >= this.capacity) this.known.clear();
      address = checksumLowercase(lowercase);
      this.known.set(lowercase, address);
    }
    return address;
  }
}
