import type { Hex, PublicClient } from 'viem';

/**
 * Makes a Hardhat node stand in for a real network's contract: puts the code and the first
 * `slots` storage slots of the contract at `from` at `to` as well (`hardhat_setCode`,
 * `hardhat_setStorageAt`), e.g. a test USDC at Circle's USDC address. Enough for the test
 * tokens, whose name, symbol and supply live in the first slots.
 */
export async function placeContractAt(client: PublicClient, from: Hex, to: Hex, slots = 8): Promise<void> {
  const code = await client.getCode({ address: from });
  await client.request({ method: 'hardhat_setCode' as never, params: [to, code] as never });
  for (let slot = 0; slot < slots; slot++) {
    const key = `0x${slot.toString(16)}` as Hex;
    const value = await client.getStorageAt({ address: from, slot: key });
    await client.request({ method: 'hardhat_setStorageAt' as never, params: [to, key, value] as never });
  }
}
