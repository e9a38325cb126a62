import { erc20Abi, type Address } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_PAYOUT_LIMITS, LOCAL_ROLES } from '@kassa/chain';
import type { PaymentObject, RefundObject } from '@kassa/domain';
import { eventually, type RpcProxy, startRpcProxy } from '@kassa/testing';

import { spawnKassaApp, useTestKassa, type WatcherProcess } from '@kassa/testing/scenario';

const PAYOUT_KEY = HARDHAT_ACCOUNTS[LOCAL_ROLES.payoutWallet]!.privateKey;

/** Boot of a worker process: a few seconds idle, far more when other suites load the cores. */
const BOOT_MS = 90_000;

/**
 * No refund is ever sent twice (docs/refunds.md "Guarantees"): the worker runs as its own
 * process, reading the chain through an RPC proxy, and is killed with SIGKILL at the moment it
 * hands the signed refund to the node: once before the node gets it, once after the node
 * took it but before the worker noted so. A new worker follows up from what was stored: the
 * customer receives the amount exactly once, and the payout wallet spends exactly one nonce.
 * The key never reaches the processes' output, not even at debug level.
 */
describe('a worker killed while sending a refund', () => {
  const kassa = useTestKassa({ confirmations: 1, payouts: true, apps: { watcher: true, worker: false } });
  let proxy: RpcProxy;
  const workers: WatcherProcess[] = [];
  const customer = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[2]]!.address;
  const payoutWallet = HARDHAT_ACCOUNTS[LOCAL_ROLES.payoutWallet]!.address;

  beforeAll(async () => {
    proxy = await startRpcProxy(kassa.chain.node.rpcUrl);
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await proxy?.close();
  });

  /** A worker process that pays out, reading the chain only through the proxy. */
  function startWorker(): WatcherProcess {
    const worker = spawnKassaApp('worker', {
      DATABASE_URL: kassa.database.url,
      DATABASE_POOL_SIZE: '4',
      KASSA_CHAINS: JSON.stringify([{ ...kassa.chain.config, rpcUrls: [proxy.url], wsUrl: undefined, rpcTimeoutMs: 2000 }]),
      KASSA_PAYOUT_PRIVATE_KEY: PAYOUT_KEY,
      KASSA_PAYOUT_LIMITS: JSON.stringify(LOCAL_PAYOUT_LIMITS),
      KASSA_PAYOUT_INTERVAL_MS: '200',
      KASSA_JOBS_SETTLEMENT: 'false',
      KASSA_LOG_LEVEL: 'debug',
    });
    workers.push(worker);
    return worker;
  }

  const usdc = (): Address => kassa.chain.contracts.tokens.USDC;
  const balance = (): Promise<bigint> => kassa.chain.publicClient.readContract({ address: usdc(), abi: erc20Abi, functionName: 'balanceOf', args: [customer] });
  const nonce = (): Promise<number> => kassa.chain.publicClient.getTransactionCount({ address: payoutWallet, blockTag: 'latest' });

  async function paidPayment(): Promise<PaymentObject> {
    const payment = await kassa.createPayment({ amount: '7', currency: 'USDC' });
    await kassa.send(payment.depositAddress as Address, usdc(), 7_000_000n);
    return kassa.waitForStatus(payment.id, 'PAID');
  }

  const refundOf = async (id: string): Promise<RefundObject> => (await kassa.request<RefundObject>('GET', `/v1/refunds/${id}`)).body;
  const rows = (query: string, params: unknown[]) => kassa.dataSource.query<Record<string, string>[]>(query, params);

  it.each([
    ['before the node received it', 'before'],
    ['after the node took it, before the worker noted so', 'after'],
  ] as const)('killed %s: the next worker finishes the refund with the same transaction, never a second', async (_moment, when) => {
    const payment = await paidPayment();
    const [balanceBefore, nonceBefore] = [await balance(), await nonce()];
    let broadcasts = 0;
    const first = startWorker();
    proxy.setInterceptor((call, result) => {
      if (call.method !== 'eth_sendRawTransaction') return undefined;
      const now = when === 'before' ? result === undefined : result !== undefined;
      if (!now) return undefined;
      broadcasts++;
      void first.kill('SIGKILL');
      return when === 'before' ? { code: -32000, message: 'the worker died before this reached the node' } : undefined;
    });
    const created = await kassa.request<RefundObject>('POST', `/v1/payments/${payment.id}/refunds`, { address: customer }, { 'idempotency-key': `crash-${when}` });
    expect(created.status).toBe(201);
    await eventually(async () => (broadcasts > 0 ? true : undefined), { timeoutMs: BOOT_MS, what: `the first worker to broadcast:\n${first.output().slice(-3000)}` });
    await first.exited;
    proxy.setInterceptor(null);

    // What the dead worker left: the signed transaction stored, the refund sent.
    const [stored] = await rows(`SELECT t.status, t.broadcast_at, t.nonce::text FROM payouts p JOIN settlement_transactions t ON t.id = p.transaction_id WHERE p.refund_id = $1`, [created.body.id]);
    expect(stored).toMatchObject({ status: 'pending', broadcast_at: null, nonce: String(nonceBefore) });
    expect((await refundOf(created.body.id)).status).toBe('sent');
    expect(await nonce()).toBe(when === 'before' ? nonceBefore : nonceBefore + 1);

    const second = startWorker();
    const done = await eventually(async () => {
      const current = await refundOf(created.body.id);
      if (current.status === 'confirmed') return current;
      await kassa.mine(1);
      return undefined;
    }, { timeoutMs: BOOT_MS, what: `the second worker to confirm the refund:\n${second.output().slice(-3000)}` });
    await second.kill('SIGTERM');

    expect(await balance()).toBe(balanceBefore + 7_000_000n);
    expect(await nonce()).toBe(nonceBefore + 1);
    const transactions = await rows(`SELECT t.status, t.mined_tx_hash FROM settlement_transactions t WHERE t.from_address = $1 AND t.nonce = $2`, [payoutWallet, nonceBefore]);
    expect(transactions).toEqual([{ status: 'confirmed', mined_tx_hash: done.txHash }]);
    const events = await rows(`SELECT type FROM events WHERE payload->'data'->>'id' = $1 ORDER BY id`, [created.body.id]);
    expect(events.map((event) => event.type)).toEqual(['refund.created', 'refund.sent', 'refund.confirmed']);
    // Debug logs of a crash and a recovery: the payout key is in none of them.
    const output = first.output() + second.output();
    expect(output).toMatch(/payout .* in 0x[0-9a-f]{64}/);
    expect(output.toLowerCase()).not.toContain(PAYOUT_KEY.slice(2).toLowerCase());
  });

  it('refuses to start with the payout key of a gas payer, naming the setting and never the key', async () => {
    const worker = spawnKassaApp('worker', {
      DATABASE_URL: kassa.database.url,
      KASSA_CHAINS: JSON.stringify([kassa.chain.config]),
      KASSA_PAYOUT_PRIVATE_KEY: PAYOUT_KEY,
      KASSA_SETTLEMENT_PRIVATE_KEY: PAYOUT_KEY,
      KASSA_LOG_LEVEL: 'debug',
    });
    workers.push(worker);
    expect(await worker.exited).not.toBe(0);
    expect(worker.output()).toContain('KASSA_PAYOUT_PRIVATE_KEY: must not be a settlement gas payer key');
    expect(worker.output().toLowerCase()).not.toContain(PAYOUT_KEY.slice(2).toLowerCase());
  });
});
