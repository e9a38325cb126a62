import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { parseUnits, type Address } from 'viem';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';

import { HARDHAT_ACCOUNTS } from '@kassa/chain';
import type { PaymentObject, SettlementObject } from '@kassa/domain';
import { SettlePaymentsJob } from '@kassa/worker';

import { createMerchantWithKey } from '@kassa/api';
import { runKassaCli, settlementWorld, useTestKassa } from '@kassa/testing/scenario';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../..');

/**
 * A merchant's settlement policy decides when its deposit addresses are flushed: under a
 * threshold, value waits until enough has gathered and then settles in one transaction; with
 * settlement off, Kassa moves nothing and the merchant flushes with a plain viem script.
 */
describe('settlement policy', () => {
  const kassa = useTestKassa({ confirmations: 2, settlement: true });
  const world = settlementWorld(() => kassa);

  /** A merchant of its own with a fresh treasury address, so its balances are its alone. */
  async function shop(name: string): Promise<{ apiKey: string; treasury: Address }> {
    const treasury = privateKeyToAccount(generatePrivateKey()).address;
    const { apiKey } = await createMerchantWithKey(kassa.dataSource, { name, treasuryAddress: treasury });
    return { apiKey, treasury };
  }

  const auth = (apiKey: string) => ({ authorization: `Bearer ${apiKey}` });

  /** One full settlement run of the worker that started after `since` (the interval may be mid-run). */
  async function fullRun(): Promise<void> {
    const job = kassa.get(SettlePaymentsJob);
    await job.runOnce();
    await job.runOnce();
  }

  it('is immediate by default, and can be read and replaced over the API', async () => {
    const { apiKey } = await shop('Policy shop');
    const initial = await kassa.request('GET', '/v1/settlement-policy', undefined, auth(apiKey));
    expect(initial.body).toEqual({ object: 'settlement_policy', mode: 'immediate', thresholds: {}, intervalSeconds: null, maxWaitSeconds: null, nextScheduledAt: null, updatedAt: null });

    const scheduled = await kassa.request<{ mode: string; intervalSeconds: number; nextScheduledAt: string }>('PUT', '/v1/settlement-policy', { mode: 'schedule', intervalSeconds: 3600 }, auth(apiKey));
    expect(scheduled.status).toBe(200);
    expect(scheduled.body).toMatchObject({ mode: 'schedule', intervalSeconds: 3600 });
    expect(new Date(scheduled.body.nextScheduledAt).getTime()).toBeGreaterThan(Date.now() + 3_500_000);

    const invalid = await kassa.request<{ code: string; errors: { field: string }[] }>(
      'PUT',
      '/v1/settlement-policy',
      { mode: 'threshold', thresholds: { USDC: '0.0000001', XYZ: '5' } },
      auth(apiKey),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.body.code).toBe('validation_failed');
    expect(invalid.body.errors.map((e) => e.field)).toEqual(['thresholds.USDC', 'thresholds.XYZ']);
    expect((await kassa.request('PUT', '/v1/settlement-policy', { mode: 'sometimes' }, auth(apiKey))).status).toBe(400);
  });

  it('threshold: value below it waits; the payment that reaches it settles every waiting one in one transaction', async () => {
    const { apiKey, treasury } = await shop('Threshold shop');
    const policy = await kassa.request('PUT', '/v1/settlement-policy', { mode: 'threshold', thresholds: { usdc: '30' } }, auth(apiKey));
    expect(policy.status).toBe(200);

    const first = await world.paid({ amount: '10', currency: 'USDC' }, apiKey);
    const second = await world.paid({ amount: '10', currency: 'USDC' }, apiKey);
    await fullRun();
    for (const payment of [first, second]) {
      expect((await world.payment(payment.id, apiKey)).settlement).toMatchObject({ status: 'unsettled', txHash: null });
    }
    expect(await world.balance(world.tokenOf('USDC'), treasury)).toBe(0n);

    const third = await world.paid({ amount: '10', currency: 'USDC' }, apiKey);
    const settled = await Promise.all([first, second, third].map((payment) => world.settled(payment.id, { apiKey })));

    const hashes = new Set(settled.map((payment) => payment.settlement!.txHash));
    expect(hashes.size).toBe(1);
    const [settlement] = await world.settlementsOf(third.id, apiKey);
    expect(settlement!.transaction!.batchSize).toBe(3);
    expect(await world.balance(world.tokenOf('USDC'), treasury)).toBe(parseUnits('30', 6));
  });

  it('off: Kassa moves nothing; the merchant flushes the deposit address with the documented viem script', async () => {
    const { apiKey, treasury } = await shop('Self-settling shop');
    await kassa.request('PUT', '/v1/settlement-policy', { mode: 'off' }, auth(apiKey));
    const usdc = world.tokenOf('USDC');
    const paid = await world.paid({ amount: '12', currency: 'USDC' }, apiKey);
    await fullRun();

    expect((await world.payment(paid.id, apiKey)).settlement).toEqual({ status: 'off', id: null, txHash: null, settledAt: null });
    expect(await world.settlementsOf(paid.id, apiKey)).toEqual([]);
    expect(await world.balance(usdc, paid.depositAddress as Address)).toBe(parseUnits('12', 6));

    const script = await run(process.execPath, [path.join(ROOT, 'docs/examples/flush-deposit-address.mjs')], {
      cwd: ROOT,
      timeout: 60_000,
      env: {
        ...process.env,
        RPC_URL: kassa.chain.node.rpcUrl,
        PRIVATE_KEY: HARDHAT_ACCOUNTS[4]!.privateKey, // any funded account pays the gas
        FACTORY: kassa.chain.contracts.factory,
        TREASURY: treasury,
        PAYMENT_ID: paid.id,
        TOKENS: `${usdc},native`,
        DEPOSIT_ADDRESS: paid.depositAddress,
      },
    });

    expect(script.stdout).toContain(`Deposit address of ${paid.id}: ${paid.depositAddress}`);
    expect(script.stdout).toMatch(/Flushed to 0x[0-9a-fA-F]{40} in 0x[0-9a-f]{64} \(block \d+, success\)/);
    expect(await world.balance(usdc, treasury)).toBe(parseUnits('12', 6));
    expect(await world.balance(usdc, paid.depositAddress as Address)).toBe(0n);
    await fullRun();
    expect((await world.payment(paid.id, apiKey)).settlement?.status).toBe('off');
  });

  it('a deposit address someone else already flushed is recorded settled, without a transaction', async () => {
    const { apiKey, treasury } = await shop('Quick shop');
    await kassa.request('PUT', '/v1/settlement-policy', { mode: 'off' }, auth(apiKey));
    const paid = await world.paid({ amount: '5', currency: 'USDC' }, apiKey);
    await run(process.execPath, [path.join(ROOT, 'docs/examples/flush-deposit-address.mjs')], {
      cwd: ROOT,
      timeout: 60_000,
      env: { ...process.env, RPC_URL: kassa.chain.node.rpcUrl, PRIVATE_KEY: HARDHAT_ACCOUNTS[4]!.privateKey, FACTORY: kassa.chain.contracts.factory, TREASURY: treasury, PAYMENT_ID: paid.id, TOKENS: world.tokenOf('USDC') },
    });

    await kassa.request('PUT', '/v1/settlement-policy', { mode: 'immediate' }, auth(apiKey));
    const settled = await world.settled(paid.id, { apiKey });

    expect(settled.settlement).toMatchObject({ status: 'settled', txHash: null });
    const [settlement] = await world.settlementsOf(paid.id, apiKey);
    expect(settlement).toMatchObject<Partial<SettlementObject>>({ status: 'settled', transaction: null, amounts: [] });
  });

  it('a deposit address that holds less than was counted, and was never flushed, is a shortfall: an alarm, never settled', async () => {
    const { apiKey } = await shop('Short shop');
    await kassa.request('PUT', '/v1/settlement-policy', { mode: 'off' }, auth(apiKey));
    const paid = await world.paid({ amount: '0.02', currency: 'ETH' }, apiKey);
    // The counted coins leave the address without a flush (no clone there): the money is not there.
    await kassa.chain.publicClient.request({ method: 'hardhat_setBalance' as never, params: [paid.depositAddress, '0x1'] as never });

    await kassa.request('PUT', '/v1/settlement-policy', { mode: 'immediate' }, auth(apiKey));
    await fullRun();

    const [settlement] = await world.settlementsOf(paid.id, apiKey);
    expect(settlement).toMatchObject<Partial<SettlementObject>>({ status: 'failed', transaction: null });
    expect(settlement!.error).toContain('Shortfall: the deposit address holds 1 base units of ETH, 20000000000000000 were counted');
    const events = await kassa.dataSource.query<{ type: string }[]>('SELECT type FROM events WHERE payment_id = $1', [paid.id]);
    expect(events.map((event) => event.type)).not.toContain('payment.settled');
    const metrics = await (await fetch(`${kassa.apiUrl}/metrics`)).text();
    expect(metrics).toMatch(/^kassa_settlement_shortfalls [1-9]\d*$/m);
  });

  it('operators list settlements and set policies with the CLI', async () => {
    const { apiKey } = await shop('CLI shop');
    const merchantId = (await kassa.request<{ id: string }>('GET', '/v1/merchant', undefined, auth(apiKey))).body.id;
    const paid: PaymentObject = await world.paid({ amount: '3', currency: 'USDC' }, apiKey);
    const settled = await world.settled(paid.id, { apiKey });
    const env = { ...process.env, DATABASE_URL: kassa.database.url, KASSA_CHAINS: JSON.stringify([kassa.chain.config]) };
    const cli = (args: string[]) => runKassaCli(args, env);

    const [listed, set] = await Promise.all([
      cli(['settlements', 'list', '--merchant', merchantId]),
      cli(['settlement-policy', 'set', 'threshold', '--merchant', merchantId, '--threshold', 'USDC=250', '--max-wait', '86400']),
    ]);

    expect(listed.stdout).toContain(paid.id);
    expect(listed.stdout).toContain(`3 USDC  tx ${settled.settlement!.txHash}`);
    expect(set.stdout).toContain(`Settlement policy of ${merchantId}: threshold`);
    const policy = await kassa.request('GET', '/v1/settlement-policy', undefined, auth(apiKey));
    expect(policy.body).toMatchObject({ mode: 'threshold', thresholds: { USDC: '250' }, maxWaitSeconds: 86400 });
  });
});
