import { Test } from '@nestjs/testing';
import type { INestApplicationContext } from '@nestjs/common';
import type { Address, Hex } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES } from '@kassa/chain';
import type { KassaConfig } from '@kassa/config';
import type { PaymentObject } from '@kassa/domain';
import { SettlementTransactionsRepository, type SettlementTransactionRecord } from '@kassa/persistence';
import { type LaneRunResult, SettlementBroadcaster, type SettlementLane, SettlePaymentsJob, WorkerModule } from '@kassa/worker';
import { eventually } from '@kassa/testing';

import { settlementWorld, useTestKassa } from '@kassa/testing/scenario';

/**
 * Settlement under failure, driven step by step (the job's own interval is off): transactions
 * the node drops, that wait unmined, that revert; a worker dying between storing and sending a
 * transaction, or between sending it and noting so; two workers settling at once. Whatever
 * happens, a nonce carries one settlement transaction, nothing is sent twice, and every paid
 * payment ends settled exactly once.
 */
describe('settlement under failure', () => {
  const kassa = useTestKassa(() => ({ confirmations: 2, settlement: true, configure: manualSettlement }));
  let job: SettlePaymentsJob;
  const world = settlementWorld(() => kassa);
  const gasPayer = HARDHAT_ACCOUNTS[LOCAL_ROLES.settlementGasPayer]!.address;
  const manualSettlement = (config: KassaConfig): KassaConfig => ({
    ...config,
    jobs: { ...config.jobs, settlement: { ...config.jobs.settlement, enabled: false } },
    settlement: { ...config.settlement, replaceAfterSeconds: 1 },
  });

  beforeAll(async () => {
    job = kassa.get(SettlePaymentsJob);
  });

  const rpc = (method: string, params: unknown[] = []) => kassa.chain.publicClient.request({ method: method as never, params: params as never });
  const automine = (on: boolean) => rpc('evm_setAutomine', [on]);
  const chainNonce = () => kassa.chain.publicClient.getTransactionCount({ address: gasPayer, blockTag: 'latest' });
  const transactions = () => new SettlementTransactionsRepository(kassa.dataSource);

  /** The settlement transaction a run sent. */
  async function sentBy(results: LaneRunResult[]): Promise<SettlementTransactionRecord> {
    const id = results[0]?.sent?.transactionId;
    if (!id) throw new Error(`The run sent nothing: ${JSON.stringify(results)}`);
    return (await transactions().findById(id))!;
  }

  /** Runs the job (mining a block between runs) until the payment is settled. */
  async function settleWith(runner: SettlePaymentsJob, paymentId: string): Promise<PaymentObject> {
    return eventually(async () => {
      await runner.runOnce();
      const current = await world.payment(paymentId);
      if (current.settlement?.status === 'settled') return current;
      await kassa.mine(1);
      return undefined;
    }, { what: `payment ${paymentId} to be settled`, timeoutMs: 30_000 });
  }

  const settledEvents = async (paymentId: string) =>
    Number(
      (await kassa.dataSource.query<{ count: string }[]>(`SELECT count(*) FROM events WHERE payment_id = $1 AND type = 'payment.settled'`, [paymentId]))[0]!
        .count,
    );

  /** Another worker process on the same database and chain, optionally with a broadcaster of the test's. */
  async function anotherWorker(broadcaster?: SettlementBroadcaster): Promise<INestApplicationContext> {
    const config: KassaConfig = {
      ...kassa.config,
      jobs: {
        expiry: { ...kassa.config.jobs.expiry, enabled: false },
        delivery: { ...kassa.config.jobs.delivery, enabled: false },
        settlement: { ...kassa.config.jobs.settlement, enabled: false },
        payouts: { ...kassa.config.jobs.payouts, enabled: false },
      },
    };
    let builder = Test.createTestingModule({ imports: [WorkerModule.forRoot(config)] });
    if (broadcaster) builder = builder.overrideProvider(SettlementBroadcaster).useValue(broadcaster);
    const worker = await builder.compile();
    await worker.init();
    return worker;
  }

  afterEach(async () => {
    await automine(true);
  });

  it('replaces a transaction the node dropped with a higher-fee one for the same nonce', async () => {
    const paid = await world.paid({ amount: '5', currency: 'USDC' });
    await automine(false);
    const first = await sentBy(await job.runOnce());
    expect(await rpc('hardhat_dropTransaction', [first.txHash])).toBe(true);

    await job.runOnce();

    const replaced = (await transactions().findById(first.id))!;
    expect(replaced.txHashes).toEqual([first.txHash, replaced.txHash]);
    expect(replaced.nonce).toBe(first.nonce);
    expect(feesOf(replaced).maxFeePerGas).toBeGreaterThanOrEqual((feesOf(first).maxFeePerGas * 125n) / 100n);
    expect(feesOf(replaced).maxPriorityFeePerGas).toBeGreaterThanOrEqual((feesOf(first).maxPriorityFeePerGas * 125n) / 100n);
    await kassa.mine(1); // the pool holds only the replacement
    await automine(true);
    const settled = await settleWith(job, paid.id);

    expect(settled.settlement!.txHash).toBe(replaced.txHash);
    const mined = await kassa.chain.publicClient.getTransaction({ hash: replaced.txHash });
    expect(BigInt(mined.nonce)).toBe(first.nonce);
    expect(await world.balance(world.tokenOf('USDC'), paid.depositAddress as Address)).toBe(0n);
  });

  it('replaces a transaction still unmined after KASSA_SETTLEMENT_REPLACE_AFTER_SECONDS, and the replacement is the one mined', async () => {
    const paid = await world.paid({ amount: '6', currency: 'USDC' });
    await automine(false);
    const first = await sentBy(await job.runOnce());
    await job.runOnce();
    expect((await transactions().findById(first.id))!.txHashes).toEqual([first.txHash]); // not due yet

    const replaced = await eventually(async () => {
      await job.runOnce();
      const current = (await transactions().findById(first.id))!;
      return current.txHashes.length === 2 ? current : undefined;
    }, { what: 'the waiting transaction to be replaced' });
    await kassa.mine(1); // the pool holds only the replacement now

    const settled = await settleWith(job, paid.id);
    expect(settled.settlement!.txHash).toBe(replaced.txHash);
    await expect(kassa.chain.publicClient.getTransactionReceipt({ hash: first.txHash })).rejects.toThrow();
  });

  it('retries a reverted transaction with a new nonce, more gas and higher fees, and announces the settlement once', async () => {
    const usdc = world.tokenOf('USDC');
    const paid = await world.paid({ amount: '7', currency: 'USDC' });
    await automine(false);
    const first = await sentBy(await job.runOnce());
    // While the flush waits in the pool, the token starts reverting every call, then recovers.
    const code = await kassa.chain.publicClient.getCode({ address: usdc });
    await rpc('hardhat_setCode', [usdc, '0x60006000fd']);
    await kassa.mine(1);
    await rpc('hardhat_setCode', [usdc, code]);
    await automine(true);
    expect((await kassa.chain.publicClient.getTransactionReceipt({ hash: first.txHash })).status).toBe('reverted');

    const settled = await settleWith(job, paid.id);

    const retried = (await transactions().findById(await txIdOf(settled.settlement!.id!)))!;
    expect((await transactions().findById(first.id))!.status).toBe('reverted');
    expect(retried.status).toBe('confirmed');
    expect(retried.nonce).toBe(first.nonce + 1n);
    expect(retried.gasLimit).toBeGreaterThan(first.gasLimit);
    expect(feesOf(retried).maxFeePerGas).toBeGreaterThan(feesOf(first).maxFeePerGas);
    expect((await world.settlementsOf(paid.id)).map((s) => s.status)).toEqual(['settled', 'failed']);
    expect(await settledEvents(paid.id)).toBe(1);
    expect(await world.balance(usdc, paid.depositAddress as Address)).toBe(0n);
  });

  it('a worker that dies right after broadcasting is followed up by reading the chain, without a second send', async () => {
    const paid = await world.paid({ amount: '8', currency: 'USDC' });
    const nonceBefore = await chainNonce();
    let broadcast: Hex | null = null;
    const dying = await anotherWorker(
      new (class extends SettlementBroadcaster {
        override async broadcast(lane: SettlementLane, rawTransaction: Hex): Promise<void> {
          await super.broadcast(lane, rawTransaction);
          broadcast = rawTransaction;
          throw new Error('worker process killed after the broadcast');
        }
      })(),
    );
    try {
      await dying.get(SettlePaymentsJob).runOnce();
    } finally {
      await dying.close();
    }
    expect(broadcast).not.toBeNull();
    const [stored] = await kassa.dataSource.query<{ id: string; broadcast_at: Date | null }[]>(
      `SELECT id, broadcast_at FROM settlement_transactions WHERE status = 'pending'`,
    );
    expect(stored!.broadcast_at).toBeNull(); // the worker never noted that it sent it

    const settled = await settleWith(job, paid.id);

    expect(await chainNonce()).toBe(nonceBefore + 1);
    const record = (await transactions().findById(stored!.id))!;
    expect(record).toMatchObject({ status: 'confirmed', txHashes: [record.txHash], replacements: 0 });
    expect(settled.settlement!.txHash).toBe(record.txHash);
    expect(await settledEvents(paid.id)).toBe(1);
  });

  it('a worker that dies after storing a transaction but before sending it: the next run sends those very bytes', async () => {
    const paid = await world.paid({ amount: '9', currency: 'USDC' });
    const nonceBefore = await chainNonce();
    const dying = await anotherWorker(
      new (class extends SettlementBroadcaster {
        override broadcast(): Promise<void> {
          return Promise.reject(new Error('worker process killed before the broadcast'));
        }
      })(),
    );
    try {
      await dying.get(SettlePaymentsJob).runOnce();
    } finally {
      await dying.close();
    }
    const [stored] = await kassa.dataSource.query<{ id: string; tx_hash: Hex }[]>(`SELECT id, tx_hash FROM settlement_transactions WHERE status = 'pending'`);
    await expect(kassa.chain.publicClient.getTransaction({ hash: stored!.tx_hash })).rejects.toThrow();

    const settled = await settleWith(job, paid.id);

    expect(settled.settlement!.txHash).toBe(stored!.tx_hash);
    expect(await chainNonce()).toBe(nonceBefore + 1);
  });

  it('two workers settling at once never give one nonce two transactions, and settle each payment once', async () => {
    const nonceBefore = await chainNonce();
    const payments: PaymentObject[] = [];
    for (let i = 0; i < 6; i++) payments.push(await world.paid({ amount: `${i + 1}`, currency: 'USDC' }));
    const other = await anotherWorker();
    const otherJob = other.get(SettlePaymentsJob);
    try {
      const locked: boolean[] = [];
      await eventually(async () => {
        const rounds = await Promise.all([job.runOnce(), otherJob.runOnce(), job.runOnce(), otherJob.runOnce()]);
        locked.push(...rounds.flat().map((result) => result.locked));
        await kassa.mine(1);
        const states = await Promise.all(payments.map((payment) => world.payment(payment.id)));
        return states.every((payment) => payment.settlement?.status === 'settled') ? true : undefined;
      }, { what: 'every payment to be settled by two racing workers', timeoutMs: 60_000 });
    } finally {
      await other.close();
    }

    const rows = await kassa.dataSource.query<{ nonce: string; status: string; tx_hash: string; mined_tx_hash: string | null }[]>(
      `SELECT nonce, status, tx_hash, mined_tx_hash FROM settlement_transactions WHERE nonce >= $1 ORDER BY nonce`,
      [nonceBefore],
    );
    expect(rows.map((row) => Number(row.nonce))).toEqual(rows.map((_, i) => nonceBefore + i));
    expect(rows.every((row) => row.status === 'confirmed')).toBe(true);
    expect(await chainNonce()).toBe(nonceBefore + rows.length);
    for (const payment of payments) {
      expect((await world.settlementsOf(payment.id)).map((s) => s.status)).toEqual(['settled']);
      expect(await settledEvents(payment.id)).toBe(1);
    }
  });

  /** The transaction id of a settlement. */
  async function txIdOf(settlementId: string): Promise<string> {
    const [row] = await kassa.dataSource.query<{ transaction_id: string }[]>('SELECT transaction_id FROM settlements WHERE id = $1', [settlementId]);
    return row!.transaction_id;
  }
});

function feesOf(tx: SettlementTransactionRecord): { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint } {
  if ('gasPrice' in tx.fees) throw new Error('Hardhat chains use EIP-1559 fees');
  return tx.fees;
}
