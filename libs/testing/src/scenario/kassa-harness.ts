import { type DynamicModule, Module } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { erc20Abi, type Address, type Hex } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_PAYOUT_LIMITS, LOCAL_ROLES, type LocalChain, startLocalChain } from '@kassa/chain';
import { ApiModule, createHttpApplication, createMerchantWithKey } from '@kassa/api';
import { type KassaConfig, loadConfig, Secret } from '@kassa/config';
import type { PaymentObject } from '@kassa/domain';
import { createDataSourceOptions, findFreePort } from '@kassa/persistence';
import { WatcherModule } from '@kassa/watcher';
import { WorkerModule } from '@kassa/worker';

import { createTestDatabase, type TestDatabase } from '../postgres';
import { type RpcProxy, startRpcProxy } from '../rpc';
import { waitFor } from '../waiting';
import { mineBlocks } from './watcher-test-kit';

/** An HTTP answer as a test reads it. */
export interface TestResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** An RFC 9457 problem as a client reads it from the API (`application/problem+json`). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: { field: string; message: string }[];
}

/** A whole Kassa (api + watcher + worker in one process) on a fresh database and local chain. */
export interface TestKassa {
  apiUrl: string;
  apiKey: string;
  merchantId: string;
  config: KassaConfig;
  chain: LocalChain;
  /**
   * The second local chain when `secondChain` was asked for: its own Hardhat node and chain
   * id, the contracts deployed by the same account in the same order (so at the same
   * addresses: the same deposit address on both chains).
   */
  otherChain: LocalChain | null;
  database: TestDatabase;
  /** A connection of the test's own, to assert on rows. */
  dataSource: DataSource;
  request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse<T>>;
  /** Sends `amount` base units of `token` (null: native coin) to `to` from a customer account (on `on`, default `chain`); returns the tx hash once mined. */
  send(to: Address, token: Address | null, amount: bigint, account?: number, on?: LocalChain): Promise<Hex>;
  /** Mines blocks on `on` (default `chain`). */
  mine(blocks: number, on?: LocalChain): Promise<void>;
  /** Creates another merchant with its own key. */
  createMerchant(name: string): Promise<{ merchantId: string; apiKey: string }>;
  /**
   * Creates a payment through the API (`POST /v1/payments`, the merchant's key or `apiKey`).
   * @throws Error with the status and problem when the API does not answer 201
   */
  createPayment(body: unknown, apiKey?: string): Promise<PaymentObject>;
  /** The payment as `GET /v1/payments/:id` shows it. @throws Error when the API does not answer 200 */
  payment(id: string, apiKey?: string): Promise<PaymentObject>;
  /** Waits until the payment has `status`; a timeout names the status it had last. */
  waitForStatus(id: string, status: PaymentObject['status'], apiKey?: string): Promise<PaymentObject>;
  /** Stops the apps only (the chain and database stay), for restart tests. */
  stopApps(): Promise<void>;
  /** Starts the apps again on the same database and chain. */
  startApps(): Promise<void>;
  /** A provider of the running apps (e.g. a job, to run it once now). @throws when the apps are stopped */
  get<T>(type: abstract new (...args: never[]) => T): T;
  stop(): Promise<void>;
}

export interface TestKassaOptions {
  confirmations?: number;
  /** Which apps run in the process; default all three. */
  apps?: { watcher?: boolean; worker?: boolean };
  configure?: (config: KassaConfig) => KassaConfig;
  /**
   * Settle paid payments with the local gas payer (account `LOCAL_ROLES.settlementGasPayer`),
   * as `npm start` does. Off by default: settlement transactions mine blocks, which would move
   * the confirmation counts other suites assert.
   */
  settlement?: boolean;
  /**
   * Configure the local payout wallet (account `LOCAL_ROLES.payoutWallet`, funded with test
   * tokens) with `LOCAL_PAYOUT_LIMITS`, as `npm start` does. Off by default: payouts mine blocks.
   */
  payouts?: boolean;
  /** Also run a second local chain with this chain id (and name, confirmations), configured after the first. */
  secondChain?: { chainId: number; name?: string; confirmations?: number };
}

@Module({})
class TestKassaModule {
  static forRoot(config: KassaConfig, apps: { watcher: boolean; worker: boolean }): DynamicModule {
    return {
      module: TestKassaModule,
      imports: [
        ApiModule.forRoot(config),
        ...(apps.watcher ? [WatcherModule.forRoot(config)] : []),
        ...(apps.worker ? [WorkerModule.forRoot(config)] : []),
      ],
    };
  }
}

