/**
 * When a failed delivery is tried again: exponential backoff with full jitter (each wait is
 * uniformly random between zero and an exponentially growing ceiling, so endpoints that fail
 * together do not get retried in lock-step), until a maximum age after the event.
 */
export interface RetryPolicy {
  /** Ceiling of the wait after the first failed attempt, milliseconds. */
  baseDelayMs: number;
  /** Growth of the ceiling per further failed attempt. */
  factor: number;
  /** Largest ceiling, milliseconds: a dead endpoint is still tried at least this often. */
  maxDelayMs: number;
  /** Smallest wait, milliseconds, so a zero draw never retries in a tight loop. */
  minDelayMs: number;
  /** How long after its retry window started (the event, or a manual redelivery) a delivery is retried before it is `failed`, milliseconds. */
  maxAgeMs: number;
}

/** 5 s, 10 s, 20 s, ... up to 1 h between attempts, for 3 days (DESIGN.md "Webhooks"). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 5_000,
  factor: 2,
  maxDelayMs: 3_600_000,
  minDelayMs: 1_000,
  maxAgeMs: 3 * 24 * 3_600_000,
};

/** A draw from [0, 1), like `Math.random`; injected so tests are deterministic. */
export type RandomSource = () => number;

/** What happens to a delivery after a failed attempt. */
export type RetryDecision = { outcome: 'retry'; nextAttemptAt: Date } | { outcome: 'failed' };

/**
 * Ceiling of the wait after `attempts` failed attempts (1 after the first failure):
 * `min(maxDelayMs, baseDelayMs * factor^(attempts - 1))`, milliseconds.
 */
export function retryCeilingMs(attempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const exponent = Math.max(0, attempts - 1);
  // Clamp the exponent before Math.pow: a delivery retried for days must not overflow to Infinity.
  const growth = Math.pow(policy.factor, Math.min(exponent, 64));
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * growth);
}

/**
 * Decides what follows a failed attempt. The next attempt is `now + wait`, wait drawn
 * uniformly from [minDelayMs, ceiling] (full jitter). It is never later than the window's
 * deadline (`windowStartedAt + maxAgeMs`): the last attempt happens at the deadline, and an
 * attempt that fails at or after the deadline makes the delivery `failed`, left for manual
 * redelivery. The window starts at the event's time, and again at each manual redelivery.
 *
 * @param attempts failed attempts in this window so far, including the one just made (>= 1)
 */
export function nextRetry(
  input: { attempts: number; windowStartedAt: Date; now: Date },
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: RandomSource = Math.random,
): RetryDecision {
  const deadline = input.windowStartedAt.getTime() + policy.maxAgeMs;
  const now = input.now.getTime();
  if (now >= deadline) return { outcome: 'failed' };
  const ceiling = Math.max(policy.minDelayMs, retryCeilingMs(input.attempts, policy));
  const wait = policy.minDelayMs + random() * (ceiling - policy.minDelayMs);
  return { outcome: 'retry', nextAttemptAt: new Date(Math.min(deadline, now + Math.round(wait))) };
}
