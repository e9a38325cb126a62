import { type RpcProxy, startRpcProxy, waitFor } from '@kassa/testing';

import { eth, type RunningWatcher, useWatcherTestKit } from '@kassa/testing/scenario';

/**
 * Two chains, A read through a proxy so a test can keep its watcher from seeing it, and a
 * watcher following both. Each describe block has its own: the PAID_LATE test moves chain A's
 * clock ahead (`evm_setNextBlockTimestamp`), which would make the USDC of the OVERPAID test,
 * sent before the payment was paid, look later than it.
 */
function useTwoChains(): { kit: ReturnType<typeof useWatcherTestKit>; proxy: () => RpcProxy; watcher: () => RunningWatcher } {
  const kit = useWatcherTestKit({
    chains: [
      { chainId: 31337, confirmations: 1, name: 'Local A' },
      { chainId: 1337, confirmations: 1, name: 'Local B' },
    ],
  });
  let proxy: RpcProxy;
  let watcher: RunningWatcher;

  beforeAll(async () => {
    proxy = await startRpcProxy(kit.chains[0]!.node.rpcUrl);
    watcher = await kit.startWatcher({
      config: (config) => ({ ...config, chains: config.chains.map((chain) => (chain.chainId === 31337 ? { ...chain, rpcUrls: [proxy.url], wsUrl: undefined } : chain)) }),
    });
  });
  afterAll(async () => {
    await watcher?.stop();
    await proxy?.close();
  });
  return { kit, proxy: () => proxy, watcher: () => watcher };
}

/**
 * A priced payment paid in ETH on one chain while the customer also sent USDC on another, and
 * the other chain's watcher records the USDC only after the payment became PAID (its node was
 * away meanwhile). The USDC arrived before the payment was paid, so it is an overpayment, not
 * a late transfer: exception OVERPAID (and `payment.late_transfer`, since it was recorded
 * after the final state), whichever chain's watcher got there first.
 */
describe('watcher: value on two chains, recorded in either order', () => {
  describe('recorded after the payment was paid', () => {
    const { kit, proxy: theProxy, watcher: theWatcher } = useTwoChains();

    it('USDC sent on chain A before the ETH on chain B paid: OVERPAID, not PAID_LATE', async () => {
      const [proxy, watcher] = [theProxy(), theWatcher()];
      const [a, b] = kit.chains as [(typeof kit.chains)[0], (typeof kit.chains)[0]];
      const payment = await kit.createPricedPayment({ price: '25', accepted: [{ coin: 'ETH', chain: b }, { coin: 'USDC', chain: a }] });
      await kit.waitUntilWatched(watcher, payment);

      await proxy.setMode('down');
      await kit.pay('USDC', payment.depositAddress, 5_000_000n, 1, a);
      await kit.pay('ETH', payment.depositAddress, eth('0.01'), 1, b);
      await kit.waitForCursor(await kit.mine(1, b), watcher, b);
      expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: null, chainId: 1337 });

      await proxy.setMode('pass');
      await waitFor(
        () => kit.transfersOf(payment.id),
        (transfers) => transfers.length === 2,
        (transfers) => `transfers: ${JSON.stringify(transfers?.map((t) => [t.chainId, String(t.amount)]))}`,
      );
      await kit.waitForCursor(await kit.mine(1, a), watcher, a);

      expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: 'OVERPAID', chainId: 1337 });
      expect(await kit.eventTypes(payment.id)).toEqual(['payment.created', 'payment.paid', 'payment.late_transfer']);
    });
  });

  describe('sent after the payment was paid', () => {
    const { kit, watcher: theWatcher } = useTwoChains();

    it('USDC sent on chain A after the payment was paid: PAID_LATE', async () => {
      const watcher = theWatcher();
      const [a, b] = kit.chains as [(typeof kit.chains)[0], (typeof kit.chains)[0]];
      const payment = await kit.createPricedPayment({ price: '25', accepted: [{ coin: 'ETH', chain: b }, { coin: 'USDC', chain: a }] });
      await kit.waitUntilWatched(watcher, payment);
      await kit.pay('ETH', payment.depositAddress, eth('0.01'), 1, b);
      await kit.waitForCursor(await kit.mine(1, b), watcher, b);
      const { paidAt } = await kit.payment(payment.id);
      expect(paidAt).not.toBeNull();
      // The USDC's block is stamped two seconds after paidAt (block times are whole seconds, and a
      // node's clock is not the watcher's: the test says "after" with the block's own time).
      await kit.rpc('evm_setNextBlockTimestamp', [Math.floor(paidAt!.getTime() / 1000) + 2], a);

      const { blockNumber } = await kit.pay('USDC', payment.depositAddress, 5_000_000n, 1, a);
      await kit.waitForCursor(blockNumber, watcher, a);

      expect(await kit.payment(payment.id)).toMatchObject({ status: 'PAID', exception: 'PAID_LATE' });
    });
  });
});
