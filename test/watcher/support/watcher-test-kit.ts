import { ConsoleLogger } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { erc20Abi, keccak256, parseEther, type Address, type Hash, type Hex } from 'viem';

import {
  depositAddress,
  formatWatchedPaymentNotice,
  paymentSalt,
  TEST_TOKENS,
  type TestTokenSymbol,
  WATCHED_PAYMENTS_CHANNEL,
} from '@kassa/chain';
import { loadConfig, type KassaConfig } from '@kassa/config';
import { newId, type Payment, type Transfer } from '@kassa/domain';
import {
  ChainCursorsRepository,
  MerchantsRepository,
  PaymentsRepository,
  selectRows,
  TransfersRepository,
  type Merchant,
} from '@kassa/persistence';
import { HARDHAT_ACCOUNTS, startLocalChain, useTestDatabase, type LocalChain, type TestDatabaseHandle } from '@kassa/testing';
import { ChainFollowersService, WatchedAddressesService, WatcherModule, type WatcherOptions } from '@kassa/watcher';

/** Watcher timings for tests: short intervals so a scenario takes seconds. */
export const FAST_WATCHER: Partial<WatcherOptions> = {
  leaderRetryMs: 200,
  leaderCheckMs: 1_000,
  watchedRefreshMs: 5_000,
  listenReconnectMs: 200,
  minBackoffMs: 50,
  maxBackoffMs: 500,
};

/** A coin a test payment is made in: a test token or the native coin. */
export type TestCoin = TestTokenSymbol | 'ETH';

/** Options of {@link WatcherTestKit.createPayment}. */
export interface TestPaymentOptions {
  /** Amount in base units. */
  amount: bigint;
  requiredConfirmations?: number;
  /** Default one hour from now. */
  expiresAt?: Date;
  /** Fields to store as given (e.g. a final status with its `finalizedAt`). */
  overrides?: Partial<Pick<Payment, 'status' | 'exception' | 'paidAt' | 'finalizedAt' | 'amountReceived'>>;
  /** Send the `kassa_payments` notification, as the API does. Default true. */
  notify?: boolean;
}

/** A running watcher application. */
export interface RunningWatcher {
  app: TestingModule;
  followers: ChainFollowersService;
  /** Closes the application as SIGTERM would (followers finish their step, locks are released). */
  stop(): Promise<void>;
}

/**
 * One test file's world: its own migrated database, its own Hardhat node with Kassa's
 * contracts and test tokens, a merchant, and helpers to create payments, pay them, mine
 * blocks, run watchers and read the outcome. Register with {@link useWatcherTestKit} at the
 * top of a file; read fields inside tests and hooks only.
 */
