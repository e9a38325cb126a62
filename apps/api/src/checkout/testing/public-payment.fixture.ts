import { asMerchantId, newId, type Payment, type Transfer, toPaymentObject } from '@kassa/domain';
import { paymentUri } from '@kassa/chain';

import { type PublicPayment, toPublicPayment } from '../public-payment';

const TOKEN = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const DEPOSIT = '0x3C0d2d32E0C529f08d4eF8e8B3B25F9E778C598A';

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
  return toPublicPayment(object, merchantName, 'Hardhat (local)');
}
