import { Injectable } from '@nestjs/common';
import type { Hex } from 'viem';

import type { SettlementLane } from './settlement-lanes';

/**
 * Hands signed settlement transactions to the lane's node (`eth_sendRawTransaction`). Sending
 * the same signed transaction again is harmless: it has the same hash and nonce, so the
 * node answers "already known" or includes it once.
 */
@Injectable()
export class SettlementBroadcaster {
  /** @throws the viem error when the node refuses the transaction or does not answer */
  async broadcast(lane: SettlementLane, rawTransaction: Hex): Promise<void> {
    await lane.client.sendRawTransaction({ serializedTransaction: rawTransaction });
  }
}
