import { Inject, Injectable } from '@nestjs/common';
import { getAddress, type Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { ChainRegistry, createChainClient } from '@kassa/chain';
import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';

import type { SettlementLane } from '../settlement/settlement-lanes';

/**
 * The payout lanes: the payout wallet (`KASSA_PAYOUT_PRIVATE_KEY`) on every configured chain.
 * A lane sends one transaction at a time, like a settlement lane (its `gasPayer` is the
 * payout wallet, which pays its own gas), and is locked the same way. The configuration
 * refuses a payout key that is also a gas payer's, so the two never share a nonce sequence.
 */
@Injectable()
export class PayoutLanes {
  readonly all: readonly SettlementLane[];

  constructor(@Inject(KASSA_CONFIG) config: KassaConfig, @Inject(ChainRegistry) registry: ChainRegistry) {
    const key = config.payouts.walletKey;
    if (!key) {
      this.all = [];
      return;
    }
    const account = privateKeyToAccount(key.reveal() as Hex);
    this.all = registry.chains.map((chain) => ({ chain, client: createChainClient(chain), account, gasPayer: getAddress(account.address) }));
  }

  /** The lane of a chain, if the payout wallet pays there. */
  of(chainId: number): SettlementLane | undefined {
    return this.all.find((lane) => lane.chain.chainId === chainId);
  }
}
