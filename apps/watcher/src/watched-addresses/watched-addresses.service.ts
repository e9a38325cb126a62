import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { encodeTime } from 'ulid';

import { parseWatchedPaymentNotice, WATCHED_PAYMENTS_CHANNEL, type WatchedAddressFilter } from '@kassa/chain';
import { KASSA_CONFIG, type KassaConfig } from '@kassa/config';
import { ID_PREFIXES, idTime } from '@kassa/domain';
import { listenWithReconnect, PaymentsRepository, type WatchedAddress } from '@kassa/persistence';

import { WATCHER_OPTIONS, type WatcherOptions } from '../watcher.options';

/**
 * One chain's list: lowercase deposit address -> the id of the payment paid there (the ids,
 * in the rare case of several: an array only then, as an array per address would cost
 * every open payment about 50 bytes more), and their largest confirmations.
 */
interface ChainList {
  addresses: Map<string, string | string[]>;
  /** Addresses whose payment accepts the native coin here, or whose coins are not known (a notice without them). */
  native: Set<string>;
  maxRequiredConfirmations: number;
}

/** The lists of every chain, by chain id. */
type WatchLists = Map<number, ChainList>;

/** A payment to watch; `requiredConfirmations` is unknown for a notification (the chain's then). */
type WatchedPayment = Pick<WatchedAddress, 'chainId' | 'depositAddress' | 'paymentId'> & { requiredConfirmations?: number; acceptsNative?: boolean };

/** One chain's watched deposit addresses, as the follower reads them (always the current list). */
export interface ChainWatchList extends WatchedAddressFilter {
  /** The payment a transfer to `lowercaseAddress` pays, if the address is watched. */
  paymentIdOf(lowercaseAddress: string): string | undefined;
  /**
   * The largest `requiredConfirmations` among the watched payments (0 when none is known):
   * how far back a transfer may still cross its payment's confirmation threshold.
   */
  readonly maxRequiredConfirmations: number;
  /** Changes whenever an address is added or the list reloaded: a scan made under another version may miss one. */
  readonly version: number;
}

/**
 * A deposit address the list learnt while its chain's follower was collecting them
 * ({@link WatchedAddressesService.collectLearnt}): a block the follower read before may
 * hold a transfer to it that the follower did not look for.
 */
export interface LearntAddress {
  /** The deposit address, lowercase. */
  address: string;
  /** Whether its payment may be paid in the native coin on the chain (block bodies must be read). */
  native: boolean;
  /** When its payment was created: its id's ULID time, ms since the epoch, by the API's clock. */
  createdAtMs: number;
  /**
   * The list's {@link ChainWatchList.version} from which it holds the address: a scan begun
   * under an earlier version may have lacked it (a counter, not a clock, so nothing ties).
   */
  listVersion: number;
}

/** How far back a short notice (no payment id) makes the watcher look for new payments. */
const RECENT_PAYMENTS_MS = 60 * 60 * 1000;

/**
 * Rows a full reload reads at a time (a cursor): a million watched payments come in a
 * hundred batches, each added to the new list as it arrives, so the rows of all never
 * stand beside the list in use, and a step can run between two batches.
 */
const RELOAD_BATCH_ROWS = 10_000;

/**
 * The deposit addresses the watcher looks for, in memory (DESIGN.md "Chain watcher"): every
 * open payment's address and every final one's inside the late-transfer window. Lookups
 * are O(1) map reads, so scanning a block costs the same with 1,000 or 100,000 addresses.
 *
 * Kept current by LISTEN on {@link WATCHED_PAYMENTS_CHANNEL} (the API notifies in the
 * transaction that creates a payment) on a dedicated connection, plus a full reload every
 * `watchedRefreshMs` that also drops final payments whose window has passed. The list is
 * "live" only while the LISTEN connection is up and has been followed by a full reload;
 * followers wait for it, so a payment created while notifications could not arrive is
 * never missed.
 */
