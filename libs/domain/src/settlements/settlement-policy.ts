import { ValidationError, type FieldError } from '../errors';
import { toBaseUnits } from '../money/amounts';
import type { MerchantId } from '../payments/payment';

/**
 * A merchant's settlement policy (issue 7): when Kassa flushes the merchant's deposit
 * addresses to its treasury.
 * - `immediate`: as soon as a payment is final and its value confirmed.
 * - `threshold`: once the value waiting in one currency on one chain reaches the currency's
 *   threshold, or the oldest waiting value has waited `maxWaitSeconds`; then every waiting
 *   payment of that currency settles together (currencies without a threshold: immediately).
 * - `schedule`: every `intervalSeconds`, counted from when the policy was set.
 * - `off`: never; the merchant flushes itself (docs/settlement.md shows how).
 */
export const SETTLEMENT_MODES = ['immediate', 'threshold', 'schedule', 'off'] as const;
export type SettlementMode = (typeof SETTLEMENT_MODES)[number];

/** Shortest and longest schedule interval, and longest wait under a threshold, seconds. */
export const MIN_SETTLEMENT_INTERVAL_SECONDS = 60;
export const MAX_SETTLEMENT_WAIT_SECONDS = 30 * 24 * 3600;
/** How long value may wait under a threshold policy when `maxWaitSeconds` is not set: 7 days. */
export const DEFAULT_MAX_WAIT_SECONDS = 7 * 24 * 3600;

/** A merchant's policy as stored. */
export interface SettlementPolicy {
  mode: SettlementMode;
  /** Threshold mode: currency symbol (upper case) -> decimal amount in token units, e.g. `{ USDC: "100" }`. */
  thresholds: Record<string, string>;
  /** Schedule mode: seconds between settlement runs. */
  intervalSeconds: number | null;
  /** Threshold mode: the longest value may wait, seconds (default {@link DEFAULT_MAX_WAIT_SECONDS}). */
  maxWaitSeconds: number | null;
  /** When the policy was last set: the schedule counts its intervals from here. */
  updatedAt: Date;
}

/** The policy of a merchant who never set one: settle immediately. */
export function defaultSettlementPolicy(since: Date = new Date(0)): SettlementPolicy {
  return { mode: 'immediate', thresholds: {}, intervalSeconds: null, maxWaitSeconds: null, updatedAt: since };
}

/** A policy as a merchant or operator writes it (`PUT /v1/settlement-policy`, `kassa settlement-policy set`). */
export interface SettlementPolicyInput {
  mode: SettlementMode;
  thresholds?: Record<string, string>;
  intervalSeconds?: number;
  maxWaitSeconds?: number;
}

/**
 * Checks a policy and normalises it (currency symbols upper case; fields that do not belong
 * to the mode dropped).
 *
 * @param decimalsOf the decimals of a currency symbol on the configured chains (the largest
 *   when it exists on several), or undefined for an unknown currency
 * @throws ValidationError naming every field at fault: unknown mode; threshold mode without
 *   thresholds, with an unknown currency or an amount that is not a positive decimal within
 *   the currency's decimals; schedule mode without an interval of 60 s to 30 days;
 *   `maxWaitSeconds` outside 60 s to 30 days
 */
export function normaliseSettlementPolicy(
  input: SettlementPolicyInput,
  decimalsOf: (currency: string) => number | undefined,
): Omit<SettlementPolicy, 'updatedAt'> {
  const errors: FieldError[] = [];
  if (!(SETTLEMENT_MODES as readonly string[]).includes(input.mode)) {
    throw ValidationError.field('mode', `must be one of ${SETTLEMENT_MODES.join(', ')}`);
  }
  const seconds = (field: string, value: number | undefined): number | null => {
    if (value === undefined) return null;
    if (!Number.isInteger(value) || value < MIN_SETTLEMENT_INTERVAL_SECONDS || value > MAX_SETTLEMENT_WAIT_SECONDS) {
      errors.push({ field, message: `must be a whole number of seconds from ${MIN_SETTLEMENT_INTERVAL_SECONDS} to ${MAX_SETTLEMENT_WAIT_SECONDS}` });
    }
    return value;
  };
  const policy: Omit<SettlementPolicy, 'updatedAt'> = { mode: input.mode, thresholds: {}, intervalSeconds: null, maxWaitSeconds: null };
  if (input.mode === 'threshold') {
    const entries = Object.entries(input.thresholds ?? {});
    if (entries.length === 0) errors.push({ field: 'thresholds', message: 'must name at least one currency, e.g. {"USDC": "100"}' });
    for (const [currency, amount] of entries) {
      const symbol = currency.toUpperCase();
      const decimals = decimalsOf(symbol);
      if (decimals === undefined) {
        errors.push({ field: `thresholds.${currency}`, message: `'${currency}' is not a supported currency` });
        continue;
      }
      try {
        toBaseUnits(amount, decimals, `thresholds.${currency}`);
        policy.thresholds[symbol] = amount.trim();
      } catch (error) {
        if (error instanceof ValidationError) errors.push(...error.errors);
        else throw error;
      }
    }
    policy.maxWaitSeconds = seconds('maxWaitSeconds', input.maxWaitSeconds);
  }
  if (input.mode === 'schedule') {
    if (input.intervalSeconds === undefined) errors.push({ field: 'intervalSeconds', message: 'is required for the schedule mode' });
    else policy.intervalSeconds = seconds('intervalSeconds', input.intervalSeconds);
  }
  if (errors.length) throw new ValidationError(errors);
  return policy;
}

