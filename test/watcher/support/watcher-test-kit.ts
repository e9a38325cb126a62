import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { erc20Abi, keccak256, parseEther, type Address, type Hash, type Hex } from 'viem';

import { depositAddress, formatWatchedPaymentNotice, HARDHAT_ACCOUNTS, type KassaTestChainOptions, type LocalChain, type LocalChainSettings, paymentSalt, startLocalChain, TEST_TOKENS, type TestTokenSymbol, WATCHED_PAYMENTS_CHANNEL } from '@kassa/chain';
import { loadConfig, type KassaConfig } from '@kassa/config';
import { minimumAccepted, newId, type EventPayload, type Payment, type PaymentOption, paymentOptionsOf, type Transfer } from '@kassa/domain';
import {
  ChainCursorsRepository,
  MerchantsRepository,
  PaymentsRepository,
  selectRows,
  TransfersRepository,
  type Merchant,
} from '@kassa/persistence';
import { useTestDatabase, type TestDatabaseHandle, waitFor } from '@kassa/testing';
import { ChainFollowersService, WatchedAddressesService, WatcherModule, type WatcherOptions } from '@kassa/watcher';

/** Watcher timings for tests: short intervals so a scenario takes seconds. */
export const FAST_WATCHER: Partial<WatcherOptions> = {
  leaderRetryMs: 200,
  leaderCheckMs: 1_000,
  watchedRefreshMs: 5_000,
  listenReconnectMs: 200,
  minBackoffMs: 50,
  maxBackoffMs: 500,
  headSafetyPollMs: 1_000,
  wsKeepAliveMs: 2_000,
  statusHeartbeatMs: 500,
};

/** A coin a test payment is made in: a test token or the native coin. */
export type TestCoin = TestTokenSymbol | 'ETH';

/** Options of {@link WatcherTestKit.createPayment}. */
export interface TestPaymentOptions {
  /** Amount in base units. */
  amount: bigint;
  /** The merchant's underpayment tolerance, percent ("1.5"); sets `amountMinimum` as the API does. Default 0. */
  tolerancePercent?: string;
  /** The chain to pay on; default the kit's first chain. */
  chain?: LocalChain;
  requiredConfirmations?: number;
  /** Default one hour from now. */
  expiresAt?: Date;
  /** Fields to store as given (e.g. a final status with its `finalizedAt`). */
  overrides?: Partial<Pick<Payment, 'status' | 'exception' | 'paidAt' | 'finalizedAt' | 'amountReceived'>>;
  /** Send the `kassa_payments` notification, as the API does. Default true. */
  notify?: boolean;
  /** Other payment options (a priced payment's other coins), after the payment's own coin. */
  also?: { coin: TestCoin; amount: bigint; chain?: LocalChain }[];
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
  /** The first chain. */
  readonly chain: LocalChain;
  /** Every chain of the kit, in configuration order. */
  readonly chains: readonly LocalChain[];
  readonly config: KassaConfig;
  readonly merchant: Merchant;
  /**
   * Starts a watcher application and, unless `leader: false`, waits until it leads the
   * chain with its watched addresses live.
   */
  startWatcher(options?: {
    overrides?: (builder: ReturnType<typeof Test.createTestingModule>) => void;
    watcher?: Partial<WatcherOptions>;
    /** Changes the kit's configuration for this watcher (e.g. RPC URLs behind a proxy). */
    config?: (config: KassaConfig) => KassaConfig;
    /** Receives the watcher's logs (default: warnings and errors on the console). */
    logger?: LoggerService;
    leader?: boolean;
  }): Promise<RunningWatcher>;
  /** Inserts a payment the way the API does (row + NOTIFY in one transaction). */
  createPayment(coin: TestCoin, options: TestPaymentOptions): Promise<Payment>;
  /** Sends `amount` base units of `coin` from a customer account to `to`; resolves once mined. */
  pay(coin: TestCoin, to: Address, amount: bigint, customer?: number, chain?: LocalChain): Promise<{ hash: Hash; blockNumber: bigint }>;
  /** Mines `blocks` empty blocks; returns the new head. */
  mine(blocks: number, chain?: LocalChain): Promise<bigint>;
  head(chain?: LocalChain): Promise<bigint>;
  /** Waits until the stored cursor of `chain` (default the first) reaches `blockNumber`. */
  waitForCursor(blockNumber: bigint, watcher?: RunningWatcher, chain?: LocalChain): Promise<void>;
  /** Waits until a running watcher watches the payment's deposit address (its NOTIFY arrived). */
  waitUntilWatched(watcher: RunningWatcher, payment: Payment): Promise<void>;
  payment(id: string): Promise<Payment>;
  transfersOf(paymentId: string): Promise<Transfer[]>;
  /** Types of the payment's events in the outbox, oldest first. */
  eventTypes(paymentId: string): Promise<string[]>;
  /** The payment's events (webhook bodies) in the outbox, oldest first. */
  events(paymentId: string): Promise<EventPayload[]>;
  /** Raw JSON-RPC to a node (evm_snapshot, hardhat_setCode, ...); default the first chain's. */
  rpc<T = unknown>(method: string, params?: unknown[], chain?: LocalChain): Promise<T>;
}

