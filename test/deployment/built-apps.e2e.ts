import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

import { DataSource } from 'typeorm';
import { type Address, erc20Abi } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES, type LocalChain, startLocalChain } from '@kassa/chain';
import type { PaymentObject } from '@kassa/domain';
import { createDataSourceOptions, findFreePort } from '@kassa/persistence';
import { createTestDatabase, eventually, startWebhookReceiver, type TestDatabase, type WebhookReceiver } from '@kassa/testing';

import { createMerchantWithKey } from '@kassa/api';
import { mineBlocks, spawnKassaApp, type WatcherProcess } from '@kassa/testing/scenario';

const ROOT = path.join(__dirname, '../..');
/** Boot of a process: under a second alone, far more when other suites load the cores. */
const BOOT_MS = 90_000;

/**
 * The apps as the image runs them (Dockerfile: `npm run build`, then `npm run serve:<app>`):
 * compiled to `dist/`, started without compiling TypeScript, with the files they read beside
 * their code (checkout assets). A payment goes from its creation through the built api to
 * PAID by the built watcher and its webhooks delivered by the built worker.
 */
describe('the built apps', () => {
  let db: TestDatabase;
  let chain: LocalChain;
  let receiver: WebhookReceiver;
  const processes: WatcherProcess[] = [];

  beforeAll(async () => {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: ROOT, timeout: 5 * 60_000 });
    [db, chain, receiver] = await Promise.all([createTestDatabase(), startLocalChain({ confirmations: 1 }), startWebhookReceiver()]);
  }, 6 * 60_000);

  afterAll(async () => {
    await Promise.all(processes.map((process) => process.kill('SIGKILL')));
    await receiver?.close();
    await chain?.stop();
    await db?.drop();
  });

  it('take a payment from creation to PAID with its webhooks delivered', async () => {
    const dataSource = await new DataSource(createDataSourceOptions(db.url, { poolSize: 2 })).initialize();
    const { apiKey } = await createMerchantWithKey(dataSource, { name: 'Built shop', treasuryAddress: HARDHAT_ACCOUNTS[LOCAL_ROLES.treasury]!.address });
    await dataSource.destroy();
    const apiPort = await findFreePort();
    const env = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      KASSA_CHAINS: JSON.stringify([{ ...chain.config, wsUrl: undefined, startBlock: Number(await chain.publicClient.getBlockNumber()) }]),
      KASSA_LOG_LEVEL: 'warn',
      KASSA_WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      KASSA_PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
    };
    const api = spawnKassaApp('api', { ...env, KASSA_API_PORT: String(apiPort) }, [], { built: true });
    const watcher = spawnKassaApp('watcher', env, [], { built: true });
    const worker = spawnKassaApp('worker', env, [], { built: true });
    processes.push(api, watcher, worker);
    const output = (): string => processes.map((process) => process.output()).join('\n');

    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await eventually(async () => ((await fetch(`${apiUrl}/health/live`).catch(() => null))?.ok ? true : undefined), { timeoutMs: BOOT_MS, what: () => `the built api:\n${output()}` });
    const call = async <T>(method: string, route: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const response = await fetch(`${apiUrl}${route}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as T };
    };
    expect((await call('POST', '/v1/webhook-endpoints', { url: receiver.url })).status).toBe(201);
    const created = await call<PaymentObject>('POST', '/v1/payments', { amount: '5', currency: 'USDC' });
    expect(created.status).toBe(201);
    const payment = created.body;

    // The checkout page and its assets, read from disk beside the compiled code.
    const checkout = await fetch(payment.checkoutUrl);
    expect(checkout.status).toBe(200);
    const script = (await checkout.text()).match(/<script[^>]+src="([^"]+)"/)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(new URL(script!, payment.checkoutUrl));
    expect(asset.status).toBe(200);
    expect((await asset.text()).length).toBeGreaterThan(0);

    const customer = chain.wallet(LOCAL_ROLES.customers[0]);
    const hash = await customer.writeContract({ address: chain.contracts.tokens.USDC, abi: erc20Abi, functionName: 'transfer', args: [payment.depositAddress as Address, 5_000_000n] });
    await chain.publicClient.waitForTransactionReceipt({ hash });
    await mineBlocks(chain.node.rpcUrl, 1);
    await eventually(
      async () => {
        const read = await call<PaymentObject>('GET', `/v1/payments/${payment.id}`);
        return read.body.status === 'PAID' ? true : undefined;
      },
      { timeoutMs: BOOT_MS, what: () => `the payment PAID by the built watcher:\n${output()}` },
    );
    const delivered = await receiver.waitFor(2, BOOT_MS);
    expect(delivered.map((webhook) => (JSON.parse(webhook.body) as { type: string }).type).sort()).toEqual(['payment.created', 'payment.paid']);
  });
});
