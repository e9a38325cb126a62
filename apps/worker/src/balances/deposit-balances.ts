import { Injectable } from '@nestjs/common';
import { type Address, ContractFunctionExecutionError, ContractFunctionZeroDataError, erc20Abi } from 'viem';

import { type ChainClient, ChainRegistry, createChainClient } from '@kassa/chain';
import type { Address as DomainAddress, TokenRef } from '@kassa/domain';

/** A coin at a deposit address on a chain, to read the balance of (`key` names it in the answer). */
export interface DepositHolding {
  key: string;
  chainId: number;
  token: Pick<TokenRef, 'address'>;
  depositAddress: DomainAddress;
}

/**
 * Reads chain state the scheduler needs: the node's head, and deposit addresses'
 * on-chain balances in a coin, batched: the calls
 * of one chain go out together as JSON-RPC batches (DESIGN.md: "Before any TIMEOUT, the
 * scheduler reads the deposit address's on-chain balance once (batched)").
 */
@Injectable()
export class DepositBalances {
  private readonly clients = new Map<number, ChainClient>();

  constructor(private readonly chains: ChainRegistry) {}

  /**
   * @param holdings the deposit addresses and coins to read, each under its own `key`
   * @param atBlock block number to read each holding at, by key (the deadline block); a
   *   holding without one is read at the latest block
   * @returns balance in base units per key; a holding whose chain does not answer is
   *   missing from the map (the caller must not time a payment out on a guess)
   */
  async read(holdings: readonly DepositHolding[], atBlock: ReadonlyMap<string, bigint> = new Map()): Promise<Map<string, bigint>> {
    const balances = new Map<string, bigint>();
    await Promise.all(
      holdings.map(async (holding) => {
        const client = this.client(holding.chainId);
        if (!client) return;
        const blockNumber = atBlock.get(holding.key);
        const at = blockNumber === undefined ? {} : { blockNumber };
        try {
          const balance = holding.token.address
            ? await tokenBalance(client, holding.token.address, holding.depositAddress, at)
            : await client.getBalance({ address: holding.depositAddress, ...at });
          balances.set(holding.key, balance);
        } catch {
          // Unreadable now: the payment is looked at again on the next run.
        }
      }),
    );
    return balances;
  }

  /** The node's head block number, or null when the chain does not answer. */
  async headBlockNumber(chainId: number): Promise<bigint | null> {
    const client = this.client(chainId);
    return client ? client.getBlockNumber().catch(() => null) : null;
  }

  private client(chainId: number): ChainClient | undefined {
    const chain = this.chains.find(chainId);
    if (!chain) return undefined;
    let client = this.clients.get(chainId);
    if (!client) {
      client = createChainClient(chain, { retryCount: 1 });
      this.clients.set(chainId, client);
    }
    return client;
  }
}

/**
 * An ERC-20 balance (`balanceOf`, EIP-20) at a block. A token contract that had no code yet
 * at that block (deployed later: a deadline block older than the token) held nothing there,
 * so its balance is 0 rather than an unreadable call.
 * @throws the RPC error when the call fails for any other reason
 */
async function tokenBalance(client: ChainClient, token: Address, holder: Address, at: { blockNumber?: bigint }): Promise<bigint> {
  try {
    return await client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [holder], ...at });
  } catch (error) {
    if (!(error instanceof ContractFunctionExecutionError) || !(error.cause instanceof ContractFunctionZeroDataError)) throw error;
    const code = await client.getCode({ address: token, ...at });
    if (code === undefined || code === '0x') return 0n;
    throw error;
  }
}
