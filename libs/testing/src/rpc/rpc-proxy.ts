import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

/**
 * A JSON-RPC proxy on 127.0.0.1 in front of a node, for tests that need the node to fail
 * the way real RPC endpoints fail: go away (connection refused) and come back, hang (no
 * answer, so the client times out), answer HTTP 503, refuse some calls with a JSON-RPC
 * error (a provider's range or result-count limits), or drop WebSocket connections.
 * HTTP JSON-RPC (single calls and batches) is parsed, WebSocket upgrades are piped through
 * as raw TCP.
 */

/** What the proxy does with each HTTP request. */
export type RpcProxyMode =
  /** Forward to the node. */
  | 'pass'
  /** Not listening: connections are refused; open connections are cut. */
  | 'down'
  /** Accept requests and never answer. */
  | 'hang'
  /** Answer every request with HTTP 503. */
  | 'http-error';

/** One JSON-RPC call as the proxy sees it. */
export interface JsonRpcCall {
  jsonrpc?: string;
  id?: unknown;
  method: string;
  params?: unknown[];
}

/** A JSON-RPC error a proxy answers in the node's place. */
export interface JsonRpcError {
  code: number;
  message: string;
}

/**
 * Decides about one call: a {@link JsonRpcError} to refuse it, or undefined to forward it.
 * Called before forwarding (`result` undefined) and again with the node's result
 * (`result` set), so a refusal may depend on the answer (a result-count limit).
 */
export type RpcInterceptor = (call: JsonRpcCall, result?: unknown) => JsonRpcError | undefined;

/**
 * How a big RPC provider behaves, for the proxy to imitate (the numbers are a test's choice;
 * the phrasing of refusals is the providers' own, see `getLogsRefusal`).
 */
export interface ProviderProfile {
  /** Latency added to every HTTP request, ms, uniform in [min, max] (jitter). */
  latencyMs?: [number, number];
  /** JSON-RPC calls per second served (each call of a batch counts, as providers bill them); beyond, HTTP 429, with `Retry-After: <seconds>` when set. */
  rateLimit?: { perSecond: number; retryAfterSeconds?: number };
  /** Largest JSON-RPC batch served; a larger one is refused with HTTP 400 ("batch size too large"). 0: no batches at all. */
  maxBatch?: number;
  /** `eth_getLogs` limits, refused in the words of `style`'s provider. */
  getLogs?: { maxRange?: number; maxResults?: number; style: 'infura' | 'alchemy' | 'quicknode' };
}

/** What the proxy did with one call. */
export interface ObservedCall {
  method: string;
  params: unknown[];
  outcome: 'forwarded' | 'refused';
}

/** A running proxy. */
export interface RpcProxy {
  /** `http://127.0.0.1:<port>`, the port never changes (also after `down`). */
  readonly url: string;
  /** `ws://127.0.0.1:<port>`. */
  readonly wsUrl: string;
  /** The current mode; switching to `down` cuts every connection, back from it listens again. */
  setMode(mode: RpcProxyMode): Promise<void>;
  /** Refuses chosen calls with a JSON-RPC error (null: forward everything). */
  setInterceptor(interceptor: RpcInterceptor | null): void;
  /** Accept WebSocket upgrades (default) or refuse them; `false` also cuts the open ones. */
  setWebSockets(enabled: boolean): void;
  /** Forwards to another node from now on (`http://host:port`). */
  setUpstream(url: string): void;
  /**
   * Answers chosen calls itself (a result in the node's place, e.g. an older `latest` block of
   * a lagging node behind a load balancer); undefined forwards the call. Null: forward all.
   */
  setResponder(responder: ((call: JsonRpcCall) => unknown) | null): void;
  /**
   * Silent WebSockets: open and new tunnels keep their TCP connections but pass nothing from
   * the node back to the client (a subscription that stops without a close frame).
   */
  setWebSocketsSilent(silent: boolean): void;
  /** Behaves like a provider from now on (null: a plain proxy). */
  setProvider(profile: ProviderProfile | null): void;
  /** Answers the next `count` HTTP requests with `status` (a burst of 5xx). */
  failNext(count: number, status?: number): void;
  /**
   * With a provider profile that has a rate limit: answers the next `count` requests the
   * limit would let through with its 429 as well (a window another client of the same key
   * used up), whatever their pace.
   */
  limitNext(count: number): void;
  /** What the provider imitation refused so far. */
  readonly refusals: { rateLimited: number; batches: number; getLogs: number; failed: number };
  /** Calls seen while in `pass` mode, oldest first (the last 10,000). */
  readonly observed: readonly ObservedCall[];
  /** Closes everything. Idempotent. */
  close(): Promise<void>;
}

