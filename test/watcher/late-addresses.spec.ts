import type { Payment } from '@kassa/domain';
import { seededRandom, waitFor } from '@kassa/testing';
import { WatchedAddressesService } from '@kassa/watcher';

import { eth, type RunningWatcher, type TestCoin, useWatcherTestKit } from '@kassa/testing/scenario';

/** The run's seed: `KASSA_LATE_ADDRESSES_SEED` replays its order of payments, learnings and blocks. */
const SEED = Number(process.env.KASSA_LATE_ADDRESSES_SEED ?? 20261207);
const PAYMENTS = 12;

/**
 * Deposit addresses learnt late, in random order against the blocks that pay them
 * (docs/watcher.md "Watched addresses"): each payment is paid and its address learnt (a
 * notification, or a full reload) in a seeded random order, with blocks mined and stored in
 * between, so some addresses are learnt long after the block that pays them was stored,
 * some before it was mined. Whatever the order, every payment ends PAID with exactly its one
 * transfer, counted once.
 */
describe('watcher: addresses learnt in any order against their transfers', () => {
  const kit = useWatcherTestKit();
  let watcher: RunningWatcher;

  afterAll(async () => {
    await watcher?.stop();
  });

  it('finds every transfer once, however late its address is learnt', async () => {
    const rng = seededRandom(SEED);
    watcher = await kit.startWatcher({ watcher: { watchedRefreshMs: 3_600_000 } });
    await kit.waitForCursor(await kit.head(), watcher);
    const service = watcher.app.get(WatchedAddressesService);

    const payments: { payment: Payment; coin: TestCoin; amount: bigint; hash?: string }[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      const coin: TestCoin = i % 3 === 0 ? 'ETH' : 'USDC';
      const amount = coin === 'ETH' ? eth('0.001') + BigInt(i) : 1_000_000n + BigInt(i);
      payments.push({ payment: await kit.storePayment(coin, { amount }), coin, amount });
    }
    const steps = payments.flatMap((_, i) => [{ kind: 'pay' as const, i }, { kind: 'learn' as const, i }]);
    for (let i = steps.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [steps[i], steps[j]] = [steps[j]!, steps[i]!];
    }

    for (const step of steps) {
      const entry = payments[step.i]!;
      if (step.kind === 'pay') {
        entry.hash = (await kit.pay(entry.coin, entry.payment.depositAddress, entry.amount)).hash;
      } else if (rng() < 0.25) {
        await service.refresh(); // learns every address not learnt yet
      } else {
        const { chainId, depositAddress, id } = entry.payment;
        service.add({ chainId, depositAddress, paymentId: id, acceptsNative: entry.coin === 'ETH' });
      }
      const blocks = Math.floor(rng() * 3);
      if (blocks > 0) await kit.mine(blocks);
      // Often the watcher stores everything before the next step: the late cases.
      if (rng() < 0.5) await kit.waitForCursor(await kit.head(), watcher);
    }
    await kit.waitForCursor(await kit.mine(kit.chain.config.confirmations), watcher);

    for (const { payment, amount, hash } of payments) {
      await waitFor(
        async () => (await kit.payment(payment.id)).status,
        (status) => status === 'PAID',
        (status) => `payment ${payment.id} is ${status} (seed ${SEED})`,
        10_000,
      );
      expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: amount });
      expect(await kit.transfersOf(payment.id)).toEqual([expect.objectContaining({ txHash: hash, amount, status: 'active' })]);
      expect((await kit.eventTypes(payment.id)).filter((type) => type !== 'payment.pending')).toEqual(['payment.created', 'payment.paid']);
    }
  });
});