@Injectable()
export class WatchedAddressesService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(WatchedAddressesService.name);
  private lists: WatchLists = new Map();
  private version = 0;
  private live = false;
  private liveWaiters = new Set<() => void>();
  private stopController = new AbortController();
  private listening?: Promise<void>;
  private refreshTimer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  /** Notices received while a full reload runs, re-applied on top of its result. */
  private noticesDuringRefresh: WatchedPayment[] | null = null;
  /** Addresses learnt per chain since its follower last took them; only chains that collect. */
  private learnt = new Map<number, LearntAddress[]>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly payments: PaymentsRepository,
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    @Inject(WATCHER_OPTIONS) private readonly options: WatcherOptions,
  ) {}

  /** Starts listening and the periodic reload; returns at once. Idempotent. */
  start(): void {
    if (this.listening) return;
    this.stopController = new AbortController();
    this.listening = this.listen(this.stopController.signal);
    this.refreshTimer = setInterval(() => {
      if (this.live) this.refresh().catch((error: unknown) => this.logger.warn(`Reloading watched addresses failed: ${describe(error)}`));
    }, this.options.watchedRefreshMs);
    this.refreshTimer.unref();
  }

  /** Stops listening. Idempotent. */
  async stop(): Promise<void> {
    clearInterval(this.refreshTimer);
    this.stopController.abort();
    await this.listening;
    this.listening = undefined;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** True while notifications arrive and the list has been fully loaded since they do. */
  isLive(): boolean {
    return this.live;
  }

  /** Resolves true once the list is live, false when `signal` aborts first. */
  whenLive(signal: AbortSignal): Promise<boolean> {
    if (this.live) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = (value: boolean) => (): void => {
        this.liveWaiters.delete(onLive);
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onLive = done(true);
      const onAbort = done(false);
      this.liveWaiters.add(onLive);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The watch list of one chain: a view that always reads the current addresses. */
  forChain(chainId: number): ChainWatchList {
    const list = (): ChainList | undefined => this.lists.get(chainId);
    const version = (): number => this.version;
    return {
      get version() {
        return version();
      },
      get size() {
        return list()?.addresses.size ?? 0;
      },
      get nativeSize() {
        return list()?.native.size ?? 0;
      },
      get maxRequiredConfirmations() {
        return list()?.maxRequiredConfirmations ?? 0;
      },
      has: (address) => list()?.addresses.has(address) ?? false,
      paymentIdOf: (address) => firstId(list()?.addresses.get(address)),
    };
  }

  /**
   * Starts (or restarts, empty) collecting the addresses the chain's list learns from now
   * on, for {@link takeLearnt}; `false` stops and drops them. A follower collects while it
   * leads the chain.
   */
  collectLearnt(chainId: number, collect: boolean): void {
    if (collect) this.learnt.set(chainId, []);
    else this.learnt.delete(chainId);
  }

  /** The addresses the chain's list learnt since the last call (or since collecting began), oldest first. */
  takeLearnt(chainId: number): LearntAddress[] {
    const learnt = this.learnt.get(chainId);
    if (!learnt || learnt.length === 0) return [];
    this.learnt.set(chainId, []);
    return learnt;
  }

  /** Adds one payment's deposit address (also what a notification does). */
  add(watched: WatchedPayment): void {
    if (!this.lists.get(watched.chainId)?.addresses.has(watched.depositAddress.toLowerCase())) this.noteLearnt(watched, this.version + 1);
    addTo(this.lists, watched);
    this.version++;
    this.noticesDuringRefresh?.push(watched);
  }

  /**
   * Reloads every watched address from the database, replacing the list (addresses
   * notified during the reload are kept). Concurrent calls share one reload.
   * @throws the database error; the previous list stays in place
   */
  refresh(): Promise<void> {
    this.refreshing ??= this.reload().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async reload(): Promise<void> {
    this.noticesDuringRefresh = [];
    try {
      const next: WatchLists = new Map();
      for await (const rows of this.payments.watchedAddressBatches({ lateWindowStart: this.lateWindowStart() }, RELOAD_BATCH_ROWS)) {
        for (const row of rows) addTo(next, row);
      }
      for (const notice of this.noticesDuringRefresh) addTo(next, notice);
      this.noteLearntByReload(next);
      this.lists = next;
      this.version++;
    } finally {
      this.noticesDuringRefresh = null;
    }
  }

  /** Queues `watched` as held from list version `listVersion` on, when its chain collects. */
  private noteLearnt(watched: WatchedPayment, listVersion: number): void {
    const learnt = this.learnt.get(watched.chainId);
    if (!learnt) return;
    learnt.push({
      address: watched.depositAddress.toLowerCase(),
      native: watched.acceptsNative !== false,
      createdAtMs: creationTime(watched.paymentId),
      listVersion,
    });
  }

  /** Queues the addresses a reload found that the list did not have (their notice was lost or is late). */
  private noteLearntByReload(next: WatchLists): void {
    // The reload's list takes the next version.
    const version = this.version + 1;
    for (const chainId of this.learnt.keys()) {
      const before = this.lists.get(chainId)?.addresses;
      const after = next.get(chainId);
      if (!after) continue;
      for (const [address, ids] of after.addresses) {
        if (before?.has(address)) continue;
        this.noteLearnt({ chainId, depositAddress: address as WatchedPayment['depositAddress'], paymentId: firstId(ids)!, acceptsNative: after.native.has(address) }, version);
      }
    }
  }

  /** Loads the chain's payments created in the last hour: a notice without payment id. */
  private async loadRecent(chainId: number): Promise<void> {
    const floor = `${ID_PREFIXES.payment}_${encodeTime(Date.now() - RECENT_PAYMENTS_MS)}`;
    const rows = await this.payments.watchedAddresses({ lateWindowStart: this.lateWindowStart(), chainId, afterPaymentId: floor });
    for (const row of rows) this.add(row);
  }

  private lateWindowStart(): Date {
    return new Date(Date.now() - this.config.payments.lateTransferWindowSeconds * 1000);
  }

  /** Keeps a LISTEN connection open, reconnecting after a loss, until `signal` aborts. */
  private listen(signal: AbortSignal): Promise<void> {
    return listenWithReconnect(
      this.dataSource,
      {
        channel: WATCHED_PAYMENTS_CHANNEL,
        applicationName: 'kassa-watcher-listen',
        onNotification: (payload) => this.onNotification(payload),
        onListening: async () => {
          // A reload that starts after LISTEN: a payment committed meanwhile is loaded or notified.
          await this.refreshing?.catch(() => undefined);
          await this.refresh();
          this.setLive(true);
          this.logger.log(`Watching ${this.totalSize()} deposit addresses; listening on ${WATCHED_PAYMENTS_CHANNEL}`);
        },
        onLost: (reason) => {
          this.setLive(false);
          this.logger.warn(`LISTEN connection lost (${reason}); followers pause until it is back`);
        },
        reconnectDelaysMs: [this.options.listenReconnectMs],
      },
      signal,
    ).finally(() => this.setLive(false));
  }

  private onNotification(payload: string | undefined): void {
    const notice = parseWatchedPaymentNotice(payload ?? '');
    if (!notice) {
      this.logger.warn(`Ignoring malformed ${WATCHED_PAYMENTS_CHANNEL} payload: ${JSON.stringify(payload)}`);
      return;
    }
    if (notice.paymentId !== undefined) {
      this.add({ paymentId: notice.paymentId, chainId: notice.chainId, depositAddress: notice.depositAddress, acceptsNative: notice.acceptsNative });
      return;
    }
    this.loadRecent(notice.chainId).catch((error: unknown) =>
      this.logger.warn(`Loading new payments of chain ${notice.chainId} failed: ${describe(error)}`),
    );
  }

  private setLive(live: boolean): void {
    this.live = live;
    if (!live) return;
    for (const wake of [...this.liveWaiters]) wake();
  }

  private totalSize(): number {
    let total = 0;
    for (const list of this.lists.values()) total += list.addresses.size;
    return total;
  }
}

function addTo(lists: WatchLists, watched: WatchedPayment): void {
  let list = lists.get(watched.chainId);
  if (!list) lists.set(watched.chainId, (list = { addresses: new Map(), native: new Set(), maxRequiredConfirmations: 0 }));
  const address = watched.depositAddress.toLowerCase();
  if (watched.acceptsNative !== false) list.native.add(address);
  const ids = list.addresses.get(address);
  if (ids === undefined) list.addresses.set(address, watched.paymentId);
  else if (typeof ids === 'string') {
    if (ids !== watched.paymentId) list.addresses.set(address, [ids, watched.paymentId]);
  } else if (!ids.includes(watched.paymentId)) ids.push(watched.paymentId);
  if (watched.requiredConfirmations !== undefined && watched.requiredConfirmations > list.maxRequiredConfirmations) {
    list.maxRequiredConfirmations = watched.requiredConfirmations;
  }
}

/**
 * When a payment was created, ms since the epoch (its id's ULID time); 0 for an id that
 * carries no time (not made by Kassa), so that every block read before is looked at again.
 */
function creationTime(paymentId: string): number {
  try {
    return idTime(paymentId);
  } catch {
    return 0;
  }
}

/** The first payment id of an address's entry. */
function firstId(ids: string | string[] | undefined): string | undefined {
  return typeof ids === 'string' ? ids : ids?.[0];
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