/**
 * Starts Kassa for an end-to-end test: its own migrated database, its own Hardhat node with
 * the contracts and funded customers, a merchant with an API key, and the apps listening
 * on a free port with short job intervals.
 */
export async function startTestKassa(options: TestKassaOptions = {}): Promise<TestKassa> {
  const [database, chain, otherChain, reservedPort] = await Promise.all([
    createTestDatabase(),
    startLocalChain({ confirmations: options.confirmations ?? 2, pollIntervalMs: 100 }),
    options.secondChain
      ? startLocalChain({
          chainId: options.secondChain.chainId,
          name: options.secondChain.name ?? `Hardhat ${options.secondChain.chainId} (local)`,
          confirmations: options.secondChain.confirmations ?? options.confirmations ?? 2,
          pollIntervalMs: 100,
        })
      : Promise.resolve(null),
    findFreePort(),
  ]);
  const base = loadConfig({});
  let config: KassaConfig = {
    ...base,
    database: { url: database.url, poolSize: 5 },
    api: { host: '127.0.0.1', port: reservedPort, publicUrl: undefined },
    chains: otherChain ? [chain.config, otherChain.config] : [chain.config],
    jobs: {
      expiry: { ...base.jobs.expiry, intervalMs: 200 },
      delivery: { ...base.jobs.delivery, intervalMs: 100 },
      settlement: { ...base.jobs.settlement, intervalMs: 200 },
      payouts: { ...base.jobs.payouts, intervalMs: 200 },
    },
    payouts: {
      ...base.payouts,
      walletKey: options.payouts ? new Secret(HARDHAT_ACCOUNTS[LOCAL_ROLES.payoutWallet]!.privateKey) : null,
      limits: options.payouts ? LOCAL_PAYOUT_LIMITS : {},
    },
    settlement: {
      ...base.settlement,
      defaultGasPayerKey: options.settlement ? new Secret(HARDHAT_ACCOUNTS[LOCAL_ROLES.settlementGasPayer]!.privateKey) : null,
    },
    webhooks: { ...base.webhooks, allowPrivateUrls: true, timeoutMs: 2000 },
    // Every request of a test comes from 127.0.0.1: limits stay on, far above what a test sends
    // (a test of the limits sets its own through `configure`).
    http: { ...base.http, rateLimit: { apiPerMinute: 100_000, publicPerMinute: 100_000, signInPerMinute: 100_000, paymentLinkPerMinute: 100_000 } },
    // Quiet unless a run asks for more: KASSA_TEST_LOG_LEVEL=warn npx jest <file>.
    logLevel: (process.env.KASSA_TEST_LOG_LEVEL as KassaConfig['logLevel'] | undefined) ?? 'error',
  };
  const apps = { watcher: options.apps?.watcher ?? true, worker: options.apps?.worker ?? true };
  let dataSource: DataSource | undefined;
  const released = async () => {
    await dataSource?.destroy();
    await Promise.all([chain.stop(), otherChain?.stop(), database.drop()]);
  };
  try {
    config = options.configure ? options.configure(config) : config;
    dataSource = await new DataSource(createDataSourceOptions(database.url, { poolSize: 3 })).initialize();
  } catch (error) {
    await released();
    throw error;
  }
  const db = dataSource;

  let app: NestFastifyApplication | null = null;
  const startApps = async () => {
    const started = await createHttpApplication(TestKassaModule.forRoot(config, apps), config);
    try {
      await started.listen(config.api.port, '127.0.0.1');
    } catch (error) {
      await started.close();
      throw error;
    }
    app = started;
  };
  const stopApps = async () => {
    await app?.close();
    app = null;
  };
  let merchant: Awaited<ReturnType<typeof createMerchantWithKey>>;
  try {
    merchant = await createMerchantWithKey(db, { name: 'Test Shop', treasuryAddress: chain.wallet(LOCAL_ROLES.treasury).account.address });
    // The port was free when reserved, seconds ago; another process may have bound it since
    // (another suite's node, or an outgoing connection given it as its local port). Then the
    // apps start on another free port; later restarts keep the port they got.
    for (let attempt = 1; ; attempt++) {
      try {
        await startApps();
        break;
      } catch (error) {
        if (attempt === 3 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        config = { ...config, api: { ...config.api, port: await findFreePort() } };
      }
    }
  } catch (error) {
    // Apps that refused to start leave nothing running behind them.
    await released();
    throw error;
  }
  const apiUrl = `http://127.0.0.1:${config.api.port}`;

  const request = async <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<TestResponse<T>> => {
    const response = await fetch(`${apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${merchant.apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : {}) as T };
  };

  const send = async (to: Address, token: Address | null, amount: bigint, account: number = LOCAL_ROLES.customers[0], on: LocalChain = chain): Promise<Hex> => {
    const wallet = on.wallet(account);
    const hash = token
      ? await wallet.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [to, amount] })
      : await wallet.sendTransaction({ to, value: amount });
    await on.publicClient.waitForTransactionReceipt({ hash });
    return hash;
  };

  const mine = async (blocks: number, on: LocalChain = chain) => {
    await mineBlocks(on.node.rpcUrl, blocks);
  };

  const auth = (apiKey?: string): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});
  const createPayment = async (body: unknown, apiKey?: string): Promise<PaymentObject> => {
    const response = await request<PaymentObject>('POST', '/v1/payments', body, auth(apiKey));
    if (response.status !== 201) throw new Error(`POST /v1/payments answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  };
  const payment = async (id: string, apiKey?: string): Promise<PaymentObject> => {
    const response = await request<PaymentObject>('GET', `/v1/payments/${id}`, undefined, auth(apiKey));
    if (response.status !== 200) throw new Error(`GET /v1/payments/${id} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return response.body;
  };

  return {
    apiUrl,
    apiKey: merchant.apiKey,
    merchantId: merchant.merchantId,
    config,
    chain,
    otherChain,
    database,
    dataSource: db,
    request,
    send,
    mine,
    createMerchant: (name) => createMerchantWithKey(db, { name, treasuryAddress: chain.wallet(LOCAL_ROLES.treasury).account.address }),
    createPayment,
    payment,
    waitForStatus: (id, status, apiKey) =>
      waitFor(
        () => payment(id, apiKey),
        (current) => current.status === status,
        (last) => `payment ${id} to become ${status}; it is ${last?.status ?? 'unknown'} (exception ${last?.exception ?? 'none'}, received ${last?.amountReceived ?? '?'})`,
      ),
    stopApps,
    startApps,
    get: (type) => {
      if (!app) throw new Error('The apps are stopped');
      return app.get(type, { strict: false });
    },
    stop: async () => {
      await stopApps();
      await released();
    },
  };
}

/**
 * The suite's Kassa: registers the `beforeAll` that starts it ({@link startTestKassa} with
 * `options`, or what `options()` returns then) and the `afterAll` that stops it, and returns
 * it for the tests to use. Call it at the top of a `describe`; touching it outside a test
 * or a later hook fails with a clear message.
 */
export function useTestKassa(options: TestKassaOptions | (() => TestKassaOptions) = {}): TestKassa {
  let started: TestKassa | undefined;
  beforeAll(async () => {
    started = await startTestKassa(typeof options === 'function' ? options() : options);
  });
  afterAll(async () => {
    await started?.stop();
  });
  return new Proxy({} as TestKassa, {
    get(_target, property) {
      if (!started) throw new Error(`The suite's Kassa is not started yet (read ${String(property)} inside a test or a later hook)`);
      const value: unknown = Reflect.get(started, property, started);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(started) : value;
    },
  });
}

/**
 * A `configure` for {@link startTestKassa} that makes the apps read the chain only
 * through `proxy` (which forwards to the test's node), so a test can make the RPC node
 * fail, hang or vanish. No WebSocket, and a short RPC timeout.
 */
function readChainThrough(proxy: RpcProxy): (config: KassaConfig) => KassaConfig {
  return (config) => {
    proxy.setUpstream(config.chains[0]!.rpcUrls[0]!);
    return { ...config, chains: config.chains.map((chain) => ({ ...chain, rpcUrls: [proxy.url], wsUrl: undefined, rpcTimeoutMs: 500 })) };
  };
}

/**
 * A Kassa for the suite whose apps read the chain only through an RPC proxy (see
 * `readChainThrough`), started before the suite's tests and stopped after them. Call at the
 * top of a `describe`; read `kassa` and `proxy` inside tests only.
 */
export function useKassaBehindProxy(): { readonly kassa: TestKassa; readonly proxy: RpcProxy } {
  let kassa: TestKassa | undefined;
  let proxy: RpcProxy | undefined;
  beforeAll(async () => {
    const front = (proxy = await startRpcProxy());
    kassa = await startTestKassa({ configure: readChainThrough(front) });
  });
  afterAll(async () => {
    await kassa?.stop();
    await proxy?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('The Kassa behind a proxy is not started yet (use it inside a test)');
    return value;
  };
  return {
    get kassa() {
      return started(kassa);
    },
    get proxy() {
      return started(proxy);
    },
  };
}
