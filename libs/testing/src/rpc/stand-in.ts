import type { Hex, PublicClient } from 'viem';

/**
 * Makes a Hardhat node stand in for a real network's contract: puts the code and the first
 * `slots` storage slots of the contract at `from` at `to` as well (`hardhat_setCode`,
 * `hardhat_setStorageAt`), e.g. a test USDC at Circle's USDC address. Enough for the test
 * tokens, whose name, symbol and supply live in the first slots.
 */
export async function placeContractAt(client: PublicClient, from: Hex, to: Hex, slots = 8): Promise<void> {
  const code = await client.getCode({ address: from });
  await nodeRequest(client, 'hardhat_setCode', [to, code]);
  for (let slot = 0; slot < slots; slot++) {
    const key = `0x${slot.toString(16)}` as Hex;
    const value = await client.getStorageAt({ address: from, slot: key });
    await nodeRequest(client, 'hardhat_setStorageAt', [to, key, value]);
  }
}

/**
 * Sends a JSON-RPC request of the node's own (Hardhat's `evm_snapshot`, `evm_revert`,
 * `evm_setNextBlockTimestamp`, `hardhat_setCode`, ...), which viem's public client does not type.
 * @returns the node's answer, as sent
 */
export function nodeRequest<T = unknown>(client: PublicClient, method: string, params: unknown[] = []): Promise<T> {
  return client.request({ method: method as never, params: params as never }) as Promise<T>;
}
