import { BaseError, createTransport, HttpRequestError, RpcRequestError, TimeoutError, type EIP1193RequestFn, type HttpTransport, type Transport } from 'viem';

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
  private rateLimitCount = 0;
  private readonly budgets: (RequestBudget | null)[];
  private readonly unbatched: boolean[];

  /**
   * @param urlCount how many URLs the chain has (>= 1)
   * @param requestsPerSecond the request budget of each URL (a provider's plan limit); undefined: none
   */
  constructor(
    readonly urlCount: number,
    requestsPerSecond?: number,
  ) {
    if (!Number.isInteger(urlCount) || urlCount < 1) throw new RangeError(`A chain needs at least one RPC URL, got ${urlCount}`);
    this.budgets = Array.from({ length: urlCount }, () => (requestsPerSecond ? new RequestBudget(requestsPerSecond) : null));
    this.unbatched = Array.from({ length: urlCount }, () => false);
  }

  /** How many HTTP 429 answers the URLs gave since start (each backed off, none rotated). */
  get rateLimits(): number {
    return this.rateLimitCount;
  }

  /** Waits until URL `index` may take one more request under its budget. */
  admit(index: number): Promise<void> {
    return this.budgets[index]?.take() ?? Promise.resolve();
  }

  /** Records an HTTP 429 of URL `index`: counted, never a failure (the URL is not down). */
  rateLimited(): void {
    this.rateLimitCount++;
  }

  /** Whether URL `index` refused JSON-RPC batches: its requests go one by one. */
  isUnbatched(index: number): boolean {
    return this.unbatched[index] ?? false;
  }

  /** URL `index` refused a batch (or a batch that large): it gets single requests from now on. */
  refusedBatches(index: number): void {
    this.unbatched[index] = true;
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
  if (error.walk((cause) => cause instanceof HttpRequestError || cause instanceof TimeoutError) !== null) return true;
  // A 5xx whose body is a JSON-RPC error (a provider's gateway) is the URL failing, not the node answering.
  return (httpAnswerOf(error)?.status ?? 0) >= 500;
}

