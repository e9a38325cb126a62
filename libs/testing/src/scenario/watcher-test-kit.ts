import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { erc20Abi, formatUnits, keccak256, parseEther, type Address, type Hash, type Hex } from 'viem';

import { CreatePaymentUseCase } from '@kassa/api';
import { ChainRegistry, depositAddress, formatWatchedPaymentNotice, HARDHAT_ACCOUNTS, type KassaTestChainOptions, type LocalChain, type LocalChainSettings, paymentSalt, RateSource, startLocalChain, TEST_TOKENS, type TestTokenSymbol, WATCHED_PAYMENTS_CHANNEL } from '@kassa/chain';
import { loadConfig, type KassaConfig } from '@kassa/config';
import { newId, type EventPayload, type Payment, paymentOfEvent, type TokenRef, type Transfer } from '@kassa/domain';
import {
  ChainCursorsRepository,
  IdempotencyKeysRepository,
  type Merchant,
  MerchantsRepository,
  PaymentObjectsService,
  PaymentsRepository,
  selectRows,
  TransfersRepository,
} from '@kassa/persistence';

import { paymentFixture, storePayment } from '../fixtures/payments';
import { nodeRequest } from '../rpc';
import { type TestDatabaseHandle, useTestDatabase } from '../postgres';
import { waitFor } from '../waiting';
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

/** What a merchant asks for in `POST /v1/payments` of a fixed coin: {@link WatcherTestKit.createPayment}. */
export interface TestPaymentOptions {
  /** Amount in base units of the coin. */
  amount: bigint;
  /** The merchant's underpayment tolerance, percent ("1.5"); default the merchant's (0). */
  tolerancePercent?: string;
  /** The chain to pay on; default the kit's first chain. */
  chain?: LocalChain;
  /** Seconds until the deadline (60 to 7 days, as the API takes it); default one hour. */
  expiresInSeconds?: number;
}

/** A priced payment as a merchant asks for it: {@link WatcherTestKit.createPricedPayment}. */
export interface TestPricedPaymentOptions {
  /** Decimal amount of `currency` ("25.00"). */
  price: string;
  /** Default USD. */
  currency?: string;
  /** The coins it accepts, each on its chain (default the kit's first), in the merchant's order. */
  accepted: { coin: TestCoin; chain?: LocalChain }[];
  expiresInSeconds?: number;
}

/**
 * A payment row as given, for a history no request makes today: final days ago, or a
 * payment whose notification never reached the watchers: {@link WatcherTestKit.storePayment}.
 */
