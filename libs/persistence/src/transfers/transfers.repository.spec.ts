import { sumTransfers, type MerchantId, type Payment } from '@kassa/domain';
import { paymentFixture, randomAddress, randomHash, storePayment, transferFixture, useTestDatabase } from '@kassa/testing';

import { MerchantsRepository } from '../merchants/merchants.repository';
import { PaymentsRepository } from '../payments/payments.repository';
import { TransfersRepository } from './transfers.repository';

describe('TransfersRepository', () => {
  const db = useTestDatabase();
  let transfers: TransfersRepository;
  let merchantId: MerchantId;

  beforeAll(async () => {
    transfers = new TransfersRepository(db.dataSource);
    merchantId = (await new MerchantsRepository(db.dataSource).create({ name: 'Shop', treasuryAddress: randomAddress() })).id;
  });

  async function newPayment(overrides: Partial<Payment> = {}): Promise<Payment> {
    const payment = paymentFixture({ merchantId, ...overrides });
    await storePayment(db.dataSource.manager, payment);
    return payment;
  }

  const record = (list: Parameters<TransfersRepository['insertMany']>[1]) =>
    db.dataSource.transaction((manager) => transfers.insertMany(manager, list));

  it('counts a transfer that re-appears after a reorg once, and makes it active again', async () => {
    const chainId = 1001;
    const payment = await newPayment({ chainId });
    const transfer = transferFixture(payment, { chainId, blockNumber: 120n });

    const first = await record([transfer]);
    const orphanedPayments = await db.dataSource.transaction((manager) => transfers.orphanFromBlock(manager, chainId, 118n));
    expect((await transfers.listByPayment(payment.id))[0]!.status).toBe('orphaned');
    // The same transaction is mined again in the new branch, one block later.
    const newBlock = { blockNumber: 121n, blockHash: randomHash(), blockTimestamp: new Date() };
    const again = await record([{ ...transfer, ...newBlock }]);

    expect(first.map((r) => r.isNew)).toEqual([true]);
    expect(orphanedPayments).toEqual([payment.id]);
    expect(again.map((r) => r.isNew)).toEqual([false]);
    const stored = await transfers.listByPayment(payment.id);
    expect(stored).toEqual([{ ...transfer, ...newBlock, status: 'active' }]);
    expect(sumTransfers(payment, stored, 200n).seen).toBe(payment.amount);
  });

  it('records a block of transfers in one statement, any token, native ones with log index -1', async () => {
    const chainId = 1002;
    const payment = await newPayment({ chainId });
    const batch = [
      transferFixture(payment, { chainId, logIndex: 3, amount: 1n }),
      transferFixture(payment, { chainId, logIndex: -1, tokenAddress: null, amount: 10n ** 30n }),
      transferFixture(payment, { chainId, logIndex: 7, paymentId: null, to: randomAddress() }),
    ];

    const results = await record(batch);

    expect(results.map((r) => [r.transfer, r.isNew])).toEqual(batch.map((t) => [t, true]));
    expect(await transfers.listByPayment(payment.id)).toEqual(expect.arrayContaining(batch.slice(0, 2)));
  });

  it('reports a transfer listed twice in one batch as new once', async () => {
    const chainId = 1003;
    const payment = await newPayment({ chainId });
    const transfer = transferFixture(payment, { chainId });

    const results = await record([transfer, transfer]);

    expect(results.map((r) => r.isNew)).toEqual([true, false]);
    expect(await transfers.listByPayment(payment.id)).toHaveLength(1);
  });

  it('keeps its payment when a re-scan records the transfer without one', async () => {
    const chainId = 1004;
    const payment = await newPayment({ chainId });
    const transfer = transferFixture(payment, { chainId });
    await record([transfer]);

    await record([{ ...transfer, paymentId: null }]);

    expect(await transfers.listByPayment(payment.id)).toHaveLength(1);
  });

  it('orphans only the blocks at or above the reorg point, on that chain', async () => {
    const chainId = 1005;
    const [below, above, otherChain] = [await newPayment({ chainId }), await newPayment({ chainId }), await newPayment({ chainId: 1006 })];
    await record([
      transferFixture(below, { chainId, blockNumber: 49n }),
      transferFixture(above, { chainId, blockNumber: 50n }),
      transferFixture(above, { chainId, blockNumber: 51n }),
      transferFixture(otherChain, { chainId: 1006, blockNumber: 60n }),
    ]);

    const affected = await db.dataSource.transaction((manager) => transfers.orphanFromBlock(manager, chainId, 50n));

    expect(affected).toEqual([above.id]);
    const byPayment = await transfers.listByPayments([below.id, above.id, otherChain.id]);
    expect(byPayment.get(below.id)?.map((t) => t.status)).toEqual(['active']);
    expect(byPayment.get(above.id)?.map((t) => t.status)).toEqual(['orphaned', 'orphaned']);
    expect(byPayment.get(otherChain.id)?.map((t) => t.status)).toEqual(['active']);
  });

  it('locks for evaluation the given payments and those with active transfers on the chain from a block on', async () => {
    const chainId = 1007;
    const [old, recent, orphaned, otherChain, given] = [
      await newPayment({ chainId }),
      await newPayment({ chainId }),
      await newPayment({ chainId }),
      await newPayment({ chainId: 1008 }),
      await newPayment({ chainId }),
    ];
    await record([
      transferFixture(old, { chainId, blockNumber: 10n }),
      transferFixture(recent, { chainId, blockNumber: 20n }),
      transferFixture(orphaned, { chainId, blockNumber: 30n }),
      transferFixture(otherChain, { chainId: 1008, blockNumber: 20n }),
    ]);
    await db.dataSource.transaction((manager) => transfers.orphanFromBlock(manager, chainId, 30n));

    const locked = await db.dataSource.transaction((manager) =>
      new PaymentsRepository(db.dataSource).lockForEvaluation([given.id, recent.id], manager, { chainId, fromBlock: 15n }),
    );

    expect(locked.map((payment) => payment.id)).toEqual([recent.id, given.id].sort());
  });

  it('returns an empty list for every payment without transfers', async () => {
    const payment = await newPayment();
    expect(await transfers.listByPayments([payment.id])).toEqual(new Map([[payment.id, []]]));
  });

  it('tells which payments had transfers stored before the insert, the orphaned ones too, never counting what the insert itself adds', async () => {
    const chainId = 1003;
    const [fresh, earlier, orphaned, untouched] = await Promise.all([newPayment({ chainId }), newPayment({ chainId }), newPayment({ chainId }), newPayment({ chainId })]);
    await record([transferFixture(earlier, { chainId, blockNumber: 10n }), transferFixture(orphaned, { chainId, blockNumber: 20n })]);
    await db.dataSource.transaction((manager) => transfers.orphanFromBlock(manager, chainId, 20n));

    const batch = [fresh, fresh, earlier, orphaned].map((payment) => transferFixture(payment, { chainId, blockNumber: 30n }));
    const { recorded, withStoredTransfers } = await db.dataSource.transaction((manager) =>
      transfers.insertReportingStored(manager, batch, [fresh.id, earlier.id, orphaned.id, untouched.id]),
    );
    expect(recorded.map((result) => result.isNew)).toEqual([true, true, true, true]);
    expect([...withStoredTransfers].sort()).toEqual([earlier.id, orphaned.id].sort());
    // Asked again, the payment whose transfers the first insert added has them stored.
    const again = await db.dataSource.transaction((manager) => transfers.insertReportingStored(manager, batch.slice(0, 1), [fresh.id, untouched.id]));
    expect(again.recorded.map((result) => result.isNew)).toEqual([false]);
    expect([...again.withStoredTransfers]).toEqual([fresh.id]);
  });

  it('reports the created_at of the rows it inserted, and nothing when given no transfer', async () => {
    const chainId = 1004;
    const [first, second] = await Promise.all([newPayment({ chainId }), newPayment({ chainId })]);
    // A transaction that waits before the insert: its rows carry the transaction's start, not the statement's.
    const { recordedAt, started } = await db.dataSource.transaction(async (manager) => {
      const [start] = (await manager.query('SELECT now() AS now, pg_sleep(0.05)')) as { now: Date }[];
      const stored = await transfers.insertReportingStored(manager, [first, second].map((payment) => transferFixture(payment, { chainId, blockNumber: 40n })), []);
      return { recordedAt: stored.recordedAt, started: start!.now };
    });
    const rows = (await db.dataSource.query('SELECT created_at FROM transfers WHERE payment_id = ANY ($1)', [[first.id, second.id]])) as { created_at: Date }[];
    expect(rows).toHaveLength(2);
    expect(recordedAt).toEqual(started);
    for (const row of rows) expect(row.created_at).toEqual(recordedAt);
    expect((await db.dataSource.transaction((manager) => transfers.insertReportingStored(manager, [], []))).recordedAt).toBeNull();
  });
});
