import type { ChainConfig } from '@kassa/config';
import { createPublicClient, defineChain, fallback, http, type Chain, type FallbackTransport, type HttpTransport, type PublicClient } from 'viem';

/** A viem public client bound to one configured chain (HTTP, batched, with fallback over the chain's RPC URLs). */
export type ChainClient = PublicClient<FallbackTransport<readonly HttpTransport[]>, Chain>;

/** Tuning of {@link createChainClient}; every field has a default suited to a block follower. */
export interface ChainClientOptions {
  /** Timeout of one HTTP request (a whole JSON-RPC batch), ms. Default 20,000. */
  timeoutMs?: number;
  /** Retries of a failed request on the same URL before the fallback moves on. Default 2. */
  retryCount?: number;
  /** Base delay between retries, ms; viem doubles it on each retry (exponential backoff). Default 200. */
  retryDelayMs?: number;
  /** Largest number of JSON-RPC calls in one HTTP batch. Default 100. */
  batchSize?: number;
  /**
   * Largest accepted response body, bytes. viem rejects bodies over 10 MiB by default, which
   * a wide `eth_getLogs` range or a batch of full blocks exceeds easily. Default 512 MiB.
   */
  maxResponseBodySize?: number;
}

const DEFAULTS: Required<ChainClientOptions> = {
  timeoutMs: 20_000,
  retryCount: 2,
  retryDelayMs: 200,
  batchSize: 100,
  maxResponseBodySize: 512 * 1024 * 1024,
};

/** The viem chain definition of a configured chain (id, name, native currency, RPC URLs). */
export function toViemChain(chain: ChainConfig): Chain {
  return defineChain({
    id: chain.chainId,
    name: chain.name,
    nativeCurrency: { name: chain.nativeCurrency.symbol, ...chain.nativeCurrency },
    rpcUrls: { default: { http: chain.rpcUrls, ...(chain.wsUrl ? { webSocket: [chain.wsUrl] } : {}) } },
  });
}

/**
 * Creates the read client of a chain: one HTTP transport per `rpcUrls` entry, each with
 * JSON-RPC batching (concurrent calls of one tick share an HTTP request), a raised response
 * size limit and retries with exponential backoff; a `fallback` transport tries the URLs in
 * the configured order (no ranking, so the first healthy URL is always preferred and reads
 * stay on one node as long as it answers).
 *
 * The client never caches block numbers (`cacheTime: 0`): a follower must see each new head.
 */
export function createChainClient(chain: ChainConfig, options: ChainClientOptions = {}): ChainClient {
  const settings = { ...DEFAULTS, ...options };
  const transports = chain.rpcUrls.map((url) =>
    http(url, {
      batch: { batchSize: settings.batchSize, wait: 0 },
      maxResponseBodySize: settings.maxResponseBodySize,
      retryCount: settings.retryCount,
      retryDelay: settings.retryDelayMs,
      timeout: settings.timeoutMs,
    }),
  );
  return createPublicClient({
    chain: toViemChain(chain),
    transport: fallback(transports, { rank: false, retryCount: 0 }),
    cacheTime: 0,
    pollingInterval: chain.pollIntervalMs,
  });
}
