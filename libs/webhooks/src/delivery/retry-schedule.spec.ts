import { seededRandom } from '@kassa/testing';

import { DEFAULT_RETRY_POLICY, nextRetry, type RandomSource, retryCeilingMs } from './retry-schedule';

const windowStartedAt = new Date('2026-11-02T10:00:00.000Z');
const SECOND = 1000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function waitAfter(attempts: number, random: RandomSource, now = windowStartedAt): number {
  const decision = nextRetry({ attempts, windowStartedAt, now }, DEFAULT_RETRY_POLICY, random);
  if (decision.outcome !== 'retry') throw new Error(`expected a retry after attempt ${attempts}`);
  return decision.nextAttemptAt.getTime() - now.getTime();
}

describe('webhook retry schedule', () => {
  it('doubles the ceiling from 5 s and caps it at 1 h', () => {
    expect([1, 2, 3, 4, 5].map((n) => retryCeilingMs(n))).toEqual([5 * SECOND, 10 * SECOND, 20 * SECOND, 40 * SECOND, 80 * SECOND]);
    expect(retryCeilingMs(11)).toBe(HOUR);
    expect(retryCeilingMs(5000)).toBe(HOUR);
  });

  it('draws each wait between the 1 s floor and the ceiling (full jitter)', () => {
    expect(waitAfter(1, () => 0)).toBe(SECOND);
    expect(waitAfter(1, () => 0.999_999_9)).toBe(5 * SECOND);
    expect(waitAfter(3, () => 0.5)).toBe(SECOND + 0.5 * 19 * SECOND);
    expect(waitAfter(40, () => 0.999_999_9, new Date(windowStartedAt.getTime() + DAY))).toBe(HOUR);
  });

  it('spreads endpoints that failed together instead of retrying them in lock-step', () => {
    const random = seededRandom(42);
    const waits = Array.from({ length: 200 }, () => waitAfter(6, random));
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(SECOND);
      expect(wait).toBeLessThanOrEqual(160 * SECOND);
    }
    expect(new Set(waits).size).toBeGreaterThan(190);
    const mean = waits.reduce((sum, wait) => sum + wait, 0) / waits.length;
    expect(mean).toBeGreaterThan(60 * SECOND);
    expect(mean).toBeLessThan(100 * SECOND);
  });

  it('keeps retrying a dead endpoint for 3 days, then marks the delivery failed', () => {
    const random = seededRandom(7);
    let now = windowStartedAt;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const decision = nextRetry({ attempts, windowStartedAt, now }, DEFAULT_RETRY_POLICY, random);
      if (decision.outcome === 'failed') break;
      expect(decision.nextAttemptAt.getTime()).toBeGreaterThan(now.getTime());
      now = decision.nextAttemptAt;
    }
    // The last attempt happened exactly at the deadline, never after it.
    expect(now.toISOString()).toBe(new Date(windowStartedAt.getTime() + 3 * DAY).toISOString());
    // Full jitter with a 1 h cap averages about 30 min between late attempts.
    expect(attempts).toBeGreaterThan(100);
    expect(attempts).toBeLessThan(250);
  });

  it('fails a delivery whose attempt failed after the maximum age', () => {
    const late = new Date(windowStartedAt.getTime() + 3 * DAY + 1);
    expect(nextRetry({ attempts: 1, windowStartedAt, now: late }, DEFAULT_RETRY_POLICY, () => 0.5)).toEqual({ outcome: 'failed' });
  });

  it('never schedules past the deadline: the last retry is at the deadline', () => {
    const now = new Date(windowStartedAt.getTime() + 3 * DAY - 10 * SECOND);
    const decision = nextRetry({ attempts: 50, windowStartedAt, now }, DEFAULT_RETRY_POLICY, () => 0.9);
    expect(decision).toEqual({ outcome: 'retry', nextAttemptAt: new Date(windowStartedAt.getTime() + 3 * DAY) });
  });

  it('honours a shorter maximum age from configuration', () => {
    const policy = { ...DEFAULT_RETRY_POLICY, maxAgeMs: 60 * SECOND };
    const now = new Date(windowStartedAt.getTime() + 61 * SECOND);
    expect(nextRetry({ attempts: 2, windowStartedAt, now }, policy, () => 0)).toEqual({ outcome: 'failed' });
  });
});
