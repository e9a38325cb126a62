import { replacementFees, settlementRetryDelayMs } from './settlement-fees';

describe('fees of a replacement settlement transaction (same nonce)', () => {
  it('raises both EIP-1559 fees by at least the bump, so nodes accept the replacement', () => {
    const previous = { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n };
    const next = replacementFees(previous, { maxFeePerGas: 1_000_000_000n, maxPriorityFeePerGas: 1_000_000n }, 20);
    expect(next).toEqual({ maxFeePerGas: 2_400_000_001n, maxPriorityFeePerGas: 1_200_000_001n });
  });

  it('never bumps by less than 10 %, the replacement rule of geth and Hardhat', () => {
    const next = replacementFees({ gasPrice: 1000n }, { gasPrice: 1n }, 1);
    expect(next).toEqual({ gasPrice: 1101n });
  });

  it('follows the market when it rose further than the bump', () => {
    const next = replacementFees({ maxFeePerGas: 10n, maxPriorityFeePerGas: 1n }, { maxFeePerGas: 500n, maxPriorityFeePerGas: 50n }, 20);
    expect(next).toEqual({ maxFeePerGas: 500n, maxPriorityFeePerGas: 50n });
  });

  it('keeps the priority fee within the max fee', () => {
    const next = replacementFees({ maxFeePerGas: 100n, maxPriorityFeePerGas: 100n }, { maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }, 10);
    expect('maxFeePerGas' in next && next.maxPriorityFeePerGas <= next.maxFeePerGas).toBe(true);
  });
});

describe('retry delay after failed settlements', () => {
  it('doubles with each consecutive failure up to the cap', () => {
    expect([1, 2, 3, 4, 20].map((attempt) => settlementRetryDelayMs(attempt, 5000, 60_000))).toEqual([5000, 10_000, 20_000, 40_000, 60_000]);
  });
});
