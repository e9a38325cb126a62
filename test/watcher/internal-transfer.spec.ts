import { ConsoleLogger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { parseAbi, type Address } from 'viem';

import { balanceCreditTxHash, deployArtifact } from '@kassa/chain';
import type { KassaConfig } from '@kassa/config';
import { BALANCE_CREDIT_LOG_INDEX, UNKNOWN_SENDER, type Payment } from '@kassa/domain';
import { ExpirePaymentsJob, WorkerModule } from '@kassa/worker';

import { eth, type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

const forwarderAbi = parseAbi(['function forward(address to) payable']);

/**
 * Native coin that arrives by an internal call (a contract forwarding ETH to the deposit
 * address) leaves no transaction to the address and no log: the watcher cannot see it.
 * The scheduler's balance check before TIMEOUT reads the deposit address's balance at the
 * deadline block and credits what no recorded transfer explains, so the payment is PAID
 * (or UNDERPAID with the right amount) instead of timing out empty or waiting forever.
 * The clock of the scheduler is the test's (`runOnce(now)`); chain time is set per block.
 */
describe('scheduler: native coin sent by an internal call', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;
  let worker: TestingModule;
  let expiry: ExpirePaymentsJob;
  let forwarder: Address;

  beforeAll(async () => {
    watcher = await kit.startWatcher();
    const jobsOff = Object.fromEntries(Object.entries(kit.config.jobs).map(([name, job]) => [name, { ...job, enabled: false }]));
    const config = { ...kit.config, jobs: jobsOff } as KassaConfig;
    worker = await Test.createTestingModule({ imports: [WorkerModule.forRoot(config)] }).compile();
    worker.useLogger(new ConsoleLogger({ logLevels: ['fatal', 'error'] }));
    await worker.init();
    expiry = worker.get(ExpirePaymentsJob);
    forwarder = await deployArtifact(kit.chain.deployer, kit.chain.publicClient, 'EthForwarder');
  });

  afterAll(async () => {
    await worker?.close();
  });

  /** A customer pays through the forwarding contract; resolves with the block and its timestamp. */
  const forward = async (to: Address, value: bigint, customer = 1): Promise<{ blockNumber: bigint; time: Date }> => {
    const hash = await kit.chain.wallet(customer).writeContract({ address: forwarder, abi: forwarderAbi, functionName: 'forward', args: [to], value });
    const receipt = await kit.chain.publicClient.waitForTransactionReceipt({ hash });
    expect(receipt.status).toBe('success');
    const block = await kit.chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    return { blockNumber: receipt.blockNumber, time: new Date(Number(block.timestamp) * 1000) };
  };
  /** Moves chain time `seconds` past `after`, then mines `blocks` blocks (confirmations, and blocks past the deadline). */
  const laterBlocks = async (after: Date, seconds: number, blocks: number): Promise<bigint> => {
    await kit.rpc('evm_setNextBlockTimestamp', [Math.floor(after.getTime() / 1000) + seconds]);
    return kit.mine(blocks);
  };
  const setDeadline = (payment: Payment, at: Date) => kit.db.dataSource.query('UPDATE payments SET expires_at = $2 WHERE id = $1', [payment.id, at]);

  it('forwarded in time for the whole amount: the balance check credits it and the payment is PAID, not TIMEOUT', async () => {
    const payment = await kit.createPayment('ETH', { amount: eth('1') });
    await kit.waitUntilWatched(watcher, payment);
    const paid = await forward(payment.depositAddress, eth('1'));
    const deadline = new Date(paid.time.getTime() + 10_000);
    await setDeadline(payment, deadline);
    await kit.waitForCursor(await laterBlocks(deadline, 30, 3), watcher);
    expect(await kit.transfersOf(payment.id)).toEqual([]); // invisible to the watcher

    const run = await expiry.runOnce(new Date(deadline.getTime() + 60_000));

    expect(run.credited).toEqual([payment.id]);
    expect(run.timedOut).not.toContain(payment.id);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: eth('1') });
    expect(await kit.transfersOf(payment.id)).toEqual([
      expect.objectContaining({
        txHash: balanceCreditTxHash(payment.id),
        logIndex: BALANCE_CREDIT_LOG_INDEX,
        blockNumber: paid.blockNumber,
        from: UNKNOWN_SENDER,
        tokenAddress: null,
        amount: eth('1'),
        status: 'active',
      }),
    ]);
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.paid']);

    // Another run credits nothing twice.
    await expiry.runOnce(new Date(deadline.getTime() + 120_000));
    expect(await kit.transfersOf(payment.id)).toHaveLength(1);
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.paid']);
  });

  it('part forwarded, part sent directly: TIMEOUT with UNDERPAID and both parts in amountReceived', async () => {
    const payment = await kit.createPayment('ETH', { amount: eth('1') });
    await kit.waitUntilWatched(watcher, payment);
    await kit.pay('ETH', payment.depositAddress, eth('0.25'), 2);
    const forwarded = await forward(payment.depositAddress, eth('0.5'), 3);
    const deadline = new Date(forwarded.time.getTime() + 10_000);
    await setDeadline(payment, deadline);
    await kit.waitForCursor(await laterBlocks(deadline, 30, 3), watcher);

    const run = await expiry.runOnce(new Date(deadline.getTime() + 60_000));

    expect(run.timedOut).toContain(payment.id);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'TIMEOUT', exception: 'UNDERPAID', amountReceived: eth('0.75') });
    expect((await kit.transfersOf(payment.id)).map((transfer) => [transfer.logIndex, transfer.amount])).toEqual([
      [-1, eth('0.25')],
      [BALANCE_CREDIT_LOG_INDEX, eth('0.5')],
    ]);
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending', 'payment.timeout']);
  });

  it('forwarded after the deadline: not credited, the payment times out as unpaid', async () => {
    const payment = await kit.createPayment('ETH', { amount: eth('1') });
    await kit.waitUntilWatched(watcher, payment);
    const before = await kit.mine(1);
    const deadlineBlock = await kit.chain.publicClient.getBlock({ blockNumber: before });
    const deadline = new Date(Number(deadlineBlock.timestamp) * 1000 + 5_000);
    await setDeadline(payment, deadline);
    await kit.rpc('evm_setNextBlockTimestamp', [Math.floor(deadline.getTime() / 1000) + 20]);
    await forward(payment.depositAddress, eth('1'), 4);
    await kit.waitForCursor(await kit.mine(3), watcher);

    const run = await expiry.runOnce(new Date(deadline.getTime() + 60_000));

    expect(run.timedOut).toContain(payment.id);
    expect(run.credited).toEqual([]);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'TIMEOUT', exception: null, amountReceived: 0n });
    expect(await kit.transfersOf(payment.id)).toEqual([]);
  });

  it('checks every native-coin option, not only the coin the payment stands on: paid in ETH when USDC was first', async () => {
    const payment = await kit.createPricedPayment({ price: '25', accepted: [{ coin: 'USDC' }, { coin: 'ETH' }] });
    const ethOption = payment.options![1]!;
    await kit.waitUntilWatched(watcher, payment);
    const paid = await forward(ethOption.depositAddress, eth('0.01'), 5);
    const deadline = new Date(paid.time.getTime() + 10_000);
    await setDeadline(payment, deadline);
    await kit.waitForCursor(await laterBlocks(deadline, 30, 3), watcher);

    const run = await expiry.runOnce(new Date(deadline.getTime() + 60_000));

    expect(run.credited).toEqual([payment.id]);
    expect(await kit.payment(payment.id)).toMatchObject({
      status: 'PAID',
      exception: null,
      token: { symbol: 'ETH', address: null },
      amount: eth('0.01'),
      amountReceived: eth('0.01'),
    });
    expect(await kit.transfersOf(payment.id)).toEqual([
      expect.objectContaining({ txHash: balanceCreditTxHash(`${payment.id}:${ethOption.id}`), logIndex: BALANCE_CREDIT_LOG_INDEX, tokenAddress: null, amount: eth('0.01') }),
    ]);
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.paid']);
  });
});