export interface StoredPaymentOptions {
  /** Amount in base units. */
  amount: bigint;
  chain?: LocalChain;
  /** Default one hour from now. */
  expiresAt?: Date;
  /** Fields stored as given (a final status with its `finalizedAt`). */
  overrides?: Partial<Pick<Payment, 'status' | 'exception' | 'paidAt' | 'finalizedAt' | 'amountReceived'>>;
  /** Send the watchers' notification as the API does. Default false: it never came. */
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
  /**
   * Creates a payment of a fixed coin through the API's use case (`CreatePaymentUseCase`,
   * what `POST /v1/payments` runs): its row, options, `payment.created` event and the
   * watchers' notification commit together.
   */
  createPayment(coin: TestCoin, options: TestPaymentOptions): Promise<Payment>;
  /** Creates a priced payment (one option per accepted coin, quoted at the local chains' rates) through the API's use case. */
  createPricedPayment(options: TestPricedPaymentOptions): Promise<Payment>;
  /**
   * Stores a payment row as given through the API's writer (`PaymentsRepository.insertAnnounced`,
   * with its `payment.created` event), for histories no request makes today.
   */
  storePayment(coin: TestCoin, options: StoredPaymentOptions): Promise<Payment>;
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

/** A coin of a local chain as a payment names it. */
function tokenOf(coin: TestCoin, chain: LocalChain): TokenRef {
  return coin === 'ETH' ? { symbol: 'ETH', address: null, decimals: 18 } : { symbol: coin, address: chain.contracts.tokens[coin], decimals: TEST_TOKENS[coin].decimals };
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
    const payment = paymentOfEvent(event);
    const confirmed = payment.transfers
      .filter((transfer) => transfer.status === 'active' && transfer.counted && transfer.confirmations >= payment.requiredConfirmations)
      .reduce((sum, transfer) => sum + BigInt(transfer.amountBaseUnits), 0n);
    expect({ payment: payment.id, confirmedAtPaid: confirmed >= (minimum ?? BigInt(payment.amountBaseUnits)) }).toEqual({
      payment: payment.id,
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
  let useCase: CreatePaymentUseCase | undefined;
  /** The API's create path over the kit's database and chains, built once. */
  const createPayments = (): CreatePaymentUseCase => {
    if (useCase) return useCase;
    const { dataSource } = db;
    const registry = new ChainRegistry(kit.config.chains);
    const objects = PaymentObjectsService.over(kit.config, dataSource);
    return (useCase = new CreatePaymentUseCase(dataSource, registry, new RateSource(registry), new IdempotencyKeysRepository(dataSource), new PaymentsRepository(dataSource), objects));
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

    async createPayment(coin, { amount, tolerancePercent, chain = kit.chain, expiresInSeconds = 3600 }) {
      const token = tokenOf(coin, chain);
      const merchant = tolerancePercent === undefined ? kit.merchant : { ...kit.merchant, tolerancePercent };
      const input = { amount: formatUnits(amount, token.decimals), currency: coin, chainId: chain.config.chainId, expiresInSeconds };
      const { body } = await createPayments().execute(merchant, input);
      return kit.payment(body.id);
    },

    async createPricedPayment({ price, currency = 'USD', accepted, expiresInSeconds = 3600 }) {
      const acceptedCurrencies = accepted.map(({ coin, chain = kit.chain }) => ({ currency: coin, chainId: chain.config.chainId }));
      const { body } = await createPayments().execute(kit.merchant, { price: { amount: price, currency }, acceptedCurrencies, expiresInSeconds });
      return kit.payment(body.id);
    },

    async storePayment(coin, { amount, chain = kit.chain, expiresAt, overrides, notify = false }) {
      const { merchant } = kit;
      const createdAt = new Date();
      const id = newId('payment', createdAt.getTime());
      const salt = paymentSalt(id);
      const payment: Payment = {
        ...paymentFixture({ id, merchantId: merchant.id, createdAt, chainId: chain.config.chainId, token: tokenOf(coin, chain), amount, amountMinimum: amount, salt }),
        depositAddress: depositAddress({ factory: chain.contracts.factory, implementation: chain.contracts.implementation, treasury: merchant.treasuryAddress, salt }),
        treasuryAddress: merchant.treasuryAddress,
        factoryAddress: chain.contracts.factory,
        requiredConfirmations: chain.config.confirmations,
        orderId: null,
        description: null,
        metadata: {},
        successUrl: null,
        cancelUrl: null,
        expiresAt: expiresAt ?? new Date(createdAt.getTime() + 3_600_000),
        ...overrides,
      };
      await db.dataSource.transaction(async (manager) => {
        await storePayment(manager, payment);
        if (!notify) return;
        const notice = formatWatchedPaymentNotice({ chainId: payment.chainId, depositAddress: payment.depositAddress, paymentId: id });
        await manager.query('SELECT pg_notify($1, $2)', [WATCHED_PAYMENTS_CHANNEL, notice]);
      });
      return kit.payment(id);
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

    rpc: <T>(method: string, params: unknown[] = [], chain: LocalChain = kit.chain) => nodeRequest<T>(chain.publicClient, method, params),
  };
  return kit;
}

/**
 * Mines `count` real blocks with `evm_mine` (one JSON-RPC batch). Not `hardhat_mine`: for
 * more than a few blocks it makes lazily built "reserved" blocks whose `parentHash` is not
 * the previous block's hash, a chain no real node serves and that a watcher rightly refuses;
 * and it stamps each block a second after the last, so a chain mined often runs ahead of the
 * clock and its block times no longer compare with other chains' or with `paidAt`.
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
