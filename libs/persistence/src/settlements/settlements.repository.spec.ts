import { QueryFailedError } from 'typeorm';

import { type MerchantId, newId, type Payment } from '@kassa/domain';
import { paymentFixture, randomAddress, randomHash, storePayment, transferFixture, useTestDatabase } from '@kassa/testing';

import { MerchantsRepository } from '../merchants/merchants.repository';
import { TransfersRepository } from '../transfers/transfers.repository';
import { SettlementPoliciesRepository } from './settlement-policies.repository';
import { SettlementTransactionsRepository } from './settlement-transactions.repository';
import { type NewSettlement, SettlementsRepository } from './settlements.repository';

/**
 * Which payments the settlement job picks, and the database's own guards: one transaction per
 * gas payer nonce, one unfinished transaction per gas payer, one pending settlement per payment and chain.
 */
describe('SettlementsRepository', () => {
  const db = useTestDatabase();
  let settlements: SettlementsRepository;
  let merchantId: MerchantId;
  let chainId = 5000;
  const now = new Date();
  const head = 1_000n;

  beforeAll(async () => {
    settlements = new SettlementsRepository(db.dataSource);
    merchantId = (await new MerchantsRepository(db.dataSource).create({ name: 'Shop', treasuryAddress: randomAddress() })).id;
  });

  beforeEach(() => {
    chainId += 1; // each test on a chain of its own
  });

  async function finalPayment(overrides: Partial<Payment> = {}, transferBlocks: bigint[] = [head - 10n], merchant = merchantId): Promise<Payment> {
    const payment = paymentFixture({ merchantId: merchant, chainId, status: 'PAID', paidAt: now, finalizedAt: now, ...overrides });
    await storePayment(db.dataSource.manager, payment);
    await db.dataSource.transaction((manager) =>
      new TransfersRepository(db.dataSource).insertMany(
        manager,
        transferBlocks.map((blockNumber) => transferFixture(payment, { blockNumber })),
      ),
    );
    return payment;
  }

  const candidates = (at: Date = now) =>
    settlements.candidates({ chainId, cursorBlock: head, finalizedSince: new Date(at.getTime() - 86_400_000), now: at, limit: 100 });

  const settlementOf = (payment: Payment, coveredTransferId: bigint, transactionId: string | null = null): NewSettlement => ({
    id: newId('settlement'),
    merchantId: payment.merchantId,
    paymentId: payment.id,
    chainId: payment.chainId,
    depositAddress: payment.depositAddress,
    treasuryAddress: payment.treasuryAddress,
    coveredTransferId,
    attempt: 1,
    transactionId,
  });

  it('picks final payments with confirmed value, and neither open ones nor unconfirmed value', async () => {
    const paid = await finalPayment();
    const timedOut = await finalPayment({ status: 'TIMEOUT', exception: 'UNDERPAID', paidAt: null });
    await finalPayment({ status: 'PENDING', paidAt: null, finalizedAt: null });
    await finalPayment({}, [head - 10n, head]); // a second transfer with 1 of 3 confirmations
    await finalPayment({}, []); // nothing received

    const picked = await candidates();

    expect(picked.map((c) => c.paymentId).sort()).toEqual([paid.id, timedOut.id].sort());
    expect(picked.find((c) => c.paymentId === paid.id)).toMatchObject({ waitingAmount: paid.amount, attempt: 1, previousFees: null });
  });

  it('leaves out merchants whose policy is off, and payments final before the lookback', async () => {
    const offMerchant = (await new MerchantsRepository(db.dataSource).create({ name: 'Off', treasuryAddress: randomAddress() })).id;
    await new SettlementPoliciesRepository(db.dataSource).put(offMerchant, { mode: 'off', thresholds: {}, intervalSeconds: null, maxWaitSeconds: null });
    await finalPayment({}, undefined, offMerchant);
    await finalPayment({ finalizedAt: new Date(now.getTime() - 2 * 86_400_000) });

    expect(await candidates()).toEqual([]);
  });

  it('skips a payment with a settlement in flight, and picks it again only when a later transfer is not covered', async () => {
    const payment = await finalPayment();
    const [first] = await candidates();
    await db.dataSource.transaction((manager) => settlements.insertMany(manager, [settlementOf(payment, first!.lastTransferId)], { status: 'pending' }));
    expect(await candidates()).toEqual([]);

    await db.dataSource.query(`UPDATE settlements SET status = 'settled', settled_at = now() WHERE payment_id = $1`, [payment.id]);
    expect(await candidates()).toEqual([]);
    expect((await settlements.paymentStates([payment.id])).get(payment.id)).toMatchObject({ hasValue: true, hasUnsettledValue: false, mode: 'immediate' });

    await db.dataSource.transaction((manager) =>
      new TransfersRepository(db.dataSource).insertMany(manager, [transferFixture(payment, { blockNumber: head - 5n, amount: 7n })]),
    );
    const [late] = await candidates();
    expect(late).toMatchObject({ paymentId: payment.id, waitingAmount: 7n });
    expect(late!.lastTransferId).toBeGreaterThan(first!.lastTransferId);
  });

  it('picks a failed payment again once its retry is due, as the next attempt', async () => {
    const payment = await finalPayment();
    const [candidate] = await candidates();
    const retryAt = new Date(now.getTime() + 60_000);
    await db.dataSource.transaction((manager) =>
      settlements.insertMany(manager, [settlementOf(payment, candidate!.lastTransferId)], { status: 'failed', error: 'reverted', nextAttemptAt: retryAt }),
    );

    expect(await candidates()).toEqual([]);
    expect(await candidates(retryAt)).toMatchObject([{ paymentId: payment.id, attempt: 2 }]);
  });

  it('refuses a second pending settlement for one payment on one chain', async () => {
    const payment = await finalPayment();
    await db.dataSource.transaction((manager) => settlements.insertMany(manager, [settlementOf(payment, 1n)], { status: 'pending' }));
    const failure = await db.dataSource
      .transaction((manager) => settlements.insertMany(manager, [settlementOf(payment, 1n)], { status: 'pending' }))
      .catch((error: unknown) => error);
    expect((failure as QueryFailedError & { driverError: { constraint?: string } }).driverError.constraint).toBe('uq_settlements_payment_chain_pending');
  });

  describe('settlement transactions', () => {
    const gasPayer = randomAddress();
    const signed = (nonce: bigint) => ({
      id: newId('settlementTransaction'),
      chainId,
      from: gasPayer,
      to: randomAddress(),
      nonce,
      txHash: randomHash(),
      rawTransaction: randomHash(),
      gasLimit: 100_000n,
      fees: { maxFeePerGas: 2n, maxPriorityFeePerGas: 1n },
      batchSize: 1,
    });
    const insert = (tx: ReturnType<typeof signed>) =>
      db.dataSource.transaction((manager) => new SettlementTransactionsRepository(db.dataSource).insert(manager, tx)).catch((error: unknown) => error);
    const constraintOf = (error: unknown) => (error as { driverError?: { constraint?: string } }).driverError?.constraint;

    it('never stores two transactions for one nonce of a gas payer, nor two unfinished ones', async () => {
      const transactions = new SettlementTransactionsRepository(db.dataSource);
      const first = signed(7n);
      expect(await insert(first)).toBeUndefined();
      expect(constraintOf(await insert(signed(8n)))).toBe('uq_settlement_transactions_in_flight');

      await db.dataSource.transaction((manager) => transactions.finish(manager, first.id, { status: 'dropped', error: 'test' }, now));
      expect(constraintOf(await insert(signed(7n)))).toBe('uq_settlement_transactions_sender_nonce');
      expect(await insert(signed(8n))).toBeUndefined();
      expect(await transactions.highestNonce(chainId, gasPayer)).toBe(8n);
    });

    it('keeps every hash signed for a nonce when a replacement is recorded', async () => {
      const transactions = new SettlementTransactionsRepository(db.dataSource);
      const first = signed(1n);
      await insert(first);
      const replacement = { txHash: randomHash(), rawTransaction: randomHash(), fees: { maxFeePerGas: 3n, maxPriorityFeePerGas: 2n } };

      expect(await transactions.recordReplacement(first.id, replacement)).toBe(true);

      expect(await transactions.inFlight(chainId, gasPayer)).toMatchObject({
        nonce: 1n,
        txHash: replacement.txHash,
        txHashes: [first.txHash, replacement.txHash],
        fees: replacement.fees,
        replacements: 1,
        broadcastAt: null,
      });
    });
  });
});
