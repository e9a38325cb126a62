import { BaseError, createTransport, HttpRequestError, TimeoutError, type EIP1193RequestFn, type HttpTransport, type Transport } from 'viem';

/** The last time an RPC URL failed, as shown in health and logs (no URL: it may carry an API key). */
export interface RpcFailure {
  at: Date;
  /** Position of the failing URL in the chain's `rpcUrls`. */
  urlIndex: number;
  message: string;
}

/**
 * Which of a chain's RPC URLs the watcher reads from, sticky until it fails (DESIGN.md
 * "Chain watcher": "rotate to the next RPC URL"). Every request goes to the current URL;
 * when a request fails on it with a transport failure (no JSON-RPC answer: connection
 * refused or reset, timeout, HTTP error status), the current URL moves to the next one in
 * configuration order, wrapping around, and the request is tried there. A node's JSON-RPC
 * error answer is an answer: it is returned to the caller and never rotates.
 *
 * Shared by every request of one chain client, so concurrent failures on the same URL
 * rotate once.
 */
export class RpcEndpoints {
  private index = 0;
  private rotationCount = 0;
  private failure: RpcFailure | null = null;

  /** @param urlCount how many URLs the chain has (>= 1) */
  constructor(readonly urlCount: number) {
    if (!Number.isInteger(urlCount) || urlCount < 1) throw new RangeError(`A chain needs at least one RPC URL, got ${urlCount}`);
  }

  /** Position of the URL requests go to now. */
  get current(): number {
    return this.index;
  }

  /** How many times the current URL changed since start. */
  get rotations(): number {
    return this.rotationCount;
  }

  /** The last transport failure, or null. */
  get lastFailure(): RpcFailure | null {
    return this.failure;
  }

  /**
   * Records that a request to URL `failedIndex` failed; moves to the next URL if
   * `failedIndex` is still the current one (a concurrent request may have rotated already).
   * @returns the URL index to try next
   */
  failed(failedIndex: number, error: unknown): number {
    this.failure = { at: new Date(), urlIndex: failedIndex, message: describeRpcError(error) };
    if (failedIndex === this.index && this.urlCount > 1) {
      this.index = (this.index + 1) % this.urlCount;
      this.rotationCount++;
    }
    return this.index;
  }
}

/**
 * True when `error` means the URL gave no JSON-RPC answer: the connection failed, the
 * request timed out, or the server answered with an HTTP error status (5xx, 429, ...).
 * Such a failure says nothing about the request, so another URL may answer it.
 */
export function isTransportFailure(error: unknown): boolean {
  if (!(error instanceof BaseError)) return !(error instanceof Error && 'code' in error);
  return error.walk((cause) => cause instanceof HttpRequestError || cause instanceof TimeoutError) !== null;
}

/**
 * A short, secret-free description of an RPC error: `HTTP 503`, `request timed out`, or
 * viem's `shortMessage` with the node's message; never the URL (it may carry an API key).
 */
export function describeRpcError(error: unknown): string {
  if (error instanceof HttpRequestError) return error.status ? `HTTP ${error.status}` : `request failed (${error.details || 'no answer'})`;
  if (error instanceof TimeoutError) return 'request timed out';
  if (error instanceof BaseError) {
    const transport = error.walk((cause) => cause instanceof HttpRequestError || cause instanceof TimeoutError);
    if (transport && transport !== error) return describeRpcError(transport);
    // A JSON-RPC error answer: viem's short message plus the node's own words.
    return error.details && !error.shortMessage.includes(error.details) ? `${error.shortMessage} (${error.details})` : error.shortMessage;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * A viem transport over several HTTP transports (one per RPC URL) that sends each request
 * to `endpoints.current` and, on a transport failure, rotates and tries the next URL, at
 * most once per URL per request. Retries with back-off on one URL are the HTTP transports'
 * own (viem `retryCount` / `retryDelay`); the caller's back-off covers the rest.
 *
 * @param transports one HTTP transport per RPC URL, in configuration order
 * @throws (from requests) the last URL's error when every URL failed; a JSON-RPC error
 *   answer at once
 */
export function rotatingTransport(transports: readonly HttpTransport[], endpoints: RpcEndpoints): Transport<'rotating'> {
  if (transports.length !== endpoints.urlCount) throw new RangeError('One transport per RPC URL');
  return ({ chain, timeout }) => {
    const resolved = transports.map((transport) => transport({ chain, timeout }));
    return createTransport({
      key: 'rotating',
      name: 'Rotating HTTP JSON-RPC',
      type: 'rotating',
      retryCount: 0,
      request: (async ({ method, params }: { method: string; params?: unknown }) => {
        let index = endpoints.current;
        let lastError: unknown;
        for (let attempt = 0; attempt < resolved.length; attempt++) {
          try {
            return await resolved[index]!.request({ method, params } as Parameters<EIP1193RequestFn>[0]);
          } catch (error) {
            if (!isTransportFailure(error)) throw error;
            lastError = error;
            index = endpoints.failed(index, error);
          }
        }
        throw lastError;
      }) as EIP1193RequestFn,
    });
  };
}
