import { addOwnPaymentOptions } from '@kassa/persistence';
import { WatchedAddressesService } from '@kassa/watcher';
import { waitFor } from '@kassa/testing';

import { useWatcherTestKit } from '@kassa/testing/scenario';

const OPEN_PAYMENTS = 20_000;

/**
 * Scale: the watched deposit addresses are held in memory (loaded once, then kept current
 * by LISTEN/NOTIFY), and the work of a block does not grow with the number of open
 * payments: a block re-evaluates only the payments it touches and those whose transfers
 * are still gathering confirmations, never the open ones that received nothing nor the
 * underpaid ones waiting for a top-up.
 */
describe('watcher: many open payments', () => {
  const kit = useWatcherTestKit();

  beforeAll(async () => {
    // Open payments nobody pays, inserted in one statement (the API would create them one by one).
    await kit.db.dataSource.query(
      `INSERT INTO payments (id, merchant_id, status, chain_id, currency, token_address, token_decimals, amount, amount_minimum,
                             deposit_address, salt, treasury_address, factory_address, required_confirmations, expires_at)
       SELECT 'pay_SCALE' || lpad(i::text, 21, '0'), $1, 'CREATED', $2, 'USDC', $3, 6, 1000000, 1000000,
              '0xa' || lpad(to_hex(i), 39, '0'), '0x' || lpad(to_hex(i), 64, '0'), $4, $5, 3, now() + interval '1 day'
       FROM generate_series(1, $6::int) AS i`,
      [kit.merchant.id, kit.chain.config.chainId, kit.chain.contracts.tokens.USDC, kit.merchant.treasuryAddress, kit.chain.contracts.factory, OPEN_PAYMENTS],
    );
    await addOwnPaymentOptions(kit.db.dataSource.manager);
  });

  it(`with ${OPEN_PAYMENTS} open payments watched in memory, a block re-evaluates only the payments it concerns`, async () => {
    const watcher = await kit.startWatcher();
    const list = watcher.app.get(WatchedAddressesService).forChain(kit.chain.config.chainId);
    expect(list.size).toBeGreaterThanOrEqual(OPEN_PAYMENTS);

    // A payment created now is watched through its notification, without a reload.
    const payment = await kit.createPayment('USDC', { amount: 3_000_000n });
    await kit.waitUntilWatched(watcher, payment);
    expect(list.size).toBe(OPEN_PAYMENTS + 1);
    const lastStep = () => watcher.followers.status()[0]!.lastStep;

    const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 1_000_000n);
    await kit.waitForCursor(blockNumber, watcher);
    expect(lastStep()).toMatchObject({ toBlock: blockNumber, newTransfers: 1, evaluatedPayments: 1, changedPayments: 1 });

    // While its transfer gathers confirmations, only that payment is looked at again.
    const confirmed = await kit.mine(2);
    await kit.waitForCursor(confirmed, watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PENDING', amountReceived: 1_000_000n });

    // Underpaid and confirmed, it waits for a top-up: a block with nothing for it evaluates no payment at all.
    const empty = await kit.mine(1);
    await waitFor(async () => lastStep(), (step) => step?.toBlock === empty, (step) => `last step: ${JSON.stringify(step, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
    expect(lastStep()).toMatchObject({ newTransfers: 0, evaluatedPayments: 0, changedPayments: 0 });

    // The top-up is seen and counted as usual.
    await kit.pay('USDC', payment.depositAddress, 2_000_000n, 2);
    await kit.waitForCursor(await kit.mine(2), watcher);
    expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', amountReceived: 3_000_000n });
    await watcher.stop();
  });
});
