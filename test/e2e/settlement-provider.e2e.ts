import { parseUnits } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES } from '@kassa/chain';
import { type RpcProxy, startRpcProxy } from '@kassa/testing';

import { settlementWorld, useTestKassa } from '@kassa/testing/scenario';

/**
 * Settlement (signing, broadcasting, reconciling the flush) and the rest of Kassa through an
 * RPC URL that behaves like a big provider's: latency with jitter, a rate limit answered with
 * HTTP 429 and `Retry-After`, batches of at most 5 calls. The payment is paid, settled and
 * confirmed; the treasury receives exactly what was paid.
 */
describe('settlement through a provider\'s limits', () => {
  let proxy: RpcProxy | undefined;
  // Registered before the suite's Kassa: its options are read when it starts, after this hook.
  beforeAll(async () => {
    proxy = await startRpcProxy();
    proxy.setProvider({ latencyMs: [50, 200], rateLimit: { perSecond: 30, retryAfterSeconds: 1 }, maxBatch: 5 });
  });
  const kassa = useTestKassa(() => ({
    confirmations: 2,
    settlement: true,
    configure: (config) => {
      const front = proxy!;
      front.setUpstream(config.chains[0]!.rpcUrls[0]!);
      return { ...config, chains: config.chains.map((chain) => ({ ...chain, rpcUrls: [front.url], wsUrl: undefined })) };
    },
  }));
  const world = settlementWorld(() => kassa);

  afterAll(async () => {
    await proxy?.close();
  });

  it('settles a paid payment to the treasury', async () => {
    const treasury = HARDHAT_ACCOUNTS[LOCAL_ROLES.treasury]!.address;
    const usdc = world.tokenOf('USDC');
    const before = await world.balance(usdc, treasury);

    const paid = await world.paid({ amount: '12.5', currency: 'USDC' });
    const settled = await world.settled(paid.id);

    expect(settled.settlement).toMatchObject({ status: 'settled' });
    expect(await world.balance(usdc, treasury)).toBe(before + parseUnits('12.5', 6));
    expect(proxy!.refusals.batches + proxy!.refusals.rateLimited).toBeGreaterThan(0);
  });
});
