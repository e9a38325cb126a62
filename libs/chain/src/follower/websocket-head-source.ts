import { WebSocket } from 'undici';

import type { BlockScanner } from './block-scanner';
import { sleep, type AnnouncedHead, type HeadSource, type HeadSourceMode } from './head-source';

/** Timings of a {@link WebSocketHeadSource}, ms. */
export interface WebSocketHeadSourceOptions {
  /** WebSocket JSON-RPC URL of the chain (`wsUrl`). */
  url: string;
  /** How often to poll the latest block over HTTP while the socket is down (the chain's `pollIntervalMs`). */
  pollIntervalMs: number;
  /** While subscribed, wake the follower at least this often anyway (a head lost in transit is found). */
  safetyPollMs: number;
  /** First delay before reconnecting a lost socket; doubled per failed attempt up to `reconnectMaxMs`. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /**
   * After this long without any message, the socket is probed with `eth_chainId`; a socket
   * that stays silent for twice as long (or does not open in this time) is closed and
   * reconnected.
   */
  keepAliveMs: number;
  /** Told when the source switches between `websocket` and `polling`, with the reason. */
  onModeChange?: (mode: HeadSourceMode, reason: string) => void;
}

const SUBSCRIBE_ID = 1;
const PROBE_ID = 2;

/**
 * Follows the head by WebSocket `eth_subscribe("newHeads")` (DESIGN.md "Chain watcher"),
 * with HTTP polling as fallback while the socket is down:
 * - subscribed, every `newHeads` notification wakes the follower at once; it is also woken
 *   every `safetyPollMs` in case a notification was lost;
 * - when the socket closes, fails to open or goes silent, the source switches to polling
 *   every `pollIntervalMs` and reconnects in the background with exponential back-off; once
 *   subscribed again it wakes the follower, which reads the head over HTTP.
 *
 * The head number itself always comes from HTTP (the latest header) on the node the blocks
 * are read from, so a WebSocket endpoint on another node that runs ahead cannot make the
 * follower ask for a block its HTTP node lacks. The follower reads every block after its
 * cursor up to that head, so a notification missed or coalesced skips no block: heads only
 * decide when to look.
 */
export class WebSocketHeadSource implements HeadSource {
  private subscribed = false;
  private headsSeen = 0;
  private headsAtLastRead = 0;
  /** The newest head a `newHeads` notification carried (null when it had no readable number and hash). */
  private newest: AnnouncedHead | null = null;
  private readonly wakers = new Set<() => void>();
  private readonly stopController = new AbortController();
  private running?: Promise<void>;

  constructor(
    private readonly scanner: Pick<BlockScanner, 'headBlockNumber'>,
    private readonly options: WebSocketHeadSourceOptions,
  ) {}

  /** Opens the socket and keeps it open (reconnecting) until {@link close}; returns at once. Idempotent. */
  start(): void {
    this.running ??= this.run(this.stopController.signal);
  }

  mode(): HeadSourceMode {
    return this.subscribed ? 'websocket' : 'polling';
  }

  latest(): Promise<bigint> {
    this.headsAtLastRead = this.headsSeen;
    return this.scanner.headBlockNumber();
  }

  announced(): AnnouncedHead | null {
    return this.subscribed && this.headsSeen > this.headsAtLastRead ? this.newest : null;
  }

