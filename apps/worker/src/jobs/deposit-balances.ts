import { Injectable } from '@nestjs/common';
import { erc20Abi } from 'viem';

import { type ChainClient, ChainRegistry, createChainClient } from '@kassa/chain';
import type { Payment } from '@kassa/domain';

/**
 * Reads chain state the scheduler needs: the node's head, and deposit addresses'
 * on-chain balances in the payment's token, batched: the calls
 * of one chain go out together as JSON-RPC batches (DESIGN.md: "Before any TIMEOUT, the
 * scheduler reads the deposit address's on-chain balance once (batched)").
 */
@Injectable()
export class DepositBalances {
  private readonly clients = new Map<number, ChainClient>();

  constructor(private readonly chains: ChainRegistry) {}

  /**
   * @param atBlock block number to read each payment's balance at, by payment id (the
   *   deadline block); a payment without one is read at the latest block
   * @returns balance in base units per payment id; a payment whose chain does not answer
   *   is missing from the map (the caller must not time it out on a guess)
   */
  async read(payments: readonly Payment[], atBlock: ReadonlyMap<string, bigint> = new Map()): Promise<Map<string, bigint>> {
    const balances = new Map<string, bigint>();
    await Promise.all(
      payments.map(async (payment) => {
        const client = this.client(payment.chainId);
        if (!client) return;
        const blockNumber = atBlock.get(payment.id);
        try {
          const balance = payment.token.address
            ? await client.readContract({
                address: payment.token.address,
                abi: erc20Abi,
                functionName: 'balanceOf',
                args: [payment.depositAddress],
                ...(blockNumber === undefined ? {} : { blockNumber }),
              })
            : await client.getBalance({ address: payment.depositAddress, ...(blockNumber === undefined ? {} : { blockNumber }) });
          balances.set(payment.id, balance);
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
