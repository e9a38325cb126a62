import { Inject, Injectable } from '@nestjs/common';
import { getAddress, isAddress, zeroAddress } from 'viem';

import { type ChainClient, ChainRegistry, createChainClient, isHexAddress } from '@kassa/chain';
import { type Address, ValidationError } from '@kassa/domain';
import { PaymentsRepository } from '@kassa/persistence';

/**
 * Parses a customer's or merchant's address for money going out: 20 bytes of hex; a
 * mixed-case address must carry a valid EIP-55 checksum (https://eips.ethereum.org/EIPS/eip-55),
 * which catches a mistyped character; all-lower or all-upper case carries none and is taken
 * as written. The zero address burns money and is refused.
 * @returns the checksummed address
 * @throws ValidationError naming `field`
 */
export function parseRefundAddress(value: string, field = 'address'): Address {
  if (!isHexAddress(value)) throw ValidationError.field(field, 'must be an EVM address: 0x and 40 hexadecimal digits');
  if (!isAddress(value, { strict: true })) throw ValidationError.field(field, 'has a wrong EIP-55 checksum: a character is mistyped, check the address');
  const address = getAddress(value);
  if (address === getAddress(zeroAddress)) throw ValidationError.field(field, 'is the zero address, where money is lost');
  return address;
}

/**
 * Where a refund may go: never a Kassa deposit address (money sent there can only reach
 * a treasury, never the customer); a contract is allowed only when the sender confirms it
 * (many contracts cannot move a token they receive).
 */
@Injectable()
export class RefundAddressPolicy {
  private readonly clients = new Map<number, ChainClient>();

  constructor(
    @Inject(ChainRegistry) private readonly chains: ChainRegistry,
    private readonly payments: PaymentsRepository,
  ) {}

  /**
   * @throws ValidationError naming `field` when the address is a Kassa deposit address
   */
  async assertAllowed(address: Address, field = 'address'): Promise<void> {
    if (await this.payments.isDepositAddress(address)) {
      throw ValidationError.field(field, 'is a Kassa deposit address: money sent there goes to a merchant\'s treasury, never back to the customer');
    }
  }

  /** True when the address holds code on the chain (a contract or a delegated account). */
  async isContract(chainId: number, address: Address): Promise<boolean> {
    let client = this.clients.get(chainId);
    if (!client) this.clients.set(chainId, (client = createChainClient(this.chains.get(chainId))));
    const code = await client.getCode({ address });
    return code !== undefined && code !== '0x';
  }
}
