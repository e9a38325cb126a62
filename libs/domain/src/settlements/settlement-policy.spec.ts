import { ValidationError } from '../errors';
import { asMerchantId, type MerchantId } from '../payments/payment';
import {
  defaultSettlementPolicy,
  dueForSettlement,
  latestScheduleSlot,
  normaliseSettlementPolicy,
  type SettlementCandidate,
  type SettlementPolicy,
} from './settlement-policy';

const shop = asMerchantId('mer_shop');
const other = asMerchantId('mer_other');
const now = new Date('2026-11-21T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

let sequence = 0;
function candidate(overrides: Partial<SettlementCandidate> = {}): SettlementCandidate {
  sequence += 1;
  return {
    paymentId: `pay_${sequence}`,
    merchantId: shop,
    chainId: 31337,
    currency: 'USDC',
    decimals: 6,
    waitingAmount: 10_000_000n,
    waitingSince: minutesAgo(1),
    ...overrides,
  };
}

const policies = (byMerchant: Partial<Record<string, Partial<SettlementPolicy>>>) => (merchantId: MerchantId): SettlementPolicy => ({
  ...defaultSettlementPolicy(),
  ...byMerchant[merchantId],
});

const ids = (list: SettlementCandidate[]) => list.map((c) => c.paymentId);

describe('when a merchant\'s waiting payments settle', () => {
  it('immediate (the default): every candidate at once; off: none', () => {
    const mine = [candidate(), candidate()];
    const theirs = [candidate({ merchantId: other })];
    const due = dueForSettlement([...mine, ...theirs], policies({ [other]: { mode: 'off' } }), now);
    expect(ids(due)).toEqual(ids(mine));
  });

  describe('threshold', () => {
    const threshold = policies({ [shop]: { mode: 'threshold', thresholds: { USDC: '30' }, maxWaitSeconds: 3600 } });

    it('waits while the sum of one currency is below its threshold', () => {
      expect(dueForSettlement([candidate(), candidate()], threshold, now)).toEqual([]);
    });

    it('settles every waiting payment of the currency once the sum reaches the threshold', () => {
      const waiting = [candidate(), candidate(), candidate()];
      expect(ids(dueForSettlement(waiting, threshold, now))).toEqual(ids(waiting));
    });

    it('counts each chain separately', () => {
      const waiting = [candidate(), candidate({ chainId: 10 }), candidate({ chainId: 10 })];
      expect(dueForSettlement(waiting, threshold, now)).toEqual([]);
    });

    it('settles the whole group when its oldest value has waited maxWaitSeconds, however small', () => {
      const waiting = [candidate({ waitingAmount: 1n, waitingSince: minutesAgo(61) }), candidate({ waitingAmount: 1n })];
      expect(ids(dueForSettlement(waiting, threshold, now))).toEqual(ids(waiting));
    });

    it('settles currencies without a threshold immediately', () => {
      const dai = candidate({ currency: 'DAI', decimals: 18, waitingAmount: 1n });
      expect(ids(dueForSettlement([candidate(), dai], threshold, now))).toEqual([dai.paymentId]);
    });
  });

  describe('schedule', () => {
    const setAt = new Date(now.getTime() - 150 * 60_000); // 2.5 hours ago
    const hourly = policies({ [shop]: { mode: 'schedule', intervalSeconds: 3600, updatedAt: setAt } });

    it('settles what waited since before the latest scheduled time, and keeps newer value for the next', () => {
      const older = candidate({ waitingSince: minutesAgo(40) }); // before the slot 30 minutes ago
      const newer = candidate({ waitingSince: minutesAgo(20) });
      expect(ids(dueForSettlement([older, newer], hourly, now))).toEqual([older.paymentId]);
    });

    it('settles nothing before the first interval has passed', () => {
      const fresh = policies({ [shop]: { mode: 'schedule', intervalSeconds: 3600, updatedAt: minutesAgo(30) } });
      expect(dueForSettlement([candidate({ waitingSince: minutesAgo(31) })], fresh, now)).toEqual([]);
    });

    it('finds the latest slot by whole intervals from when the policy was set', () => {
      expect(latestScheduleSlot({ intervalSeconds: 3600, updatedAt: setAt }, now)).toEqual(minutesAgo(30));
    });
  });
});

describe('settlement policy input', () => {
  const decimalsOf = (currency: string) => ({ USDC: 6, ETH: 18 } as Record<string, number>)[currency];

  it('normalises currency symbols and drops fields of other modes', () => {
    expect(normaliseSettlementPolicy({ mode: 'threshold', thresholds: { usdc: '100.5' }, intervalSeconds: 60 }, decimalsOf)).toEqual({
      mode: 'threshold',
      thresholds: { USDC: '100.5' },
      intervalSeconds: null,
      maxWaitSeconds: null,
    });
    expect(normaliseSettlementPolicy({ mode: 'off', thresholds: { USDC: '1' } }, decimalsOf)).toEqual({
      mode: 'off',
      thresholds: {},
      intervalSeconds: null,
      maxWaitSeconds: null,
    });
  });

  it('names every field at fault', () => {
    const failure = (() => {
      try {
        normaliseSettlementPolicy({ mode: 'threshold', thresholds: { XYZ: '1', USDC: '0.0000001', ETH: 'lots' }, maxWaitSeconds: 5 }, decimalsOf);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(ValidationError);
    expect((failure as ValidationError).errors.map((e) => e.field)).toEqual(['thresholds.XYZ', 'thresholds.USDC', 'thresholds.ETH', 'maxWaitSeconds']);
  });

  it('requires an interval of at least a minute for the schedule mode', () => {
    expect(() => normaliseSettlementPolicy({ mode: 'schedule' }, decimalsOf)).toThrow('intervalSeconds: is required');
    expect(() => normaliseSettlementPolicy({ mode: 'schedule', intervalSeconds: 30 }, decimalsOf)).toThrow('intervalSeconds');
    expect(normaliseSettlementPolicy({ mode: 'schedule', intervalSeconds: 86_400 }, decimalsOf).intervalSeconds).toBe(86_400);
  });
});
