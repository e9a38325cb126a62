import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { type ApiKeyPrincipal, listenWithReconnect, PRINCIPAL_CHANGES_CHANNEL } from '@kassa/persistence';

/** The longest a principal is used from memory, even without a change announced. */
export const PRINCIPAL_CACHE_MS = 60_000;
/** At most this many keys are remembered; beyond it the memory starts over. */
const CAPACITY = 10_000;
const RECONNECT_DELAYS_MS = [100, 500, 2_000, 5_000];

/**
 * What API keys authenticate as, remembered in this api process so a request costs no
 * database round trip for its key (docs/performance.md "API"). Correct only while changes
 * are heard: PostgreSQL announces every change of a key, a merchant's settings or its
 * treasuries on {@link PRINCIPAL_CHANGES_CHANNEL} (triggers, at commit, whoever writes), and
 * this process listens on a connection of its own. So:
 * - nothing is remembered or used while that connection is down (every request reads the
 *   database, as without this cache), and everything is forgotten when it comes (back) up;
 * - an announced change forgets the merchant's keys at once; a revocation made through this
 *   process forgets them before its answer is sent ({@link forget});
 * - a lookup that started before a change is not remembered (a generation counter), so an
 *   old principal read just before a revocation cannot outlive it;
 * - an entry is used for {@link PRINCIPAL_CACHE_MS} at most.
 * Unknown and revoked keys are never remembered.
 */
@Injectable()
export class PrincipalCache implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PrincipalCache.name);
  private readonly entries = new Map<string, { principal: ApiKeyPrincipal; cachedAt: number }>();
  private live = false;
  private generation = 0;
  private readonly stop = new AbortController();
  private listening?: Promise<void>;

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    this.listening = listenWithReconnect(
      this.dataSource,
      {
        channel: PRINCIPAL_CHANGES_CHANNEL,
        applicationName: 'kassa-api-principals',
        onNotification: (merchantId) => this.forget(merchantId),
        onListening: () => {
          this.forget();
          this.live = true;
        },
        onLost: (reason) => {
          this.live = false;
          this.forget();
          this.logger.warn(`Not listening for API key changes (${reason}): every request reads its key from the database meanwhile`);
        },
        reconnectDelaysMs: RECONNECT_DELAYS_MS,
      },
      this.stop.signal,
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.live = false;
    this.stop.abort();
    await this.listening;
  }

  /** The principal of the key with this hash, when remembered and usable now; else null. */
  get(keyHash: string, now: number = Date.now()): ApiKeyPrincipal | null {
    if (!this.live) return null;
    const entry = this.entries.get(keyHash);
    if (!entry || now - entry.cachedAt >= PRINCIPAL_CACHE_MS) return null;
    return entry.principal;
  }

  /** Taken before a database lookup, given back to {@link remember}: a change in between voids the lookup. */
  version(): number {
    return this.generation;
  }

  /** Remembers a principal read from the database, unless a change was announced since `version`. */
  remember(keyHash: string, principal: ApiKeyPrincipal, version: number, now: number = Date.now()): void {
    if (!this.live || version !== this.generation) return;
    if (this.entries.size >= CAPACITY) this.entries.clear();
    this.entries.set(keyHash, { principal, cachedAt: now });
  }

  /** Forgets the keys of `merchantId` (every key when omitted), and voids lookups in flight. */
  forget(merchantId?: string): void {
    this.generation += 1;
    if (merchantId === undefined) {
      this.entries.clear();
      return;
    }
    for (const [hash, entry] of this.entries) if (entry.principal.merchantId === merchantId) this.entries.delete(hash);
  }
}
