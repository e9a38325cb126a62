import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { defineChain, type Chain } from 'viem';

/**
 * Starts a real Hardhat node (`hardhat node`, JSON-RPC over HTTP and WebSocket) as a child
 * process for tests and the local simulator, and guarantees it is stopped.
 */

/** Options of {@link startHardhatNode}. */
export interface HardhatNodeOptions {
  /** EIP-155 chain id (positive integer); default 31337. */
  chainId?: number;
  /**
   * Also mine a block every `blockTimeMs` milliseconds (transactions are still mined at once);
   * default: automine only, so blocks appear only with transactions.
   */
  blockTimeMs?: number;
  /** TCP port on 127.0.0.1; default 0, the OS picks a free one (no collision possible). */
  port?: number;
  /** Let the node print every JSON-RPC call into {@link HardhatNode.output}; default false. */
  logging?: boolean;
  /** How long to wait for the node to answer `eth_chainId`, in ms; default 60,000. */
  startTimeoutMs?: number;
}

/** A running Hardhat node. */
export interface HardhatNode {
  /** HTTP JSON-RPC endpoint, e.g. `http://127.0.0.1:41231`. */
  rpcUrl: string;
  /** WebSocket JSON-RPC endpoint on the same port, e.g. `ws://127.0.0.1:41231`. */
  wsUrl: string;
  chainId: number;
  /** viem chain for this node (native currency ETH, 18 decimals; rpcUrl and wsUrl set). */
  chain: Chain;
  /** Process id of the node. */
  pid: number;
  /** Last ~64 KiB of the node's stdout and stderr, for failure messages. */
  output(): string;
  /** Kills the node (SIGTERM, then SIGKILL after 5 s) and resolves once it has exited. Idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_CHAIN_ID = 31337;
const OUTPUT_LIMIT = 64 * 1024;
const STOP_GRACE_MS = 5_000;
const READY_LINE = /JSON-RPC server at http:\/\/([^\s/]+):(\d+)\//;

/** Nodes started by this process and not yet exited; killed on process exit. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Starts `hardhat node --config contracts/hardhat.config.ts --hostname 127.0.0.1` and resolves
 * once it answers `eth_chainId` with the requested chain id (about 0.5 s on a warm machine).
 *
 * The node runs in its own process group; {@link HardhatNode.stop} kills the group. It also
 * dies with this process: on a normal exit a hook kills it, and on a crash or SIGKILL the
 * closing stdin pipe makes it exit (see `exit-with-parent.js`).
 *
 * @throws Error with the node's output when it exits or times out before being ready, or
 *   answers another chain id; invalid options throw at once.
 */
export async function startHardhatNode(options: HardhatNodeOptions = {}): Promise<HardhatNode> {
  const chainId = options.chainId ?? DEFAULT_CHAIN_ID;
  const port = options.port ?? 0;
  const startTimeoutMs = options.startTimeoutMs ?? 60_000;
  assertPositiveInteger('chainId', chainId);
  if (options.blockTimeMs !== undefined) assertPositiveInteger('blockTimeMs', options.blockTimeMs);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`port must be 0..65535, got ${port}`);

  const root = repoRoot();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TS_NODE_TRANSPILE_ONLY: 'true',
    KASSA_HARDHAT_CHAIN_ID: String(chainId),
    KASSA_HARDHAT_LOGGING: options.logging ? 'true' : 'false',
    HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
    NO_COLOR: '1',
  };
  delete env.KASSA_HARDHAT_BLOCK_TIME_MS;
  if (options.blockTimeMs !== undefined) env.KASSA_HARDHAT_BLOCK_TIME_MS = String(options.blockTimeMs);

  const child = spawn(
    process.execPath,
    [
      '--require',
      path.join(__dirname, 'exit-with-parent.js'),
      require.resolve('hardhat/internal/cli/cli.js', { paths: [root] }),
      'node',
      '--config',
      path.join(root, 'contracts', 'hardhat.config.ts'),
      '--hostname',
      '127.0.0.1',
      '--port',
      String(port),
    ],
    { cwd: root, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true },
  );
  track(child);

  let output = '';
  const append = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = once(async (): Promise<void> => {
    if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    // Any process the node spawned is in its group; make sure none outlives it.
    signalGroup(child, 'SIGKILL');
  });

  try {
    const { host, actualPort } = await waitForReadyLine(child, () => output, startTimeoutMs);
    const rpcUrl = `http://${host}:${actualPort}`;
    const wsUrl = `ws://${host}:${actualPort}`;
    const answered = await rpcChainId(rpcUrl);
    if (answered !== chainId) {
      throw new Error(`Hardhat node at ${rpcUrl} answered chain id ${answered}, expected ${chainId}`);
    }
    return {
      rpcUrl,
      wsUrl,
      chainId,
      chain: defineChain({
        id: chainId,
        name: `Hardhat ${chainId}`,
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: [rpcUrl], webSocket: [wsUrl] } },
        testnet: true,
      }),
      pid: child.pid ?? -1,
      output: () => output,
      stop,
    };
  } catch (error) {
    await stop();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`Hardhat node did not start: ${reason}\n--- node output ---\n${output}`, { cause: error });
  }
}

/** Resolves with the address in Hardhat's "Started HTTP and WebSocket JSON-RPC server at" line. */
function waitForReadyLine(
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<{ host: string; actualPort: number }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
    const onData = (): void => {
      const match = READY_LINE.exec(output());
      if (match) finish(undefined, { host: match[1]!, actualPort: Number(match[2]) });
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(new Error(`process exited early (code ${code}, signal ${signal})`));
    const onError = (error: Error): void => finish(error);
    function finish(error: Error | undefined, ready?: { host: string; actualPort: number }): void {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) reject(error);
      else resolve(ready!);
    }
    // Registered after the output collector, so output() already holds the chunk.
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

/** `eth_chainId` over HTTP, as a number. */
async function rpcChainId(rpcUrl: string): Promise<number> {
  const response = await fetch(rpcUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
  });
  const body = (await response.json()) as { result?: unknown; error?: unknown };
  if (typeof body.result !== 'string') {
    throw new Error(`eth_chainId failed: ${JSON.stringify(body.error ?? body)}`);
  }
  return Number(BigInt(body.result));
}

/** Folder holding `contracts/hardhat.config.ts`, found by walking up from this file. */
function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'contracts', 'hardhat.config.ts'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No contracts/hardhat.config.ts above ${__dirname}`);
  }
}

function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // 'exit' handlers must be synchronous: a signal is all that can be sent here.
    process.once('exit', () => {
      for (const node of running) signalGroup(node, 'SIGKILL');
    });
  }
}

/** Sends `signal` to the child's process group (it was spawned detached, as group leader). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

function assertPositiveInteger(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let promise: Promise<void> | undefined;
  return () => (promise ??= fn());
}
