import { Injectable } from '@nestjs/common';

import type { EntityManager } from 'typeorm';

import { ChainCursorsRepository, PaymentsRepository, type PaymentState } from '@kassa/persistence';
import { PaymentEventsService } from '@kassa/webhooks';
import { waitFor } from '@kassa/testing';

import { eth, useWatcherTestKit } from '@kassa/testing/scenario';

/** Fails the first `failuresLeft` event appends, the step's last statement, as a crash before the commit would. */
@Injectable()
class FailingPaymentEvents extends PaymentEventsService {
  static failuresLeft = 0;
  static failed = 0;

  // The watcher appends its events last in a step, after the payments' update.
  override async recordPrepared(...args: Parameters<PaymentEventsService['recordPrepared']>): ReturnType<PaymentEventsService['recordPrepared']> {
    const [, prepared] = args;
    if (prepared.events.length > 0 && FailingPaymentEvents.failuresLeft > 0) {
      FailingPaymentEvents.failuresLeft--;
      FailingPaymentEvents.failed++;
      throw new Error('injected failure before commit');
    }
    return super.recordPrepared(...args);
  }
}

/**
 * Fails the first `failuresLeft` payment updates in PostgreSQL (a failing statement aborts
 * the step's transaction), while the watcher builds the step's events.
 */
@Injectable()
class FailingPaymentsUpdate extends PaymentsRepository {
  static failuresLeft = 0;
  static failed = 0;

  override async updateStates(changes: readonly PaymentState[], manager?: EntityManager): Promise<string[]> {
    if (changes.length > 0 && FailingPaymentsUpdate.failuresLeft > 0 && manager) {
      FailingPaymentsUpdate.failuresLeft--;
      FailingPaymentsUpdate.failed++;
      await manager.query(`SELECT 1 / 0`);
    }
    return super.updateStates(changes, manager);
  }
}

/** Fails building the first `failuresLeft` batches of events, while the payments' update is in flight. */
@Injectable()
class FailingEventBuild extends PaymentEventsService {
  static failuresLeft = 0;
  static failed = 0;

  override async prepareMany(...args: Parameters<PaymentEventsService['prepareMany']>): ReturnType<PaymentEventsService['prepareMany']> {
    const [, entries] = args;
    if (entries.length > 0 && FailingEventBuild.failuresLeft > 0) {
      FailingEventBuild.failuresLeft--;
      FailingEventBuild.failed++;
      throw new Error('injected failure while building events');
    }
    return super.prepareMany(...args);
  }
}

/**
 * Continuity: the watcher resumes from its stored cursor after a stop, a failed step
 * leaves nothing behind, and a standby takes over from a stopped leader. No transfer is
 * lost or counted twice.
 */
describe('watcher: restarts, failures and standby', () => {
  const kit = useWatcherTestKit();
  const cursorOf = async (): Promise<bigint | undefined> =>
    (await new ChainCursorsRepository(kit.db.dataSource).get(kit.chain.config.chainId))?.blockNumber;

  it('stopped mid-way and restarted, it resumes from the cursor with every transfer stored once', async () => {
    const first = await kit.startWatcher();
    const a = await kit.createPayment('USDC', { amount: 10_000_000n });
    const b = await kit.createPayment('USDC', { amount: 10_000_000n });
    const c = await kit.createPayment('ETH', { amount: eth('1') });
    await Promise.all([a, b, c].map((payment) => kit.waitUntilWatched(first, payment)));

    const early = await kit.pay('USDC', a.depositAddress, 4_000_000n);
    await kit.waitForCursor(early.blockNumber, first);
    expect((await kit.payment(a.id)).status).toBe('PENDING');
    await first.stop();
    const stoppedAt = await cursorOf();

    await kit.pay('USDC', a.depositAddress, 6_000_000n, 2);
    await kit.pay('USDC', b.depositAddress, 10_000_000n, 3);
    await kit.pay('ETH', c.depositAddress, eth('1'), 4);
    const head = await kit.mine(3);
    expect(await cursorOf()).toBe(stoppedAt);

    const second = await kit.startWatcher();
    await kit.waitForCursor(head, second);

    expect((await kit.transfersOf(a.id)).map((t) => t.amount)).toEqual([4_000_000n, 6_000_000n]);
    expect((await kit.transfersOf(b.id)).map((t) => t.amount)).toEqual([10_000_000n]);
    expect((await kit.transfersOf(c.id)).map((t) => t.amount)).toEqual([eth('1')]);
    for (const payment of [a, b, c]) {
      expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, amountReceived: payment.amount });
      expect((await kit.eventTypes(payment.id)).filter((type) => type === 'payment.paid')).toHaveLength(1);
    }
    expect(await kit.eventTypes(a.id)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
    await second.stop();
  });

  it.each([
    ['appending its events fails, after the payments\' update', PaymentEventsService, FailingPaymentEvents],
    ['the payments\' update fails in PostgreSQL while the events are built', PaymentsRepository, FailingPaymentsUpdate],
    ['building the events fails while the payments\' update runs', PaymentEventsService, FailingEventBuild],
  ] as const)('a step in which %s stores nothing, and its retry stores everything once', async (_name, provider, failing) => {
    const watcher = await kit.startWatcher({ overrides: (builder) => builder.overrideProvider(provider).useClass(failing) });
    const payment = await kit.createPayment('USDC', { amount: 3_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    failing.failed = 0;
    failing.failuresLeft = 2;

    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 3_000_000n);
    await kit.waitForCursor(blockNumber, watcher);

    expect(failing.failed).toBe(2);
    expect(await kit.transfersOf(payment.id)).toHaveLength(1);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING' });
    expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.pending']);
    await watcher.stop();
  });

  it('a second watcher stands by while the first leads the chain, and takes over when it stops', async () => {
    const leader = await kit.startWatcher();
    const standby = await kit.startWatcher({ leader: false });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(standby.followers.status()[0]?.state).toBe('standby');

    await leader.stop();
    await waitFor(
      async () => standby.followers.status()[0]?.state,
      (state) => state === 'following',
      (state) => `standby is ${state}`,
    );
    const payment = await kit.createPayment('USDT', { amount: 1_000_000n });
    await kit.waitUntilWatched(standby, payment);
    const { blockNumber } = await kit.pay('USDT', payment.depositAddress, 1_000_000n);
    await kit.waitForCursor(blockNumber, standby);
    expect((await kit.payment(payment.id)).status).toBe('PENDING');
    await standby.stop();
  });
});
