import { erc20Abi, type Address, type Hex } from 'viem';

import type { PaymentObject, SettlementObject } from '@kassa/domain';

import { eventually } from '../waiting';
import { type TestKassa } from './kassa-harness';

/** Helpers of the settlement suites: reading balances and waiting for a payment's settlement. */
export interface SettlementWorld {
  /** `GET /v1/payments/:id` with `apiKey` (default: the harness merchant's). */
  payment(id: string, apiKey?: string): Promise<PaymentObject>;
  /** Waits for `status`, mining a block whenever the settlement waits for confirmations. */
  settled(id: string, options?: { apiKey?: string; status?: 'settled' | 'pending' | 'failed' }): Promise<PaymentObject>;
  waitForStatus(id: string, status: string, apiKey?: string): Promise<PaymentObject>;
  /** `GET /v1/settlements?paymentId=` */
  settlementsOf(paymentId: string, apiKey?: string): Promise<SettlementObject[]>;
  /** Balance in base units of `token` (null: native coin). */
  balance(token: Address | null, owner: Address): Promise<bigint>;
  /** Creates a payment and pays it in full from a customer account; resolves once PAID. */
  paid(body: Record<string, unknown>, apiKey?: string): Promise<PaymentObject>;
  tokenOf(symbol: 'USDC' | 'DAI' | 'USDT'): Address;
}

export function settlementWorld(kassa: () => TestKassa): SettlementWorld {
  const auth = (apiKey?: string): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});
  const payment = (id: string, apiKey?: string) => kassa().payment(id, apiKey);
  const waitForStatus = (id: string, status: PaymentObject['status'], apiKey?: string) => kassa().waitForStatus(id, status, apiKey);
  const tokenOf = (symbol: 'USDC' | 'DAI' | 'USDT'): Address => kassa().chain.contracts.tokens[symbol];

  return {
    payment,
    waitForStatus,
    tokenOf,
    settled: (id, { apiKey, status = 'settled' } = {}) =>
      eventually(
        async () => {
          const current = await payment(id, apiKey);
          if (current.settlement?.status === status) return current;
          // The settlement transaction needs the chain's confirmations before it counts.
          if (current.settlement?.status === 'pending') await kassa().mine(1);
          return undefined;
        },
        { what: `payment ${id}'s settlement to be ${status}`, timeoutMs: 30_000 },
      ),
    settlementsOf: async (paymentId, apiKey) => {
      const response = await kassa().request<{ data: SettlementObject[] }>('GET', `/v1/settlements?paymentId=${paymentId}`, undefined, auth(apiKey));
      if (response.status !== 200) throw new Error(`GET /v1/settlements answered ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body.data;
    },
    balance: (token, owner) =>
      token === null
        ? kassa().chain.publicClient.getBalance({ address: owner })
        : kassa().chain.publicClient.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [owner] }),
    paid: async (body, apiKey) => {
      const { depositAddress, token, amountBaseUnits, id } = await kassa().createPayment(body, apiKey);
      await kassa().send(depositAddress as Address, token.address as Address | null, BigInt(amountBaseUnits));
      await kassa().mine(1);
      return waitForStatus(id, 'PAID', apiKey);
    },
  };
}

/** The transaction a settlement was mined in, as the chain has it. */
export async function settlementTransaction(kassa: TestKassa, hash: string) {
  const [transaction, receipt] = await Promise.all([
    kassa.chain.publicClient.getTransaction({ hash: hash as Hex }),
    kassa.chain.publicClient.getTransactionReceipt({ hash: hash as Hex }),
  ]);
  return { transaction, receipt };
}
