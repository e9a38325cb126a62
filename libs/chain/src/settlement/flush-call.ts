import { encodeFunctionData, getAddress, parseEventLogs, zeroAddress, type Address, type Hex, type Log } from 'viem';

import { depositFactoryAbi, depositForwarderAbi } from '../contracts/abis';

/** One deposit address to flush: its treasury and salt (which give the address) and the tokens to send. */
export interface FlushRequest {
  treasury: Address;
  salt: Hex;
  /** ERC-20 contracts, or null for the native coin. */
  tokens: readonly (Address | null)[];
}

const onChainToken = (token: Address | null): Address => token ?? zeroAddress;

/**
 * Calldata of the DepositFactory call that flushes `requests`: `flush(treasury, salt, tokens)`
 * for one (works with every factory version), `flushMany(requests)` for several.
 *
 * @throws Error for an empty list (nothing to send)
 */
export function encodeFlushCall(requests: readonly FlushRequest[]): Hex {
  if (requests.length === 0) throw new Error('encodeFlushCall needs at least one request');
  if (requests.length === 1) {
    const [only] = requests as [FlushRequest];
    return encodeFunctionData({ abi: depositFactoryAbi, functionName: 'flush', args: [only.treasury, only.salt, only.tokens.map(onChainToken)] });
  }
  return encodeFunctionData({
    abi: depositFactoryAbi,
    functionName: 'flushMany',
    args: [requests.map((request) => ({ treasury: request.treasury, salt: request.salt, tokens: request.tokens.map(onChainToken) }))],
  });
}

/** What one deposit address sent its treasury in a mined flush: base units per token (null: native coin). */
export interface FlushedAmount {
  token: Address | null;
  amount: bigint;
}

/**
 * The `Flushed(token, amount)` events of a receipt, by emitting deposit address (checksummed),
 * in log order: what each address really sent its treasury.
 */
export function flushedAmounts(logs: readonly Log[]): Map<Address, FlushedAmount[]> {
  const byAddress = new Map<Address, FlushedAmount[]>();
  for (const event of parseEventLogs({ abi: depositForwarderAbi, eventName: 'Flushed', logs: logs as Log[] })) {
    const address = getAddress(event.address);
    const list = byAddress.get(address) ?? [];
    list.push({ token: event.args.token === zeroAddress ? null : getAddress(event.args.token), amount: event.args.amount });
    byAddress.set(address, list);
  }
  return byAddress;
}
