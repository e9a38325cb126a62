import type { ChainConfig } from '@kassa/config';
import { createPublicClient, defineChain, http, type Chain, type PublicClient, type Transport } from 'viem';

import { immediateBatchHttp } from './immediate-batch-transport';
import { observedTransport, type RpcObserver } from './observed-transport';
import { RpcEndpoints, rotatingTransport, type UrlTransports } from './rpc-endpoints';

/**
 * A viem public client bound to one configured chain (HTTP, batched, rotating over the
 * chain's RPC URLs), with the rotation state it reads from, and the same client for reads
 * that must not wait for the batch timer.
 */
export type ChainClient = PublicClient<Transport<'rotating'>, Chain> & {
  readonly endpoints: RpcEndpoints;
  /**
   * The same URLs, rotation and request budget, with batches sent at the end of the turn in
   * which their first call was made ({@link immediateBatchHttp}) instead of by viem's timer
   * (`batch.wait` 0 is `setTimeout(0)`, at least 1 ms in Node): a follower at the head asks
   * for the head and the announced block's logs with it (docs/watcher.md "Following the head").
   */
  readonly immediate: PublicClient<Transport<'rotating'>, Chain>;
};

/** Tuning of {@link createChainClient}; every field has a default suited to a block follower. */
export interface ChainClientOptions {
  /** Timeout of one HTTP request (a whole JSON-RPC batch), ms. Default: the chain's `rpcTimeoutMs`. */
  timeoutMs?: number;
  /** Retries of a failed request on the same URL before moving to the next URL. Default 1. */
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
  /** Told of every request (method, duration, error) for metrics. Default: none. */
  observe?: RpcObserver;
}

const DEFAULTS: Required<Omit<ChainClientOptions, 'timeoutMs' | 'observe'>> = {
  retryCount: 1,
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
 * JSON-RPC batching (concurrent calls of one tick share an HTTP request; one by one for a URL
 * that refuses batches), a raised response size limit, a timeout and retries with
 * exponential backoff (viem's); a {@link rotatingTransport} sends every request to the
 * current URL within its request budget (`rpcRequestsPerSecond`), backs off on the same URL
 * on HTTP 429, and moves to the next URL when one stops answering, so reads stay on one node
 * as long as it answers.
 *
 * The client never caches block numbers (`cacheTime: 0`): a follower must see each new head.
 */
export function createChainClient(chain: ChainConfig, options: ChainClientOptions = {}): ChainClient {
  const settings = { ...DEFAULTS, timeoutMs: chain.rpcTimeoutMs, ...options };
  const transports = chain.rpcUrls.map((url) => {
    const options = { maxResponseBodySize: settings.maxResponseBodySize, retryCount: settings.retryCount, retryDelay: settings.retryDelayMs, timeout: settings.timeoutMs };
    return {
      batched: http(url, { ...options, batch: { batchSize: settings.batchSize, wait: 0 } }),
      single: http(url, options),
      immediate: immediateBatchHttp(url, { ...options, batchSize: settings.batchSize }),
    };
  });
  const endpoints = new RpcEndpoints(transports.length, chain.rpcRequestsPerSecond);
  const publicClient = (urlTransports: readonly UrlTransports[]) => {
    const rotating = rotatingTransport(urlTransports, endpoints);
    return createPublicClient({
      chain: toViemChain(chain),
      transport: settings.observe ? observedTransport(rotating, settings.observe) : rotating,
      cacheTime: 0,
      pollingInterval: chain.pollIntervalMs,
    });
  };
  const immediate = publicClient(transports.map(({ immediate, single }) => ({ batched: immediate, single })));
  return Object.assign(publicClient(transports), { endpoints, immediate });
}
