import { randomBytes } from 'node:crypto';

import { buildEventPayload, newId, type Address, type EventType, type Hex, type MerchantId, type Payment, type PaymentObject, type Transfer } from '@kassa/domain';

/** Spec helpers of this lib: valid rows in one line, unique where the schema wants it. */

export const randomAddress = (): Address => `0x${randomBytes(20).toString('hex')}`;
export const randomHash = (): Hex => `0x${randomBytes(32).toString('hex')}`;

export function paymentFixture(merchantId: MerchantId, overrides: Partial<Payment> = {}): Payment {
  const createdAt = overrides.createdAt ?? new Date();
  return {
    id: newId('payment', createdAt.getTime()),
    merchantId,
    status: 'CREATED',
    exception: null,
    chainId: 31337,
    token: { symbol: 'USDC', address: randomAddress(), decimals: 6 },
    amount: 25_500_000n,
    amountMinimum: 25_500_000n,
    amountReceived: 0n,
    depositAddress: randomAddress(),
    salt: randomHash(),
    treasuryAddress: randomAddress(),
    factoryAddress: randomAddress(),
    requiredConfirmations: 3,
    orderId: null,
    description: null,
    metadata: {},
    successUrl: null,
    cancelUrl: null,
    expiresAt: new Date(createdAt.getTime() + 30 * 60_000),
    createdAt,
    paidAt: null,
    finalizedAt: null,
    ...overrides,
  };
}

export function transferFixture(payment: Payment, overrides: Partial<Transfer> = {}): Transfer {
  return {
    chainId: payment.chainId,
    txHash: randomHash(),
    logIndex: 0,
    blockNumber: 100n,
    blockHash: randomHash(),
    blockTimestamp: new Date(),
    from: randomAddress(),
    to: payment.depositAddress,
    tokenAddress: payment.token.address,
    amount: payment.amount,
    paymentId: payment.id,
    status: 'active',
    ...overrides,
  };
}

/** An event payload around a minimal payment object (the payload is stored as given). */
export function eventPayloadFixture(payment: Payment, type: EventType, createdAt = new Date()) {
  const data = { id: payment.id, object: 'payment', status: payment.status } as unknown as PaymentObject;
  return buildEventPayload(newId('event', createdAt.getTime()), type, createdAt, data);
}
