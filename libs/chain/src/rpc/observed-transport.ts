import type { EIP1193RequestFn, Transport } from 'viem';

/**
 * Told of every JSON-RPC request a client made: its method, how long it took in ms
 * (including retries and moves to another URL) and the error it failed with (null: it
 * succeeded). Used for metrics; must not throw.
 */
export type RpcObserver = (method: string, durationMs: number, error: unknown) => void;

/** `transport` with each request reported to `observe` once it settles. */
export function observedTransport<T extends Transport>(transport: T, observe: RpcObserver): T {
  const observed = ((params: Parameters<T>[0]) => {
    const built = transport(params);
    const request = (async (args: { method: string; params?: unknown }, options?: unknown) => {
      const started = performance.now();
      try {
        const result: unknown = await (built.request as (a: unknown, o?: unknown) => Promise<unknown>)(args, options);
        observe(args.method, performance.now() - started, null);
        return result;
      } catch (error) {
        observe(args.method, performance.now() - started, error);
        throw error;
      }
    }) as EIP1193RequestFn;
    return { ...built, request };
  }) as T;
  return observed;
}
