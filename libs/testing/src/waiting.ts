/**
 * Polls `read` every `intervalMs` until `done` holds for what it returned; on timeout fails
 * with `describe(lastValue)`, so the failure says the last state seen, not only that time
 * ran out.
 * @throws Error `Timed out after <timeoutMs> ms: <describe(last)>`
 */
export async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  describe: (value: T | undefined) => string,
  timeoutMs = 20_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value: T | undefined;
  for (;;) {
    value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${describe(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/**
 * {@link waitFor} for a check that returns its result once there is one (undefined until
 * then). `what` names what is awaited; as a function it is asked at the timeout, so it can
 * tell the state reached by then.
 * @throws Error `Timed out after <timeoutMs> ms waiting for <what>`
 */
export function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 20_000, intervalMs = 100, what = 'condition' }: { timeoutMs?: number; intervalMs?: number; what?: string | (() => string) } = {},
): Promise<T> {
  return waitFor(check, (value) => value !== undefined, () => `waiting for ${typeof what === 'function' ? what() : what}`, timeoutMs, intervalMs) as Promise<T>;
}
