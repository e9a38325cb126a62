import { type Address, asMerchantId, newId, type Payment, type PaymentOption, type TokenRef, toPaymentObject, type Transfer } from '@kassa/domain';
import { paymentUri } from '@kassa/chain';

import { type PublicPayment, toPublicPayment } from '../public-payment';

const TOKEN = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const DEPOSIT = '0x3C0d2d32E0C529f08d4eF8e8B3B25F9E778C598A';
/** Names of the chains as a test configuration would give them. */
export const NETWORK_NAMES: Record<number, string> = { 31337: 'Hardhat (local)', 31338: 'Other local chain' };

/** A 25.50 USDC payment on the local chain (2 confirmations), open for 30 minutes from `now`. */
export function paymentFixture(overrides: Partial<Payment> = {}, now = new Date('2026-11-21T22:43:02Z')): Payment {
  return {
    id: newId('payment', now.getTime()),
    merchantId: asMerchantId('mer_01JD3M6Q8Y7W4ZK2N5R0T9V1XC'),
    status: 'CREATED',
    exception: null,
    chainId: 31337,
    token: { symbol: 'USDC', address: TOKEN, decimals: 6 },
    amount: 25_500_000n,
    amountMinimum: 25_500_000n,
    amountReceived: 0n,
    depositAddress: DEPOSIT,
    salt: `0x${'11'.repeat(32)}`,
    treasuryAddress: '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
    factoryAddress: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
    requiredConfirmations: 2,
    orderId: '1001',
    description: 'Two coffees',
    metadata: { internalCustomerRef: 'secret-crm-77' },
    successUrl: 'https://shop.example/thanks?lang=de',
    cancelUrl: 'https://shop.example/cart',
    expiresAt: new Date(now.getTime() + 30 * 60_000),
    createdAt: now,
    paidAt: null,
    finalizedAt: null,
    ...overrides,
  };
}

/**
 * A payment priced at 25.00 USD, payable in USDT on the local chain (31337), or in ETH
 * (at 2500 USD) or USDC on the other local chain (31338); it stands on its first option
 * (USDT) until value arrives. `selected` moves it onto another option, as the watcher does.
 */
export function pricedPaymentFixture(overrides: Partial<Payment> = {}, now = new Date('2026-11-21T22:43:02Z'), selected: 'USDT' | 'ETH' | 'USDC' = 'USDT'): Payment {
  const base = paymentFixture({}, now);
  const option = (chainId: number, token: TokenRef, amount: bigint, rate: string): PaymentOption => ({
    id: newId('paymentOption', now.getTime()),
    chainId,
    token,
    amount,
    amountMinimum: amount,
    requiredConfirmations: chainId === 31337 ? 2 : 3,
    depositAddress: base.depositAddress,
    treasuryAddress: base.treasuryAddress,
    factoryAddress: base.factoryAddress,
    rate: { value: rate, pricingCurrency: 'USD', source: rate === '1' ? 'peg' : 'price_feed', feedAddress: null, updatedAt: null },
  });
  const options = [
    option(31337, { symbol: 'USDT', address: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' as Address, decimals: 6 }, 25_000_000n, '1'),
    option(31338, { symbol: 'ETH', address: null, decimals: 18 }, 10n ** 16n, '2500'),
    option(31338, { symbol: 'USDC', address: TOKEN, decimals: 6 }, 25_000_000n, '1'),
  ];
  const standing = options.find((candidate) => candidate.token.symbol === selected)!;
  return {
    ...base,
    chainId: standing.chainId,
    token: standing.token,
    amount: standing.amount,
    amountMinimum: standing.amountMinimum,
    requiredConfirmations: standing.requiredConfirmations,
    price: { amount: '25.00', currency: 'USD' },
    options,
    ...overrides,
  };
}

/** A transfer of `amount` base units of the payment's token to its deposit address in `blockNumber`. */
export function transferFixture(payment: Payment, amount: bigint, blockNumber: bigint, overrides: Partial<Transfer> = {}): Transfer {
  return {
    chainId: payment.chainId,
    txHash: `0x${blockNumber.toString(16).padStart(64, 'a')}`,
    logIndex: 0,
    blockNumber,
    blockHash: `0x${'bb'.repeat(32)}`,
    blockTimestamp: payment.createdAt,
    from: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    to: payment.depositAddress,
    tokenAddress: payment.token.address,
    amount,
    paymentId: payment.id,
    status: 'active',
    ...overrides,
  };
}

/** The public projection of a payment with these transfers, confirmations counted against `head`. */
export function publicPaymentOf(payment: Payment, transfers: Transfer[] = [], head: bigint | null = null, merchantName = 'Demo Shop'): PublicPayment {
  const uriOf = (coin: Pick<Payment, 'chainId' | 'depositAddress' | 'amount' | 'token'>) =>
    paymentUri({ chainId: coin.chainId, depositAddress: coin.depositAddress, amount: coin.amount, token: coin.token.address });
  const object = toPaymentObject(payment, transfers, head, {
    paymentUri: uriOf(payment),
    checkoutUrl: `http://127.0.0.1:3000/pay/${payment.id}`,
    optionPaymentUri: uriOf,
  });
  return toPublicPayment(object, merchantName, (chainId) => NETWORK_NAMES[chainId] ?? `Chain ${chainId}`);
}
