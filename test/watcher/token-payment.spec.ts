import { encodeFunctionData, erc20Abi, getAddress, type Hex } from 'viem';


import { rawTransactionHash, type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';
import { HARDHAT_ACCOUNTS } from '@kassa/chain';

/**
 * ERC-20 payments seen by the watcher: a transfer to a deposit address makes the payment
 * PENDING at once and PAID only once it has `requiredConfirmations` confirmations.
 */
describe('watcher: token payments', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;

  beforeAll(async () => {
    watcher = await kit.startWatcher();
  });

  it.each([
    ['USDC', 25_000_000n],
    ['USDT', 10_500_000n],
  ] as const)('a %s transfer to the deposit address is PENDING, then PAID after 3 confirmations', async (symbol, amount) => {
    const payment = await kit.createPayment(symbol, { amount });
    await kit.waitUntilWatched(watcher, payment);

    const { hash, blockNumber } = await kit.pay(symbol, payment.depositAddress, amount);
    await kit.waitForCursor(blockNumber, watcher);

    const [transfer, ...others] = await kit.transfersOf(payment.id);
    expect(others).toEqual([]);
    expect(transfer).toMatchObject({
      txHash: hash,
      blockNumber,
      from: getAddress(HARDHAT_ACCOUNTS[1]!.address),
      to: getAddress(payment.depositAddress),
      tokenAddress: getAddress(kit.chain.contracts.tokens[symbol]),
      amount,
      status: 'active',
    });
    expect(transfer!.logIndex).toBeGreaterThanOrEqual(0);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING', amountReceived: 0n });

    // Two confirmations: still not paid.
    await kit.waitForCursor(await kit.mine(1), watcher);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');

    await kit.waitForCursor(await kit.mine(1), watcher);
    const paid = await kit.payment(payment.id);
    expect(paid).toMatchObject({ status: 'PAID', exception: null, amountReceived: amount });
    expect(paid.paidAt).toBeInstanceOf(Date);
    expect(paid.finalizedAt).toEqual(paid.paidAt);
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
  });

  it('ignores a transfer to an address nobody is paid at', async () => {
    const payment = await kit.createPayment('USDC', { amount: 1_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const stranger = '0x000000000000000000000000000000000000dEaD';

    const { blockNumber } = await kit.pay('USDC', stranger, 1_000_000n);
    await kit.waitForCursor(blockNumber, watcher);

    const rows = await kit.db.dataSource.query(`SELECT count(*)::int AS n FROM transfers WHERE lower(to_address) = lower($1)`, [stranger]);
    expect(rows[0].n).toBe(0);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'CREATED', amountReceived: 0n });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created']);
  });

  it('records a transfer of another token but does not count it', async () => {
    const payment = await kit.createPayment('USDC', { amount: 5_000_000n });
    await kit.waitUntilWatched(watcher, payment);

    await kit.pay('USDT', payment.depositAddress, 5_000_000n);
    await kit.waitForCursor(await kit.mine(3), watcher);

    const transfers = await kit.transfersOf(payment.id);
    expect(transfers.map((t) => [t.tokenAddress, t.amount])).toEqual([[getAddress(kit.chain.contracts.tokens.USDT), 5_000_000n]]);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'CREATED', amountReceived: 0n });
  });

  it('a token transfer whose transaction reverts (more than the customer holds) is never recorded nor counted', async () => {
    const payment = await kit.createPayment('USDC', { amount: 1_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const wallet = kit.chain.wallet(6); // holds no USDC
    const request = await wallet.prepareTransactionRequest({
      to: kit.chain.contracts.tokens.USDC,
      data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [payment.depositAddress, 1_000_000n] }),
      gas: 100_000n,
    });
    const serialized: Hex = await wallet.signTransaction(request);
    // Hardhat mines the failing transaction and answers with an error; the receipt is what counts.
    await kit.rpc('eth_sendRawTransaction', [serialized]).catch(() => undefined);
    const receipt = await kit.chain.publicClient.waitForTransactionReceipt({ hash: rawTransactionHash(serialized) });
    expect(receipt.status).toBe('reverted');

    await kit.waitForCursor(await kit.mine(3), watcher);

    expect(await kit.transfersOf(payment.id)).toEqual([]);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'CREATED', amountReceived: 0n });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created']);
  });

  it('underpaid then topped up becomes PAID, with one pending and one paid event', async () => {
    const payment = await kit.createPayment('USDC', { amount: 30_000_000n });
    await kit.waitUntilWatched(watcher, payment);

    const first = await kit.pay('USDC', payment.depositAddress, 10_000_000n);
    await kit.waitForCursor(first.blockNumber, watcher);
    await kit.waitForCursor(await kit.mine(3), watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING', amountReceived: 10_000_000n });

    const second = await kit.pay('USDC', payment.depositAddress, 20_000_000n, 2);
    await kit.waitForCursor(second.blockNumber, watcher);
    await kit.waitForCursor(await kit.mine(2), watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: 30_000_000n });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
  });

  it('a transfer after the payment is PAID is recorded as late: PAID_LATE and payment.late_transfer', async () => {
    const payment = await kit.createPayment('USDC', { amount: 2_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    const paying = await kit.pay('USDC', payment.depositAddress, 2_000_000n);
    await kit.waitForCursor(paying.blockNumber, watcher);
    await kit.waitForCursor(await kit.mine(2), watcher);
    expect((await kit.payment(payment.id)).status).toBe('PAID');

    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 500_000n);
    await kit.waitForCursor(blockNumber, watcher);

    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: 'PAID_LATE' });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid', 'payment.late_transfer']);
    expect((await kit.transfersOf(payment.id)).map((t) => t.amount)).toEqual([2_000_000n, 500_000n]);

    // Confirmations of the late transfer count into amountReceived; nothing is announced twice.
    await kit.waitForCursor(await kit.mine(3), watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: 'PAID_LATE', amountReceived: 2_500_000n });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid', 'payment.late_transfer']);
  });
});