  waitForNext(signal: AbortSignal): Promise<void> {
    // A head announced since the follower last read the head: look again at once.
    if (this.subscribed && this.headsSeen > this.headsAtLastRead) return Promise.resolve();
    const timeoutMs = this.subscribed ? this.options.safetyPollMs : this.options.pollIntervalMs;
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        this.wakers.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.wakers.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  async close(): Promise<void> {
    this.stopController.abort();
    await this.running;
    this.running = undefined;
  }

  private wake(): void {
    for (const done of [...this.wakers]) done();
  }

  private setSubscribed(subscribed: boolean, reason: string): void {
    if (this.subscribed === subscribed) return;
    this.subscribed = subscribed;
    this.options.onModeChange?.(this.mode(), reason);
    // Either way the follower should look now: a head may have come while switching.
    this.wake();
  }

  private async run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      const { subscribed, reason } = await this.connectOnce(signal);
      this.setSubscribed(false, reason);
      if (signal.aborted) return;
      failures = subscribed ? 1 : failures + 1;
      await sleep(Math.min(this.options.reconnectMinMs * 2 ** (failures - 1), this.options.reconnectMaxMs), signal);
    }
  }

  /** One socket's life: open, subscribe, relay heads; resolves when it closes, with why. */
  private connectOnce(signal: AbortSignal): Promise<{ subscribed: boolean; reason: string }> {
    return new Promise((resolve) => {
      let subscribed = false;
      let reason = 'socket closed';
      let lastMessageAt = Date.now();
      let socket: WebSocket;
      try {
        socket = new WebSocket(this.options.url);
      } catch (error) {
        resolve({ subscribed, reason: `cannot open the socket: ${error instanceof Error ? error.message : String(error)}` });
        return;
      }
      let finished = false;
      let abandon: NodeJS.Timeout | undefined;
      const finish = (): void => {
        if (finished) return;
        finished = true;
        clearInterval(keepAlive);
        clearTimeout(abandon);
        signal.removeEventListener('abort', onAbort);
        resolve({ subscribed, reason });
      };
      const shut = (why: string): void => {
        reason = why;
        try {
          socket.close();
        } catch {
          // Already closing.
        }
        // A silent peer never answers the close handshake either: give the socket up after one
        // keep-alive period instead of waiting for a 'close' that may never come.
        abandon ??= setTimeout(finish, this.options.keepAliveMs);
      };
      const onAbort = (): void => shut('stopping');
      signal.addEventListener('abort', onAbort, { once: true });
      const keepAlive = setInterval(() => {
        const silentMs = Date.now() - lastMessageAt;
        if (socket.readyState === WebSocket.CONNECTING && silentMs > this.options.keepAliveMs) shut('the socket did not open in time');
        else if (silentMs > 2 * this.options.keepAliveMs) shut('the socket went silent');
        else if (socket.readyState === WebSocket.OPEN && silentMs > this.options.keepAliveMs) {
          socket.send(JSON.stringify({ jsonrpc: '2.0', id: PROBE_ID, method: 'eth_chainId', params: [] }));
        }
      }, Math.max(10, Math.floor(this.options.keepAliveMs / 2)));

      socket.addEventListener('open', () => {
        lastMessageAt = Date.now();
        socket.send(JSON.stringify({ jsonrpc: '2.0', id: SUBSCRIBE_ID, method: 'eth_subscribe', params: ['newHeads'] }));
      });
      socket.addEventListener('message', (event) => {
        // A socket given up (silent, then talking again) no longer speaks for the source.
        if (finished) return;
        lastMessageAt = Date.now();
        const message = parse(event.data);
        if (!message) return;
        if (message.id === SUBSCRIBE_ID) {
          if (typeof message.result === 'string') {
            subscribed = true;
            this.setSubscribed(true, 'subscribed to newHeads');
          } else {
            shut(`newHeads subscription refused: ${JSON.stringify(message.error ?? message)}`);
          }
        } else if (message.method === 'eth_subscription' && subscribed) {
          this.newest = announcedHead(message.params);
          this.headsSeen++;
          this.wake();
        }
      });
      socket.addEventListener('error', () => shut(reason === 'socket closed' ? 'socket error' : reason));
      socket.addEventListener('close', () => {
        finish();
      });
    });
  }
}

interface JsonRpcMessage {
  id?: number;
  method?: string;
  result?: unknown;
  error?: unknown;
  params?: unknown;
}

/** The number and hash of a `newHeads` notification's header (`params.result`), or null when it lacks them. */
function announcedHead(params: unknown): AnnouncedHead | null {
  const header = (params as { result?: { number?: unknown; hash?: unknown } } | undefined)?.result;
  if (typeof header?.number !== 'string' || !/^0x[0-9a-fA-F]+$/.test(header.number)) return null;
  if (typeof header.hash !== 'string' || !/^0x[0-9a-fA-F]{64}$/.test(header.hash)) return null;
  return { number: BigInt(header.number), hash: header.hash.toLowerCase() as AnnouncedHead['hash'] };
}

function parse(data: unknown): JsonRpcMessage | null {
  if (typeof data !== 'string') return null;
  try {
    const message: unknown = JSON.parse(data);
    return typeof message === 'object' && message !== null ? (message as JsonRpcMessage) : null;
  } catch {
    return null;
  }
}
