import { randomBytes } from 'node:crypto';

import { DataSource } from 'typeorm';
import { erc20Abi } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES, type LocalChain, startLocalChain } from '@kassa/chain';
import type { ChainConfig } from '@kassa/config';
import { createDataSourceOptions, findFreePort } from '@kassa/persistence';
import { createTestDatabase, eventually, type RpcProxy, startRpcProxy, type TestDatabase, waitFor } from '@kassa/testing';

import { createMerchantWithKey } from '@kassa/api';
import { mineBlocks, spawnKassaApp, type WatcherProcess } from '@kassa/testing/scenario';

/** A provider key in the URL path (Infura-like `/v3/<32 hex>`) and one in the query. */
const PATH_KEY = randomBytes(16).toString('hex');
const QUERY_KEY = `qk${randomBytes(12).toString('hex')}`;
/** Boot of a process: ~3 s idle, far more when other suites load the cores. */
const BOOT_MS = 90_000;

/**
 * Secrets never reach output (issue "money is never wrong", item 6): the api, the watcher
 * and the worker run as processes with RPC URLs that carry a key in the path and one in the
 * query, and meet every kind of failure (the RPC down at start, answering 503, hanging, a
 * settlement refused by the node, a configuration refused at start). Neither key appears in
 * anything they write or serve: logs, problems, metrics, `/ops`, `/health/ready`.
 */