/** One chain of a kit: its node and how Kassa watches it. */
export type KitChainOptions = KassaTestChainOptions & LocalChainSettings;

/**
 * Asserts the rule "never PAID on a transfer with fewer than `requiredConfirmations`
 * confirmations" on what the merchant was told: in each `payment.paid` event, the active,
 * counted transfers that had the required confirmations at that moment add up to the amount
 * (the kit's payments have no tolerance unless a test sets one).
 */
export function expectPaidOnConfirmedValue(events: readonly EventPayload[], minimum?: bigint): void {
  for (const event of events.filter((candidate) => candidate.type === 'payment.paid')) {
    const confirmed = event.data.transfers
      .filter((transfer) => transfer.status === 'active' && transfer.counted && transfer.confirmations >= event.data.requiredConfirmations)
      .reduce((sum, transfer) => sum + BigInt(transfer.amountBaseUnits), 0n);
    expect({ payment: event.data.id, confirmedAtPaid: confirmed >= (minimum ?? BigInt(event.data.amountBaseUnits)) }).toEqual({
      payment: event.data.id,
      confirmedAtPaid: true,
    });
  }
}

/**
 * Registers `beforeAll`/`afterAll` hooks that give the calling test file a database, local
 * chains (default one: confirmations 3, polled every 50 ms; more with `chains`, each with
 * its own chain id, confirmations and contract addresses) and a merchant; stops every
 * watcher started through the kit after the file.
 */
