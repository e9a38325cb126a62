import { createTransport, type EIP1193RequestFn, type HttpTransport, RpcRequestError } from 'viem';
import { getHttpRpcClient } from 'viem/utils';

/** Settings of {@link immediateBatchHttp}, as viem's `http` transport takes them. */
export interface ImmediateBatchHttpOptions {
  /** Largest number of calls in one batch; more calls of the same turn go in further batches. */
  batchSize: number;
  /** Largest accepted response body, bytes (viem's `maxResponseBodySize`). */
  maxResponseBodySize?: number;
  /** Retries of a failed request (viem's, with exponential backoff). */
  retryCount?: number;
  /** Base delay between retries, ms. */
  retryDelay?: number;
  /** Timeout of one HTTP request (a whole batch), ms. */
  timeout?: number;
}

interface RpcAnswer {
  id: number | null;
  result?: unknown;
  error?: unknown;
}

interface PendingCall {
  body: { jsonrpc: '2.0'; id: number; method: string; params?: unknown };
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * viem's HTTP JSON-RPC transport with batching (JSON-RPC 2.0 section 6), except for when a
 * batch leaves: at the end of the event loop's turn in which its first call was made
 * (`setImmediate`), not by a timer. viem's `http` sends a batch from `setTimeout(wait)`, and
 * Node runs a timer of 0 ms after at least 1 ms, so every batch waited a millisecond;
 * calls made in one turn (however many promise steps apart) still share one request, in the
 * order they were made, as one node answers them. Requests go through viem's HTTP client
 * (`getHttpRpcClient`): the same errors (`HttpRequestError`, `TimeoutError`, a JSON-RPC
 * error as `RpcRequestError`), timeout, body-size limit and retries as `http`.
 * @param url the RPC URL (it may carry credentials in its user info)
 */
export function immediateBatchHttp(url: string, options: ImmediateBatchHttpOptions): HttpTransport {
  return ({ retryCount: clientRetryCount, timeout: clientTimeout }) => {
    const timeout = clientTimeout ?? options.timeout ?? 10_000;
    const rpcClient = getHttpRpcClient(url, { maxResponseBodySize: options.maxResponseBodySize, timeout });
    let nextId = 0;
    let queue: PendingCall[] = [];

    const send = async (calls: readonly PendingCall[]): Promise<void> => {
      try {
        const answer = (await rpcClient.request({ body: calls.map((call) => call.body) })) as unknown as RpcAnswer | RpcAnswer[];
        // One answer for the whole batch is the node refusing it (JSON-RPC 2.0: an invalid batch gets one error).
        const answers = Array.isArray(answer) ? answer : calls.map((call) => ({ ...answer, id: call.body.id }));
        const byId = new Map(answers.map((each) => [each.id, each]));
        for (const call of calls) {
          const own = byId.get(call.body.id);
          const error = own ? own.error : { code: -32603, message: `no answer to call ${call.body.id} in the node's answer` };
          if (error) call.reject(new RpcRequestError({ body: call.body, error: error as { code: number; message: string }, url }));
          else call.resolve(own!.result);
        }
      } catch (error) {
        for (const call of calls) call.reject(error);
      }
    };

    const flush = () => {
      const calls = queue;
      queue = [];
      for (let start = 0; start < calls.length; start += options.batchSize) void send(calls.slice(start, start + options.batchSize));
    };

    return createTransport(
      {
        key: 'http',
        name: 'HTTP JSON-RPC (batches sent at the end of the turn)',
        type: 'http',
        retryCount: options.retryCount ?? clientRetryCount,
        retryDelay: options.retryDelay,
        timeout,
        request: (({ method, params }: { method: string; params?: unknown }) =>
          new Promise<unknown>((resolve, reject) => {
            if (queue.length === 0) setImmediate(flush);
            queue.push({ body: { jsonrpc: '2.0', id: nextId++, method, params }, resolve, reject });
          })) as EIP1193RequestFn,
      },
      { fetchOptions: undefined, url },
    );
  };
}