/** A final payment with confirmed value at its deposit address that no settlement has moved yet. */
export interface SettlementCandidate {
  paymentId: string;
  merchantId: MerchantId;
  chainId: number;
  /** The payment's currency symbol and decimals (thresholds are per currency). */
  currency: string;
  decimals: number;
  /** Confirmed, not yet settled value in the payment's own token, base units. */
  waitingAmount: bigint;
  /** Since when the oldest of that value has waited (the payment's final state, or a late transfer). */
  waitingSince: Date;
}

/**
 * Picks the candidates whose merchant's policy says to settle now (DESIGN.md "Settlement";
 * rules on {@link SETTLEMENT_MODES}). Keeps the candidates' order.
 *
 * @param policyOf the merchant's policy ({@link defaultSettlementPolicy} when it has none)
 */
export function dueForSettlement<T extends SettlementCandidate>(
  candidates: readonly T[],
  policyOf: (merchantId: MerchantId) => SettlementPolicy,
  now: Date,
): T[] {
  const thresholdGroups = new Map<string, { sum: bigint; oldest: number; threshold: bigint; maxWaitMs: number }>();
  const groupKey = (c: SettlementCandidate) => `${c.merchantId}\u0000${c.chainId}\u0000${c.currency.toUpperCase()}`;
  for (const candidate of candidates) {
    const policy = policyOf(candidate.merchantId);
    const threshold = policy.mode === 'threshold' ? policy.thresholds[candidate.currency.toUpperCase()] : undefined;
    if (threshold === undefined) continue;
    const key = groupKey(candidate);
    const group = thresholdGroups.get(key) ?? {
      sum: 0n,
      oldest: Number.POSITIVE_INFINITY,
      threshold: toBaseUnits(threshold, candidate.decimals),
      maxWaitMs: (policy.maxWaitSeconds ?? DEFAULT_MAX_WAIT_SECONDS) * 1000,
    };
    group.sum += candidate.waitingAmount;
    group.oldest = Math.min(group.oldest, candidate.waitingSince.getTime());
    thresholdGroups.set(key, group);
  }

  return candidates.filter((candidate) => {
    const policy = policyOf(candidate.merchantId);
    switch (policy.mode) {
      case 'off':
        return false;
      case 'immediate':
        return true;
      case 'threshold': {
        const group = thresholdGroups.get(groupKey(candidate));
        if (!group) return true; // no threshold for this currency
        return group.sum >= group.threshold || now.getTime() - group.oldest >= group.maxWaitMs;
      }
      case 'schedule': {
        const slot = latestScheduleSlot(policy, now);
        return slot !== null && candidate.waitingSince.getTime() <= slot.getTime();
      }
    }
  });
}

/**
 * The latest scheduled settlement time at or before `now`: `updatedAt + k x interval`, k >= 1;
 * null before the first one (or without an interval).
 */
export function latestScheduleSlot(policy: Pick<SettlementPolicy, 'intervalSeconds' | 'updatedAt'>, now: Date): Date | null {
  if (!policy.intervalSeconds) return null;
  const intervalMs = policy.intervalSeconds * 1000;
  const elapsed = now.getTime() - policy.updatedAt.getTime();
  if (elapsed < intervalMs) return null;
  return new Date(policy.updatedAt.getTime() + Math.floor(elapsed / intervalMs) * intervalMs);
}