describe('RPC keys never reach output', () => {
  let db: TestDatabase;
  let chain: LocalChain;
  let proxy: RpcProxy;
  const processes: WatcherProcess[] = [];
  const served: string[] = [];

  beforeAll(async () => {
    [db, chain] = await Promise.all([createTestDatabase(), startLocalChain({ confirmations: 1 })]);
    proxy = await startRpcProxy(chain.node.rpcUrl);
  });

  afterAll(async () => {
    await Promise.all(processes.map((process) => process.kill('SIGKILL')));
    await proxy?.close();
    await chain?.stop();
    await db?.drop();
  });

  it('shows the RPC URLs only as #n through start-up, RPC and settlement failures', async () => {
    const dataSource = await new DataSource(createDataSourceOptions(db.url, { poolSize: 2 })).initialize();
    const { apiKey } = await createMerchantWithKey(dataSource, { name: 'Secret shop', treasuryAddress: HARDHAT_ACCOUNTS[LOCAL_ROLES.treasury]!.address });
    await dataSource.destroy();
    const chainConfig: ChainConfig = {
      ...chain.config,
      rpcUrls: [`${proxy.url}/v3/${PATH_KEY}`, `${proxy.url}/rpc?apiKey=${QUERY_KEY}`],
      wsUrl: undefined,
      rpcTimeoutMs: 1_000,
      startBlock: Number(await chain.publicClient.getBlockNumber()),
    };
    const [apiPort, watcherMetrics, workerMetrics] = [await findFreePort(), await findFreePort(), await findFreePort()];
    const operatorToken = randomBytes(16).toString('hex');
    const env = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '8',
      KASSA_CHAINS: JSON.stringify([chainConfig]),
      KASSA_LOG_LEVEL: 'debug',
      KASSA_OPERATOR_TOKEN: operatorToken,
      KASSA_SETTLEMENT_PRIVATE_KEY: HARDHAT_ACCOUNTS[LOCAL_ROLES.settlementGasPayer]!.privateKey,
      KASSA_SETTLEMENT_INTERVAL_MS: '500',
      KASSA_EXPIRY_INTERVAL_MS: '500',
    };
    const mine = (blocks: number) => mineBlocks(chain.node.rpcUrl, blocks);
    const output = (): string => processes.map((process) => process.output()).join('\n') + served.join('\n');

    // Start-up with the RPC down.
    await proxy.setMode('down');
    const api = spawnKassaApp('api', { ...env, KASSA_API_PORT: String(apiPort) });
    const watcher = spawnKassaApp('watcher', { ...env, KASSA_METRICS_PORT: String(watcherMetrics) });
    const worker = spawnKassaApp('worker', { ...env, KASSA_METRICS_PORT: String(workerMetrics) });
    processes.push(api, watcher, worker);
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    await eventually(async () => ((await fetch(`${apiUrl}/health/live`).catch(() => null))?.ok ? true : undefined), { timeoutMs: BOOT_MS, what: 'the api' });
    await eventually(async () => (/step failed|RPC URL #\d/.test(watcher.output()) ? true : undefined), { timeoutMs: BOOT_MS, what: `the watcher to fail reading the RPC:\n${watcher.output()}` });
    served.push(await text(`${apiUrl}/health/ready`));
    await proxy.setMode('pass');

    // A paid payment the worker then fails to settle: the node refuses the flush.
    proxy.setInterceptor((call) => (call.method === 'eth_sendRawTransaction' ? { code: -32000, message: 'insufficient funds for gas * price + value' } : undefined));
    const created = await fetch(`${apiUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '5', currency: 'USDC', chainId: chain.config.chainId }),
    });
    expect(created.status).toBe(201);
    const payment = (await created.json()) as { id: string; depositAddress: `0x${string}` };
    const customer = chain.wallet(LOCAL_ROLES.customers[0]!);
    await chain.minedAt(await customer.writeContract({ address: chain.contracts.tokens.USDC, abi: erc20Abi, functionName: 'transfer', args: [payment.depositAddress, 5_000_000n] }));
    await mine(2);
    const paid = async () => {
      const response = await fetch(`${apiUrl}/v1/payments/${payment.id}`, { headers: { authorization: `Bearer ${apiKey}` } });
      const body = await response.text();
      served.push(body);
      return (JSON.parse(body) as { status: string }).status === 'PAID' ? true : undefined;
    };
    await eventually(paid, { timeoutMs: BOOT_MS, what: 'the payment to be PAID' });
    await waitFor(async () => worker.output(), (text) => /broadcasting settlement transaction 0x[0-9a-f]+ failed/.test(text), (text) => `the settlement did not fail:
${text?.slice(-4000)}`, BOOT_MS);

    // The RPC answering 503, then hanging, while every app keeps reading it.
    proxy.setInterceptor(null);
    await proxy.setMode('http-error');
    await mine(1);
    await eventually(async () => (/503|HTTP request failed/i.test(watcher.output() + worker.output()) ? true : undefined), { timeoutMs: BOOT_MS, what: 'an RPC failure to be logged' });
    await proxy.setMode('hang');
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    // What the apps serve while the RPC fails.
    const bearer = { authorization: `Bearer ${operatorToken}` };
    served.push(
      await text(`${apiUrl}/metrics`),
      await text(`http://127.0.0.1:${watcherMetrics}/metrics`),
      await text(`http://127.0.0.1:${workerMetrics}/metrics`),
      await text(`${apiUrl}/ops`, bearer),
      await text(`${apiUrl}/health/ready`),
      await text(`${apiUrl}/v1/settlements`, { authorization: `Bearer ${apiKey}` }),
    );
    await proxy.setMode('pass');

    // A configuration refused at start names the field, never the URL.
    const refused = spawnKassaApp('api', {
      ...env,
      KASSA_API_PORT: String(await findFreePort()),
      KASSA_CHAINS: JSON.stringify([{ ...chainConfig, confirmations: -1, rpcUrls: [...chainConfig.rpcUrls, `ftp://127.0.0.1/v3/${PATH_KEY}?apiKey=${QUERY_KEY}`] }]),
    });
    processes.push(refused);
    expect(await refused.exited).not.toBe(0);
    expect(refused.output()).toMatch(/KASSA_CHAINS/);

    await Promise.all([api, watcher, worker].map((process) => process.kill('SIGTERM')));
    const everything = output();
    // The failures really happened, and were told with the URL's index.
    expect(everything).toMatch(/RPC URL #[01]/);
    expect(everything).toMatch(/broadcasting settlement transaction 0x[0-9a-f]+ failed/);
    expect(everything.includes(PATH_KEY)).toBe(false);
    expect(everything.includes(QUERY_KEY)).toBe(false);
  }, 6 * BOOT_MS);
});

async function text(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(url, { headers });
  return `${url} ${response.status}\n${await response.text()}`;
}