const OBSERVED_LIMIT = 10_000;

/**
 * Starts a proxy forwarding to the node at `upstream` (`http://host:port`, which also
 * serves WebSocket, as Hardhat's node does); without one, requests fail with HTTP 502
 * until {@link RpcProxy.setUpstream} names the node.
 * @throws Error when no free port can be bound
 */
export async function startRpcProxy(upstream?: string): Promise<RpcProxy> {
  let target = upstream ? new URL(upstream) : null;
  let mode: RpcProxyMode = 'pass';
  let interceptor: RpcInterceptor | null = null;
  let webSockets = true;
  let provider: ProviderProfile | null = null;
  let responder: ((call: JsonRpcCall) => unknown) | null = null;
  let silentWebSockets = false;
  const tunnelPairs = new Set<{ client: Socket; node: Socket }>();
  let failing: { count: number; status: number } = { count: 0, status: 503 };
  let limiting = 0;
  const refusals = { rateLimited: 0, batches: 0, getLogs: 0, failed: 0 };
  let window = { start: 0, requests: 0 };
  const observed: ObservedCall[] = [];
  const sockets = new Set<Socket>();
  const tunnels = new Set<Socket>();

  const observe = (call: JsonRpcCall, outcome: ObservedCall['outcome']): void => {
    observed.push({ method: call.method, params: call.params ?? [], outcome });
    if (observed.length > OBSERVED_LIMIT) observed.splice(0, observed.length - OBSERVED_LIMIT);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const body = await readBody(request);
    if (mode === 'hang') return; // never answered; the socket is cut on close()
    if (mode === 'http-error') {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('Service Unavailable');
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      response.writeHead(400).end();
      return;
    }
    const batch = Array.isArray(parsed);
    const calls = (batch ? parsed : [parsed]) as JsonRpcCall[];
    if (provider) {
      const refused = await imitateProvider(provider, batch ? calls.length : null, calls.length);
      if (refused) {
        response.writeHead(refused.status, refused.headers).end(refused.body);
        return;
      }
    }
    const answers: unknown[] = new Array(calls.length);
    const forward: number[] = [];
    calls.forEach((call, i) => {
      const answered = responder?.(call);
      if (answered !== undefined) {
        observe(call, 'forwarded');
        answers[i] = { jsonrpc: '2.0', id: call.id ?? null, result: answered };
        return;
      }
      const refusal = interceptor?.(call) ?? (provider?.getLogs ? getLogsRefusal(provider.getLogs, call) : undefined);
      if (refusal && call.method === 'eth_getLogs' && provider?.getLogs) refusals.getLogs++;
      if (refusal) {
        observe(call, 'refused');
        answers[i] = { jsonrpc: '2.0', id: call.id ?? null, error: refusal };
      } else {
        forward.push(i);
      }
    });
    if (forward.length > 0) {
      let upstreamAnswers: { id?: unknown; result?: unknown; error?: unknown }[];
      try {
        if (!target) throw new Error('No upstream node yet');
        const answer = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(forward.map((i) => calls[i])),
        });
        upstreamAnswers = (await answer.json()) as typeof upstreamAnswers;
      } catch {
        response.writeHead(502).end();
        return;
      }
      const byId = new Map(upstreamAnswers.map((answer) => [JSON.stringify(answer.id ?? null), answer]));
      for (const i of forward) {
        const call = calls[i]!;
        const answer = byId.get(JSON.stringify(call.id ?? null));
        const refusal =
          answer && 'result' in answer ? (interceptor?.(call, answer.result) ?? (provider?.getLogs ? getLogsRefusal(provider.getLogs, call, answer.result) : undefined)) : undefined;
        if (refusal && call.method === 'eth_getLogs' && provider?.getLogs) refusals.getLogs++;
        observe(call, refusal ? 'refused' : 'forwarded');
        answers[i] = refusal ? { jsonrpc: '2.0', id: call.id ?? null, error: refusal } : answer;
      }
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(batch ? answers : answers[0]));
  };

  /** The provider's answer in the node's place (latency first), or null to go on. */
  const imitateProvider = async (profile: ProviderProfile, batchSize: number | null, callCount: number): Promise<{ status: number; headers: Record<string, string>; body: string } | null> => {
    if (profile.latencyMs) {
      const [min, max] = profile.latencyMs;
      await new Promise((resolve) => setTimeout(resolve, min + Math.random() * (max - min)));
    }
    if (failing.count > 0) {
      failing.count--;
      refusals.failed++;
      return { status: failing.status, headers: { 'content-type': 'text/plain' }, body: 'upstream unavailable' };
    }
    if (batchSize !== null && profile.maxBatch !== undefined && batchSize > profile.maxBatch) {
      refusals.batches++;
      const message = profile.maxBatch === 0 ? 'batch requests are not supported' : `batch size too large: at most ${profile.maxBatch} requests per batch`;
      return { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message } }) };
    }
    if (profile.rateLimit) {
      const now = Date.now();
      if (now - window.start >= 1000) window = { start: now, requests: 0 };
      window.requests += callCount;
      if (window.requests > profile.rateLimit.perSecond || limiting > 0) {
        if (limiting > 0) limiting--;
        refusals.rateLimited++;
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (profile.rateLimit.retryAfterSeconds !== undefined) headers['retry-after'] = String(profile.rateLimit.retryAfterSeconds);
        return { status: 429, headers, body: JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: 429, message: 'Your app has exceeded its compute units per second capacity' } }) };
      }
    }
    return null;
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (mode === 'down') socket.destroy();
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!webSockets || mode !== 'pass' || !target) {
      socket.destroy();
      return;
    }
    const node = connect(Number(target.port), target.hostname, () => {
      const headers = Object.entries(request.headers).flatMap(([name, value]) =>
        (Array.isArray(value) ? value : [value ?? '']).map((one) => `${name}: ${one}`),
      );
      node.write(`${request.method} ${request.url} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) node.write(head);
      socket.pipe(node);
      if (!silentWebSockets) node.pipe(socket);
      tunnelPairs.add({ client: socket, node });
    });
    for (const end of [socket, node]) {
      tunnels.add(end);
      end.on('close', () => {
        tunnels.delete(end);
        socket.destroy();
        node.destroy();
      });
      end.on('error', () => undefined);
    }
  });

  const listen = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const cutAll = (): void => {
    for (const socket of [...sockets, ...tunnels]) socket.destroy();
  };
  const port = await listen(0);

  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    observed,
    async setMode(next) {
      if (next === mode) return;
      const wasDown = mode === 'down';
      mode = next;
      if (next === 'down') {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          cutAll();
        });
      } else if (wasDown) {
        await listen(port);
      }
    },
    setInterceptor(next) {
      interceptor = next;
    },
    setWebSockets(enabled) {
      webSockets = enabled;
      if (!enabled) for (const socket of tunnels) socket.destroy();
    },
    setUpstream(url) {
      target = new URL(url);
    },
    setResponder(next) {
      responder = next;
    },
    setWebSocketsSilent(silent) {
      silentWebSockets = silent;
      for (const pair of tunnelPairs) {
        if (silent) pair.node.unpipe(pair.client);
        else pair.node.pipe(pair.client);
      }
    },
    setProvider(profile) {
      provider = profile;
      window = { start: 0, requests: 0 };
    },
    failNext(count, status = 503) {
      failing = { count, status };
    },
    limitNext(count) {
      limiting = count;
    },
    refusals,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        if (!server.listening) {
          cutAll();
          resolve();
          return;
        }
        server.close(() => resolve());
        cutAll();
      })),
  };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** The block span `toBlock - fromBlock + 1` of an `eth_getLogs` call, or null for another call. */
export function getLogsWidth(call: Pick<ObservedCall, 'method' | 'params'>): number | null {
  if (call.method !== 'eth_getLogs') return null;
  const filter = call.params[0] as { fromBlock?: string; toBlock?: string } | undefined;
  if (!filter?.fromBlock || !filter.toBlock) return null;
  return Number(BigInt(filter.toBlock) - BigInt(filter.fromBlock)) + 1;
}

/**
 * An `eth_getLogs` refusal in a provider's words, or undefined when the call is within the
 * limits (checked on the range before forwarding, on the result count after):
 * - infura: -32005 "query returned more than 10000 results. Try with this block range [0x.., 0x..]."
 * - alchemy: -32602 "Log response size exceeded. You can make eth_getLogs requests with up to a
 *   2K block range and no limit on the response size, or you can request any block range with a
 *   cap of 10K logs in the response. Based on your parameters, this block range should work: [0x.., 0x..]"
 * - quicknode: -32614 "eth_getLogs is limited to a 10,000 range"
 */
export function getLogsRefusal(limits: NonNullable<ProviderProfile['getLogs']>, call: JsonRpcCall, result?: unknown): JsonRpcError | undefined {
  const width = getLogsWidth({ method: call.method, params: call.params ?? [] });
  if (width === null) return undefined;
  const from = BigInt((call.params![0] as { fromBlock: string }).fromBlock);
  const count = Array.isArray(result) ? result.length : 0;
  const overRange = limits.maxRange !== undefined && width > limits.maxRange;
  const overResults = result !== undefined && limits.maxResults !== undefined && count > limits.maxResults;
  if (!overRange && !overResults) return undefined;
  // The span that would have passed: the range cap, or the share of the range under the result cap.
  const fits = Math.max(1, Math.min(limits.maxRange ?? width, overResults ? Math.floor((width * limits.maxResults!) / count) : width));
  const suggested = `[0x${from.toString(16)}, 0x${(from + BigInt(fits) - 1n).toString(16)}]`;
  switch (limits.style) {
    case 'infura':
      return { code: -32005, message: `query returned more than ${limits.maxResults ?? 10_000} results. Try with this block range ${suggested}.` };
    case 'alchemy':
      return {
        code: -32602,
        message: `Log response size exceeded. You can make eth_getLogs requests with up to a ${(limits.maxRange ?? 2_000) / 1000}K block range and no limit on the response size, or you can request any block range with a cap of ${(limits.maxResults ?? 10_000) / 1000}K logs in the response. Based on your parameters, this block range should work: ${suggested}`,
      };
    case 'quicknode':
      return { code: -32614, message: `eth_getLogs is limited to a ${(limits.maxRange ?? fits).toLocaleString('en-US')} range` };
  }
}

/**
 * The suite's proxy: registers the `beforeAll` that starts it in front of `upstream()` (read
 * then, so a kit's chain can be named) and the `afterAll` that closes it, and returns it for
 * the tests to use. Touching it before it started fails with a clear message.
 */
export function useRpcProxy(upstream: () => string): RpcProxy {
  let started: RpcProxy | undefined;
  beforeAll(async () => {
    started = await startRpcProxy(upstream());
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as RpcProxy, {
    get(_target, property) {
      if (!started) throw new Error(`The suite's RPC proxy is not started yet (read ${String(property)} inside a test or a later hook)`);
      const value: unknown = Reflect.get(started, property, started);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(started) : value;
    },
  });
}
