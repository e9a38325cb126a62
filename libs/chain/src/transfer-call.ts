import { encodeFunctionData, erc20Abi, type Address, type Hex } from 'viem';

/**
 * The transaction that moves `amount` base units of a coin to `to`: an ERC-20
 * `transfer(address,uint256)` call on the token (https://eips.ethereum.org/EIPS/eip-20), or a
 * plain native-coin transfer (`token` null). What the payout wallet signs, and what a refund's
 * approval page asks the merchant's wallet to send.
 */
export function transferCall({ token, to, amount }: { token: Address | null; to: Address; amount: bigint }): { to: Address; data: Hex; value: bigint } {
  if (token) return { to: token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, amount] }), value: 0n };
  return { to, data: '0x', value: amount };
}
