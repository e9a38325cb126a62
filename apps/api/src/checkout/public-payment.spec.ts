import type { Payment, Transfer } from '@kassa/domain';
import { FIXTURE_NETWORK_NAMES, paymentFixture, paymentObjectFixture, pricedPaymentFixture, transferFixture } from '@kassa/testing';

import { canChooseOption, payingWith, type PublicPayment, toPublicPayment } from './public-payment';

/** The public view of a payment with these transfers, confirmations counted against `head`, as the checkout shows it. */
const publicPaymentOf = (payment: Payment, transfers: Transfer[] = [], head: bigint | null = null): PublicPayment =>
  toPublicPayment(paymentObjectFixture(payment, transfers, head), 'Demo Shop', (chainId) => FIXTURE_NETWORK_NAMES[chainId] ?? `Chain ${chainId}`);

describe('the public view of a payment', () => {
  it('shows what to pay and where, and nothing of the merchant\'s own data', () => {
    const payment = paymentFixture();
    const view = publicPaymentOf(payment);
    expect(view).toMatchObject({
      id: payment.id,
      status: 'CREATED',
      merchantName: 'Demo Shop',
      amount: '25.5',
      amountBaseUnits: '25500000',
      currency: 'USDC',
      networkName: 'Hardhat (local)',
      depositAddress: payment.depositAddress,
      amountRemaining: '25.5',
      confirmations: null,
      redirectUrl: null,
    });
    expect(view.remainingPaymentUri).toBe(view.paymentUri);
    const json = JSON.stringify(view);
    expect(json).not.toContain('secret-crm-77');
    expect(json).not.toContain('metadata');
    expect(json).not.toContain(payment.treasuryAddress);
    expect(json).not.toContain('shop.example');
  });

  it('counts a transfer waiting for confirmations as sent: nothing remains, confirmations 1 of 2', () => {
    const payment = paymentFixture({ status: 'PENDING' });
    const view = publicPaymentOf(payment, [transferFixture(payment, { amount: 25_500_000n, blockNumber: 10n })], 10n);
    expect(view).toMatchObject({ amountSeen: '25.5', amountReceived: '0', amountRemaining: '0', confirmations: 1, requiredConfirmations: 2 });
    expect(view.remainingPaymentUri).toBeNull();
  });

  it('tells an underpaying customer how much is still missing, with a payment URI for the rest', () => {
    const payment = paymentFixture({ status: 'PENDING', amountReceived: 10_000_000n });
    const view = publicPaymentOf(payment, [transferFixture(payment, { amount: 10_000_000n, blockNumber: 10n })], 12n);
    expect(view).toMatchObject({ amountSeen: '10', amountRemaining: '15.5', amountRemainingBaseUnits: '15500000', confirmations: 3 });
    expect(view.remainingPaymentUri).toBe(`ethereum:${payment.token.address}@31337/transfer?address=${payment.depositAddress}&uint256=15500000`);
  });

  it('ignores orphaned transfers and transfers of another token', () => {
    const payment = paymentFixture({ status: 'PENDING' });
    const view = publicPaymentOf(payment, [
      transferFixture(payment, { amount: 5_000_000n, blockNumber: 10n, status: 'orphaned' }),
      transferFixture(payment, { amount: 7_000_000n, blockNumber: 11n, tokenAddress: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' }),
    ], 11n);
    expect(view).toMatchObject({ amountSeen: '0', amountRemaining: '25.5', confirmations: null, transactions: [] });
  });

  it('gives a paid payment its receipt and the way back to the shop', () => {
    const paidAt = new Date('2026-11-21T22:44:13Z');
    const payment = paymentFixture({ status: 'PAID', amountReceived: 25_500_000n, paidAt, finalizedAt: paidAt });
    const transfer = transferFixture(payment, { amount: 25_500_000n, blockNumber: 10n });
    const view = publicPaymentOf(payment, [transfer], 11n);
    expect(view.transactions).toEqual([{ txHash: transfer.txHash, url: null, amount: '25.5', amountBaseUnits: '25500000', confirmations: 2 }]);
    expect(view.paidAt).toBe('2026-11-21T22:44:13.000Z');
    expect(view.redirectUrl).toBe(`https://shop.example/thanks?lang=de&payment_id=${payment.id}&order_id=1001`);
    expect(view.remainingPaymentUri).toBeNull();
  });

  it('lists a priced payment\'s price and every coin it can be paid in, each with its network\'s name, and lets the customer choose', () => {
    const payment = pricedPaymentFixture();
    const view = publicPaymentOf(payment);
    expect(view.price).toEqual({ amount: '25.00', currency: 'USD' });
    expect(view.options.map((option) => [option.networkName, option.chainId, option.currency, option.amount, option.selected])).toEqual([
      ['Hardhat (local)', 31337, 'USDT', '25', true],
      ['Other local chain', 31338, 'ETH', '0.01', false],
      ['Other local chain', 31338, 'USDC', '25', false],
    ]);
    expect(view.options[1]).toMatchObject({
      id: payment.options![1]!.id,
      token: { address: null, decimals: 18 },
      amountBaseUnits: '10000000000000000',
      depositAddress: payment.depositAddress,
      paymentUri: `ethereum:${payment.depositAddress}@31338?value=10000000000000000`,
      amountReceived: '0',
    });
    expect(view.valueArrived).toBe(false);
    expect(canChooseOption(view)).toBe(true);
    // The quote's rate source is the merchant's business, not the customer's.
    expect(JSON.stringify(view)).not.toContain('price_feed');
  });

  it('reads as the chosen option before value arrives: its network, coin, amount and payment URI', () => {
    const view = publicPaymentOf(pricedPaymentFixture());
    const eth = view.options[1]!;
    expect(payingWith(view, eth)).toMatchObject({
      chainId: 31338,
      networkName: 'Other local chain',
      currency: 'ETH',
      token: { address: null, decimals: 18 },
      amount: '0.01',
      amountRemaining: '0.01',
      amountRemainingBaseUnits: '10000000000000000',
      remainingPaymentUri: eth.paymentUri,
      price: { amount: '25.00', currency: 'USD' },
    });
    expect(payingWith(view, view.options[0]!)).toBe(view);
  });

  it('stands on the option value arrived in, and no longer lets the customer choose', () => {
    const payment = pricedPaymentFixture({ status: 'PENDING' }, 'ETH');
    const transfer = transferFixture(payment, { amount: 10n ** 16n, blockNumber: 10n, chainId: 31338, tokenAddress: null });
    const view = publicPaymentOf(payment, [transfer], 10n);
    expect(view).toMatchObject({ chainId: 31338, networkName: 'Other local chain', currency: 'ETH', amountSeen: '0.01', valueArrived: true });
    expect(view.options.filter((option) => option.selected).map((option) => option.currency)).toEqual(['ETH']);
    expect(canChooseOption(view)).toBe(false);
    expect(payingWith(view, view.options[0]!)).toBe(view);
  });

  it('does not count a transfer of a coin the payment does not accept as value arrived', () => {
    const payment = pricedPaymentFixture();
    const view = publicPaymentOf(payment, [transferFixture(payment, { amount: 5n, blockNumber: 10n, tokenAddress: '0x0000000000000000000000000000000000000bad' })], 10n);
    expect(view.valueArrived).toBe(false);
    expect(canChooseOption(view)).toBe(true);
  });
});

describe('block explorer links of the public view', () => {
  const explorers: Record<number, string> = { 31337: 'https://basescan.org', 31338: 'https://arbiscan.io/' };
  const explorerOf = (chainId: number) => explorers[chainId] ?? null;

  it('links the deposit address and each transaction on the chain\'s explorer, and each option on its own', () => {
    const payment = pricedPaymentFixture({ status: 'PENDING' });
    const transfer = transferFixture(payment, { amount: 25_000_000n, blockNumber: 10n });

    const view = toPublicPayment(paymentObjectFixture(payment, [transfer], 10n), 'Demo Shop', () => 'Base', explorerOf);

    expect(view.depositAddressUrl).toBe(`https://basescan.org/address/${payment.depositAddress}`);
    expect(view.transactions.map((tx) => tx.url)).toEqual([`https://basescan.org/tx/${transfer.txHash}`]);
    expect(view.options.map((option) => option.depositAddressUrl)).toEqual([
      `https://basescan.org/address/${payment.depositAddress}`,
      `https://arbiscan.io/address/${payment.depositAddress}`,
      `https://arbiscan.io/address/${payment.depositAddress}`,
    ]);
  });

  it('has no links where no explorer is configured (local chains)', () => {
    const view = toPublicPayment(paymentObjectFixture(paymentFixture()), 'Demo Shop', () => 'Local');

    expect(view.depositAddressUrl).toBeNull();
    expect(view.options.map((option) => option.depositAddressUrl)).toEqual([null]);
  });
});
