import { getAddress, type Hex } from 'viem';

import { HARDHAT_ACCOUNTS } from '@kassa/chain';
import { NATIVE_LOG_INDEX } from '@kassa/domain';

import { eth, rawTransactionHash, type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * Native-coin payments: a plain value transfer to the deposit address counts like a token
 * transfer; a reverted transaction moves no value and never counts.
 */
describe('watcher: native coin payments', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;

  beforeAll(async () => {
    watcher = await kit.startWatcher();
  });

  it('an ETH transfer to the deposit address is PENDING, then PAID after 3 confirmations', async () => {
    const payment = await kit.createPayment('ETH', { amount: eth('1.25') });
    await kit.waitUntilWatched(watcher, payment);

    const { hash, blockNumber } = await kit.pay('ETH', payment.depositAddress, eth('1.25'));
    await kit.waitForCursor(blockNumber, watcher);

    expect(await kit.transfersOf(payment.id)).toEqual([
      expect.objectContaining({
        txHash: hash,
        logIndex: NATIVE_LOG_INDEX,
        blockNumber,
        from: getAddress(HARDHAT_ACCOUNTS[1]!.address),
        to: getAddress(payment.depositAddress),
        tokenAddress: null,
        amount: eth('1.25'),
        status: 'active',
      }),
    ]);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');

    await kit.waitForCursor(await kit.mine(1), watcher);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');
    await kit.waitForCursor(await kit.mine(1), watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: eth('1.25') });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
  });

  it('pays more than the amount: PAID with exception OVERPAID', async () => {
    const payment = await kit.createPayment('ETH', { amount: eth('0.5') });
    await kit.waitUntilWatched(watcher, payment);

    const { blockNumber } = await kit.pay('ETH', payment.depositAddress, eth('0.75'));
    await kit.waitForCursor(blockNumber, watcher);
    await kit.waitForCursor(await kit.mine(2), watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: 'OVERPAID', amountReceived: eth('0.75') });
  });

  it('a reverted transaction sending ETH to the deposit address does not count', async () => {
    const payment = await kit.createPayment('ETH', { amount: eth('1') });
    await kit.waitUntilWatched(watcher, payment);
    // Code that always reverts at the deposit address, so a value transfer to it fails on chain.
    await kit.rpc('hardhat_setCode', [payment.depositAddress, '0x60006000fd']);

    const wallet = kit.chain.wallet(2);
    const request = await wallet.prepareTransactionRequest({ to: payment.depositAddress, value: eth('1'), gas: 100_000n });
    const serialized: Hex = await wallet.signTransaction(request);
    const hash = rawTransactionHash(serialized);
    // Hardhat mines the failing transaction and answers with an error; the receipt is what counts.
    await kit.rpc('eth_sendRawTransaction', [serialized]).catch(() => undefined);
    const receipt = await kit.chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('reverted');

    await kit.waitForCursor(await kit.mine(3), watcher);

    expect(await kit.transfersOf(payment.id)).toEqual([]);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'CREATED', amountReceived: 0n });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created']);
  });
});
