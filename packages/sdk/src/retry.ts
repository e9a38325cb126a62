import fetchBuilder from 'fetch-retry';

/** How the client retries. */
export interface RetryOptions {
  /** Retries after the first attempt; 0 switches retrying off. */
  maxRetries: number;
  /** The longest wait between two attempts, milliseconds (a longer `Retry-After` is cut to it). */
  maxDelayMs: number;
  /** The first backoff wait, milliseconds; doubled at each retry, with jitter. */
  baseDelayMs: number;
  /** How long one attempt may take, milliseconds (then it fails with a `TimeoutError`, retried like a network error). */
  timeoutMs: number;
}

/** Statuses worth another try: rate limited (429) and unavailable (503, e.g. the database is away). */
const RETRIED_STATUSES = new Set([429, 503]);
/** Methods that are safe to repeat whatever happened to the first attempt (RFC 9110 section 9.2.2). */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Whether repeating `request` cannot do a thing twice: an idempotent method, or a POST that
 * carries an `Idempotency-Key` (Kassa replays the first answer of a key: docs/api.md).
 */
export function isRepeatable(request: Request): boolean {
  return IDEMPOTENT_METHODS.has(request.method) || request.headers.has('idempotency-key');
}

/**
 * The wait before retry number `attempt + 1`, milliseconds: the answer's `Retry-After`
 * (delta-seconds or an HTTP date, RFC 9110 section 10.2.3) when it has one, else exponential
 * backoff with full jitter (`baseDelayMs * 2^attempt`, a random share of it); at most `maxDelayMs`.
 */
export function retryDelay(attempt: number, response: Response | null, options: RetryOptions, now: number = Date.now()): number {
  const header = response?.headers.get('retry-after');
  if (header) {
    const seconds = Number(header);
    const wait = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
    if (Number.isFinite(wait)) return Math.min(Math.max(wait, 0), options.maxDelayMs);
  }
  const ceiling = Math.min(options.baseDelayMs * 2 ** attempt, options.maxDelayMs);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

/**
 * A fetch that retries repeatable requests ({@link isRepeatable}) on 429, 503 and network
 * errors (and attempts over `timeoutMs`), waiting as {@link retryDelay} says; anything else
 * is answered by the first attempt.
 * Built on the `fetch-retry` package, which clones the request for each attempt.
 * @param fetchImpl the fetch to call (default the global one)
 */
export function retryingFetch(options: RetryOptions, fetchImpl: typeof fetch = globalThis.fetch): (request: Request) => Promise<Response> {
  // Each attempt gets its own deadline, and still ends when the caller aborts the request.
  const attempt = (input: Request, _init?: RequestInit) => fetchImpl(input, { signal: AbortSignal.any([input.signal, AbortSignal.timeout(options.timeoutMs)]) });
  const withRetries = fetchBuilder(attempt);
  return (request: Request) =>
    withRetries(request, {
      retryOn: (attempt: number, error: Error | null, response: Response | null) => {
        if (attempt >= options.maxRetries || !isRepeatable(request)) return false;
        // A network error or an attempt that timed out; never the caller's own abort.
        if (error) return error.name !== 'AbortError';
        return response !== null && RETRIED_STATUSES.has(response.status);
      },
      retryDelay: (attempt: number, _error: Error | null, response: Response | null) => retryDelay(attempt, response, options),
    });
}