export function useWatcherTestKit(options: { chains?: KitChainOptions[] } = {}): WatcherTestKit {
  let chains: LocalChain[] | undefined;
  let config: KassaConfig | undefined;
  let merchant: Merchant | undefined;
  const watchers = new Set<RunningWatcher>();

  // Registered before the database's hooks: Jest runs afterAll hooks in declaration order,
  // and the watchers must stop before their database is dropped.
  afterAll(async () => {
    await Promise.all([...watchers].map((watcher) => watcher.stop()));
    await Promise.all((chains ?? []).map((chain) => chain.stop()));
  });
  const db = useTestDatabase();

  beforeAll(async () => {
    chains = await Promise.all((options.chains ?? [{}]).map((chain) => startLocalChain({ confirmations: 3, pollIntervalMs: 50, ...chain })));
    const base = loadConfig({ DATABASE_URL: db.url, DATABASE_POOL_SIZE: '5', KASSA_LOG_LEVEL: 'warn' });
    config = { ...base, chains: chains.map((chain) => ({ ...chain.config, startBlock: 0 })) };
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
      return ready(chains, 'The chain')[0]!;
    },
    get chains() {
      return ready(chains, 'The chains');
    },
    get config() {
      return ready(config, 'The config');
    },
    get merchant() {
      return ready(merchant, 'The merchant');
    },

    async startWatcher(options = {}) {
      const config = options.config ? options.config(kit.config) : kit.config;
      const builder = Test.createTestingModule({ imports: [WatcherModule.forRoot(config, { ...FAST_WATCHER, ...options.watcher })] });
      options.overrides?.(builder);
      const app = await builder.compile();
      app.useLogger(options.logger ?? new ConsoleLogger({ logLevels: ['fatal', 'error', 'warn'] }));
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
          async () => watcher.followers.status().map((status) => status.state),
          (states) => states.length > 0 && states.every((state) => state === 'following'),
          (states) => `the watcher did not start following every chain: ${JSON.stringify(states)}`,
        );
      }
      return watcher;
    },

    async createPayment(coin, { amount, tolerancePercent = '0', chain, requiredConfirmations, expiresAt, overrides, notify = true, also = [] }) {
      const { merchant: owner } = kit;
      const local = chain ?? kit.chain;
      const tokenOf = (symbol: TestCoin, on: LocalChain) =>
        symbol === 'ETH'
          ? { symbol: 'ETH', address: null, decimals: 18 }
          : { symbol, address: on.contracts.tokens[symbol], decimals: TEST_TOKENS[symbol].decimals };
      const token = tokenOf(coin, local);
      const id = newId('payment');
      const salt = paymentSalt(id);
      const addressOn = (on: LocalChain) =>
        depositAddress({ factory: on.contracts.factory, implementation: on.contracts.implementation, treasury: owner.treasuryAddress, salt });
      const otherOptions = also.map((option): PaymentOption => {
        const on = option.chain ?? local;
        return {
          id: newId('paymentOption'),
          chainId: on.config.chainId,
          token: tokenOf(option.coin, on),
          amount: option.amount,
          amountMinimum: minimumAccepted(option.amount, tolerancePercent),
          requiredConfirmations: requiredConfirmations ?? on.config.confirmations,
          depositAddress: addressOn(on),
          treasuryAddress: owner.treasuryAddress,
          factoryAddress: on.contracts.factory,
          rate: null,
        };
      });
      const now = new Date();
      const payment: Payment = {
        id,
        merchantId: owner.id,
        status: 'CREATED',
        exception: null,
        chainId: local.config.chainId,
        token,
        amount,
        amountMinimum: minimumAccepted(amount, tolerancePercent),
        amountReceived: 0n,
        depositAddress: addressOn(local),
        salt,
        treasuryAddress: owner.treasuryAddress,
        factoryAddress: local.contracts.factory,
        requiredConfirmations: requiredConfirmations ?? local.config.confirmations,
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
      if (otherOptions.length > 0) payment.options = [...paymentOptionsOf(payment), ...otherOptions];
      await db.dataSource.transaction(async (manager) => {
        await new PaymentsRepository(db.dataSource).insert(payment, manager);
        if (!notify) return;
        for (const option of paymentOptionsOf(payment).filter((o, i, all) => all.findIndex((other) => other.chainId === o.chainId) === i)) {
          await manager.query('SELECT pg_notify($1, $2)', [
            WATCHED_PAYMENTS_CHANNEL,
            formatWatchedPaymentNotice({ chainId: option.chainId, depositAddress: option.depositAddress, paymentId: id }),
          ]);
        }
      });
      return payment;
    },

    async pay(coin, to, amount, customer = 1, chain = kit.chain) {
      const wallet = chain.wallet(customer);
      const hash =
        coin === 'ETH'
          ? await wallet.sendTransaction({ to, value: amount })
          : await wallet.writeContract({ address: chain.contracts.tokens[coin], abi: erc20Abi, functionName: 'transfer', args: [to, amount] });
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
      return { hash, blockNumber: receipt.blockNumber };
    },

    async mine(blocks, chain = kit.chain) {
      await mineBlocks(chain.node.rpcUrl, blocks);
      return kit.head(chain);
    },

    head: (chain = kit.chain) => chain.publicClient.getBlockNumber({ cacheTime: 0 }),

    async waitForCursor(blockNumber, watcher, chain = kit.chain) {
      const cursors = new ChainCursorsRepository(db.dataSource);
      await waitFor(
        () => cursors.get(chain.config.chainId),
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

    async events(paymentId) {
      const rows = await selectRows<{ payload: EventPayload }>(
        db.dataSource.manager,
        `SELECT payload FROM events WHERE payment_id = $1 ORDER BY id`,
        [paymentId],
      );
      return rows.map((row) => row.payload);
    },

    rpc: <T>(method: string, params: unknown[] = [], chain: LocalChain = kit.chain) =>
      chain.publicClient.request({ method: method as 'eth_chainId', params: params as never }) as Promise<T>,
  };
  return kit;
}

/**
 * Mines `count` real blocks with `evm_mine` (one JSON-RPC batch). Not `hardhat_mine`: for
 * more than a few blocks it makes lazily built "reserved" blocks whose `parentHash` is not
 * the previous block's hash, a chain no real node serves and that a watcher rightly refuses.
 * @throws Error with the node's answer when a block cannot be mined
 */
export async function mineBlocks(rpcUrl: string, count: number): Promise<void> {
  if (count <= 0) return;
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(Array.from({ length: count }, (_, id) => ({ jsonrpc: '2.0', id, method: 'evm_mine', params: [] }))),
  });
  const answers = (await response.json()) as { error?: unknown }[];
  const failed = answers.find((answer) => answer.error !== undefined);
  if (failed) throw new Error(`evm_mine failed: ${JSON.stringify(failed.error)}`);
}

/** One native-coin amount, for readability: `eth('1.5')`. */
export const eth = (amount: string): bigint => parseEther(amount);

/** The hash of a signed raw transaction (what a node answers for it). */
export const rawTransactionHash = (serialized: Hex): Hash => keccak256(serialized);

/** A Nest logger that keeps what it is told (warnings and above also go to the console). */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  private readonly console = new ConsoleLogger({ logLevels: ['fatal', 'error', 'warn'] });

  log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message) });
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.lines.push({ level: 'warn', message: String(message) });
    this.console.warn(message, ...rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.lines.push({ level: 'error', message: String(message) });
    this.console.error(message, ...rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.lines.push({ level: 'fatal', message: String(message) });
    this.console.fatal(message, ...rest);
  }
  debug(): void {}
  verbose(): void {}

  /** Messages of `level` matching `pattern`. */
  matching(level: string, pattern: RegExp): string[] {
    return this.lines.filter((line) => line.level === level && pattern.test(line.message)).map((line) => line.message);
  }
}