export interface WatcherTestKit {
  readonly db: TestDatabaseHandle;
  readonly chain: LocalChain;
  readonly config: KassaConfig;
  readonly merchant: Merchant;
  /**
   * Starts a watcher application and, unless `leader: false`, waits until it leads the
   * chain with its watched addresses live.
   */
  startWatcher(options?: {
    overrides?: (builder: ReturnType<typeof Test.createTestingModule>) => void;
    watcher?: Partial<WatcherOptions>;
    leader?: boolean;
  }): Promise<RunningWatcher>;
  /** Inserts a payment the way the API does (row + NOTIFY in one transaction). */
  createPayment(coin: TestCoin, options: TestPaymentOptions): Promise<Payment>;
  /** Sends `amount` base units of `coin` from a customer account to `to`; resolves once mined. */
  pay(coin: TestCoin, to: Address, amount: bigint, customer?: number): Promise<{ hash: Hash; blockNumber: bigint }>;
  /** Mines `blocks` empty blocks; returns the new head. */
  mine(blocks: number): Promise<bigint>;
  head(): Promise<bigint>;
  /** Waits until the stored cursor reaches `blockNumber`. */
  waitForCursor(blockNumber: bigint, watcher?: RunningWatcher): Promise<void>;
  /** Waits until a running watcher watches the payment's deposit address (its NOTIFY arrived). */
  waitUntilWatched(watcher: RunningWatcher, payment: Payment): Promise<void>;
  payment(id: string): Promise<Payment>;
  transfersOf(paymentId: string): Promise<Transfer[]>;
  /** Types of the payment's events in the outbox, oldest first. */
  eventTypes(paymentId: string): Promise<string[]>;
  /** Raw JSON-RPC to the node (evm_snapshot, hardhat_setCode, ...). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
}

/** Polls `read` every 50 ms until `done` holds; on timeout fails with `describe(lastValue)`. */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  describe: (value: T | undefined) => string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value: T | undefined;
  for (;;) {
    value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${describe(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Registers `beforeAll`/`afterAll` hooks that give the calling test file a database, a
 * local chain (confirmations 3, polled every 50 ms) and a merchant; stops every watcher
 * started through the kit after the file.
 */
export function useWatcherTestKit(): WatcherTestKit {
  let chain: LocalChain | undefined;
  let config: KassaConfig | undefined;
  let merchant: Merchant | undefined;
  const watchers = new Set<RunningWatcher>();

  // Registered before the database's hooks: Jest runs afterAll hooks in declaration order,
  // and the watchers must stop before their database is dropped.
  afterAll(async () => {
    await Promise.all([...watchers].map((watcher) => watcher.stop()));
    await chain?.stop();
  });
  const db = useTestDatabase();

  beforeAll(async () => {
    chain = await startLocalChain({ confirmations: 3, pollIntervalMs: 50 });
    const base = loadConfig({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: '5', KASSA_LOG_LEVEL: 'warn' });
    config = { ...base, chains: [{ ...chain.config, startBlock: 0 }] };
    merchant = await new MerchantsRepository(db.dataSource).create({
      name: 'Watcher test shop',
      treasuryAddress: HARDHAT_ACCOUNTS[9]!.address,
    });
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is ready only inside tests and hooks`);
    return value;
  };
  const kit: WatcherTestKit = {
    db,
    get chain() {
      return ready(chain, 'The chain');
    },
    get config() {
      return ready(config, 'The config');
    },
    get merchant() {
      return ready(merchant, 'The merchant');
    },

    async startWatcher(options = {}) {
      const builder = Test.createTestingModule({ imports: [WatcherModule.forRoot(kit.config, { ...FAST_WATCHER, ...options.watcher })] });
      options.overrides?.(builder);
      const app = await builder.compile();
      app.useLogger(new ConsoleLogger({ logLevels: ['fatal', 'error', 'warn'] }));
      await app.init();
      let stopped: Promise<void> | undefined;
      const watcher: RunningWatcher = {
        app,
        followers: app.get(ChainFollowersService),
        stop: () => (stopped ??= app.close().finally(() => watchers.delete(watcher))),
      };
      watchers.add(watcher);
      if (options.leader !== false) {
        await waitFor(
          async () => watcher.followers.status()[0]?.state,
          (state) => state === 'following',
          (state) => `the watcher did not start following the chain: it is ${state}`,
        );
      }
      return watcher;
    },

    async createPayment(coin, { amount, requiredConfirmations = kit.chain.config.confirmations, expiresAt, overrides, notify = true }) {
      const { chain: local, merchant: owner } = kit;
      const token =
        coin === 'ETH'
          ? { symbol: 'ETH', address: null, decimals: 18 }
          : { symbol: coin, address: local.contracts.tokens[coin], decimals: TEST_TOKENS[coin].decimals };
      const id = newId('payment');
      const salt = paymentSalt(id);
      const now = new Date();
      const payment: Payment = {
        id,
        merchantId: owner.id,
        status: 'CREATED',
        exception: null,
        chainId: local.config.chainId,
        token,
        amount,
        amountMinimum: amount,
        amountReceived: 0n,
        depositAddress: depositAddress({
          factory: local.contracts.factory,
          implementation: local.contracts.implementation,
          treasury: owner.treasuryAddress,
          salt,
        }),
        salt,
        treasuryAddress: owner.treasuryAddress,
        factoryAddress: local.contracts.factory,
        requiredConfirmations,
        orderId: null,
        description: null,
        metadata: {},
        successUrl: null,
        cancelUrl: null,
        expiresAt: expiresAt ?? new Date(now.getTime() + 3_600_000),
        createdAt: now,
        paidAt: null,
        finalizedAt: null,
        ...overrides,
      };
      await db.dataSource.transaction(async (manager) => {
        await new PaymentsRepository(db.dataSource).insert(payment, manager);
        if (notify) await manager.query('SELECT pg_notify($1, $2)', [
          WATCHED_PAYMENTS_CHANNEL,
          formatWatchedPaymentNotice({ chainId: payment.chainId, depositAddress: payment.depositAddress, paymentId: id }),
        ]);
      });
      return payment;
    },

    async pay(coin, to, amount, customer = 1) {
      const wallet = kit.chain.wallet(customer);
      const hash =
        coin === 'ETH'
          ? await wallet.sendTransaction({ to, value: amount })
          : await wallet.writeContract({ address: kit.chain.contracts.tokens[coin], abi: erc20Abi, functionName: 'transfer', args: [to, amount] });
      const receipt = await kit.chain.publicClient.waitForTransactionReceipt({ hash });
      return { hash, blockNumber: receipt.blockNumber };
    },

    async mine(blocks) {
      await kit.rpc('hardhat_mine', [`0x${blocks.toString(16)}`]);
      return kit.head();
    },

    head: () => kit.chain.publicClient.getBlockNumber({ cacheTime: 0 }),

    async waitForCursor(blockNumber, watcher) {
      const cursors = new ChainCursorsRepository(db.dataSource);
      await waitFor(
        () => cursors.get(kit.chain.config.chainId),
        (cursor) => cursor !== null && cursor.blockNumber >= blockNumber,
        (cursor) =>
          `cursor at ${cursor?.blockNumber ?? 'none'}, waiting for ${blockNumber}; followers: ${JSON.stringify(
            watcher?.followers.status() ?? [],
            (_, value: unknown) => (typeof value === 'bigint' ? value.toString() : value),
          )}`,
      );
    },

    async waitUntilWatched(watcher, payment) {
      const list = watcher.app.get(WatchedAddressesService).forChain(payment.chainId);
      await waitFor(
        async () => list.has(payment.depositAddress.toLowerCase()),
        Boolean,
        () => `deposit address ${payment.depositAddress} of ${payment.id} is not watched`,
        10_000,
      );
    },

    async payment(id) {
      const payment = await new PaymentsRepository(db.dataSource).findByIdUnscoped(id);
      if (!payment) throw new Error(`No payment ${id}`);
      return payment;
    },

    transfersOf: (paymentId) => new TransfersRepository(db.dataSource).listByPayment(paymentId),

    async eventTypes(paymentId) {
      const rows = await selectRows<{ type: string }>(db.dataSource.manager, `SELECT type FROM events WHERE payment_id = $1 ORDER BY id`, [paymentId]);
      return rows.map((row) => row.type);
    },

    rpc: <T>(method: string, params: unknown[] = []) =>
      kit.chain.publicClient.request({ method: method as 'eth_chainId', params: params as never }) as Promise<T>,
  };
  return kit;
}

/** One native-coin amount, for readability: `eth('1.5')`. */
export const eth = (amount: string): bigint => parseEther(amount);

/** The hash of a signed raw transaction (what a node answers for it). */
export const rawTransactionHash = (serialized: Hex): Hash => keccak256(serialized);
