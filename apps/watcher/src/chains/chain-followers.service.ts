import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { BlockScanner, createChainClient, PollingHeadSource, WebSocketHeadSource, type HeadSource } from '@kassa/chain';
import { KASSA_CONFIG, type ChainConfig, type KassaConfig } from '@kassa/config';
import { KassaMetrics, rpcObserver } from '@kassa/observability';
import { ChainCursorsRepository, ChainStatusRepository } from '@kassa/persistence';

import { ChainLeadership } from '../leadership/chain-leadership';
import { RecordBlocks } from '../transfers/record-blocks.use-case';
import { WatchedAddressesService } from '../watched-addresses/watched-addresses.service';
import { WATCHER_OPTIONS, type WatcherOptions } from '../watcher.options';
import { ChainFollower, type ChainFollowerStatus } from './chain-follower';
import { ChainStatusPublisher } from './chain-status.publisher';

/**
 * Runs one {@link ChainFollower} per configured chain, each with its own RPC client (with
 * RPC URL rotation), head source (WebSocket `newHeads` when the chain has a `wsUrl`, HTTP
 * polling otherwise and as fallback), leader lock and status row, so one chain's failure
 * never stops another. Followers start at application bootstrap (unless `autoStart` is
 * off) and stop before the database connection closes at shutdown.
 */
@Injectable()
export class ChainFollowersService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChainFollowersService.name);
  private followers: { follower: ChainFollower; heads: HeadSource }[] = [];

  constructor(
    @Inject(KASSA_CONFIG) private readonly config: KassaConfig,
    @Inject(WATCHER_OPTIONS) private readonly options: WatcherOptions,
    private readonly dataSource: DataSource,
    private readonly watched: WatchedAddressesService,
    private readonly recorder: RecordBlocks,
    private readonly cursors: ChainCursorsRepository,
    private readonly statuses: ChainStatusRepository,
    private readonly metrics: KassaMetrics,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.autoStart) this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts the watched-address list and every chain's follower; returns at once. Idempotent. */
  start(): void {
    if (this.followers.length > 0) return;
    if (this.config.chains.length === 0) {
      this.logger.warn('No chains configured (KASSA_CHAINS / KASSA_CHAINS_FILE): nothing to watch');
      return;
    }
    this.watched.start();
    this.followers = this.config.chains.map((chain) => this.createFollower(chain));
    for (const { follower } of this.followers) follower.start();
    this.logger.log(`Following chains ${this.config.chains.map((chain) => `${chain.name} (${chain.chainId})`).join(', ')}`);
  }

  /** Stops every follower (each finishes its step in flight), then the watched-address list. */
  async stop(): Promise<void> {
    const running = this.followers;
    this.followers = [];
    await Promise.all(
      running.map(async ({ follower, heads }) => {
        await follower.stop();
        await heads.close();
      }),
    );
    await this.watched.stop();
  }

  /** Every follower's status, in configuration order. */
  status(): ChainFollowerStatus[] {
    return this.followers.map(({ follower }) => follower.status());
  }

  private createFollower(chain: ChainConfig): { follower: ChainFollower; heads: HeadSource } {
    const client = createChainClient(chain, { observe: rpcObserver(this.metrics, chain.chainId) });
    const scanner = new BlockScanner(client, {
      chainId: chain.chainId,
      tokens: chain.tokens.map((token) => token.address),
      maxLogRange: this.options.maxBlocksPerScan,
      headClient: client.immediate,
    });
    // The head source reports mode changes to the follower, which is built after it.
    const ref: { follower?: ChainFollower } = {};
    const heads = chain.wsUrl
      ? new WebSocketHeadSource(scanner, {
          url: chain.wsUrl,
          pollIntervalMs: chain.pollIntervalMs,
          safetyPollMs: Math.max(this.options.headSafetyPollMs, chain.pollIntervalMs),
          reconnectMinMs: this.options.minBackoffMs,
          reconnectMaxMs: this.options.maxBackoffMs,
          keepAliveMs: this.options.wsKeepAliveMs,
          onModeChange: (mode, reason) => ref.follower?.headSourceChanged(mode, reason),
        })
      : new PollingHeadSource(scanner, chain.pollIntervalMs);
    if (heads instanceof WebSocketHeadSource) heads.start();
    const leadership = new ChainLeadership(this.dataSource, this.cursors, chain.chainId, {
      retryMs: this.options.leaderRetryMs,
      checkMs: this.options.leaderCheckMs,
      leaseMs: this.options.leaderLeaseMs,
      leader: this.options.watcherId,
    });
    const follower = (ref.follower = new ChainFollower({
      chain,
      scanner,
      heads,
      endpoints: client.endpoints,
      publisher: (report) => new ChainStatusPublisher(this.statuses, report, this.options.statusHeartbeatMs, chain.chainId),
      leadership,
      watched: this.watched,
      recorder: this.recorder,
      cursors: this.cursors,
      options: this.options,
    }));
    return { follower, heads };
  }
}