/** The HTTP status and headers of a failed request: an `HttpRequestError`, or an `RpcRequestError` from a non-2xx answer. */
function httpAnswerOf(error: unknown): { status: number; headers: Headers | undefined; text: string } | null {
  if (!(error instanceof BaseError)) return null;
  const found = error.walk((cause) => (cause instanceof HttpRequestError || cause instanceof RpcRequestError) && cause.status !== undefined) as
    | HttpRequestError
    | RpcRequestError
    | null;
  if (!found?.status) return null;
  return { status: found.status, headers: found.headers, text: `${found.details ?? ''} ${found.shortMessage}` };
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

/** How often one request is retried on a URL that answers HTTP 429 before the error is the caller's. */
const RATE_LIMIT_RETRIES = 6;
/** Back-off after a 429 without `Retry-After`: 500 ms, doubling, at most 8 s. A `Retry-After` is honoured up to 30 s. */
const RATE_LIMIT_BACKOFF_MS = { first: 500, max: 8_000, retryAfterMax: 30_000 };

/** One RPC URL: its transport with JSON-RPC batching, and one without for providers that refuse batches. */
export interface UrlTransports {
  batched: HttpTransport;
  single: HttpTransport;
}

/**
 * A viem transport over several RPC URLs that sends each request to `endpoints.current` and:
 * - waits for the URL's request budget (`rpcRequestsPerSecond`) before sending;
 * - on HTTP 429 (the provider's rate limit) backs off on the SAME URL, `Retry-After` seconds
 *   when the answer names them, else 0.5 s doubling: a rate-limited URL is neither down nor
 *   a reason to spin through the others; a batch limited twice goes one call at a time from
 *   then on (it may hold more calls than the URL serves in a second);
 * - when the URL refuses a JSON-RPC batch (HTTP 400 or 413, or a JSON-RPC error, naming
 *   "batch"), sends that URL's requests one by one from then on;
 * - on any other transport failure (no JSON-RPC answer: connection refused or reset, timeout,
 *   HTTP 5xx), rotates and tries the next URL, at most once per URL per request. Retries on
 *   one URL are the HTTP transports' own (viem `retryCount` / `retryDelay`); the caller's
 *   back-off covers the rest.
 *
 * @param transports one pair per RPC URL, in configuration order
 * @throws (from requests) the last URL's error when every URL failed; a JSON-RPC error
 *   answer at once; the 429 after {@link RATE_LIMIT_RETRIES} back-offs
 */
export function rotatingTransport(transports: readonly UrlTransports[], endpoints: RpcEndpoints): Transport<'rotating'> {
  if (transports.length !== endpoints.urlCount) throw new RangeError('One transport per RPC URL');
  return ({ chain, timeout }) => {
    const resolved = transports.map(({ batched, single }) => ({ batched: batched({ chain, timeout }), single: single({ chain, timeout }) }));
    const send = async (index: number, call: Parameters<EIP1193RequestFn>[0]): Promise<unknown> => {
      for (let limited = 0; ; limited++) {
        await endpoints.admit(index);
        const urlTransport = resolved[index]!;
        // Decided per attempt: calls of one refused batch all fail together and all go single.
        const batched = !endpoints.isUnbatched(index);
        try {
          return await (batched ? urlTransport.batched : urlTransport.single).request(call);
        } catch (error) {
          if (batched && isBatchRefusal(error)) {
            endpoints.refusedBatches(index);
            continue;
          }
          const wait = rateLimitWait(error, limited);
          if (wait === null || limited >= RATE_LIMIT_RETRIES) throw error;
          endpoints.rateLimited();
          // A batch rate-limited twice may be more calls than the URL serves in a second: one by one from now on.
          if (batched && limited >= 1) endpoints.refusedBatches(index);
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
      }
    };
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
            return await send(index, { method, params } as Parameters<EIP1193RequestFn>[0]);
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

/**
 * For an HTTP 429, how long to wait before asking the same URL again: its `Retry-After`
 * (seconds, RFC 9110 section 10.2.3; an HTTP date is treated as absent) up to 30 s, else
 * 0.5 s doubling with each 429 of the same request, up to 8 s. Null for any other error.
 */
export function rateLimitWait(error: unknown, earlier: number): number | null {
  const http = httpAnswerOf(error);
  if (http?.status !== 429) return null;
  const retryAfter = http.headers?.get('retry-after');
  if (retryAfter && /^\d+$/.test(retryAfter.trim())) return Math.min(Number(retryAfter.trim()) * 1000, RATE_LIMIT_BACKOFF_MS.retryAfterMax);
  return Math.min(RATE_LIMIT_BACKOFF_MS.first * 2 ** earlier, RATE_LIMIT_BACKOFF_MS.max);
}

/** Whether a failed request is the URL refusing a JSON-RPC batch (or one that large). */
function isBatchRefusal(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false;
  const http = httpAnswerOf(error);
  if (!/batch/i.test(`${http?.text ?? ''} ${error.details ?? ''} ${error.shortMessage}`)) return false;
  return http ? http.status === 400 || http.status === 413 : true;
}

/**
 * A budget of `perSecond` requests per second (a token bucket holding one second of
 * requests): `take` resolves at once while the bucket has a token, else when one is back.
 */
export class RequestBudget {
  private tokens: number;
  private last = Date.now();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly perSecond: number) {
    if (!(perSecond > 0)) throw new RangeError(`A request budget must be positive, got ${perSecond}`);
    this.tokens = perSecond;
  }

  /** Waits for one token; callers are served in order. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.wait());
    this.queue = turn;
    return turn;
  }

  private async wait(): Promise<void> {
    for (;;) {
      const now = Date.now();
      this.tokens = Math.min(this.perSecond, this.tokens + ((now - this.last) / 1000) * this.perSecond);
      this.last = now;
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000)));
    }
  }
}
