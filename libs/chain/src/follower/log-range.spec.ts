import { AdaptiveLogRange, suggestedLogRange } from './log-range';

describe('the eth_getLogs span a chain accepts', () => {
  it('starts at the widest span and cuts a range into spans of it', () => {
    const range = new AdaptiveLogRange(100);
    expect(range.span).toBe(100);
    expect(range.split(1n, 250n)).toEqual([
      [1n, 100n],
      [101n, 200n],
      [201n, 250n],
    ]);
  });

  it('halves the refused width at once, down to one block', () => {
    const range = new AdaptiveLogRange(100);
    range.refused(100);
    expect(range.span).toBe(50);
    range.refused(50);
    range.refused(25);
    expect(range.span).toBe(12);
    for (let i = 0; i < 10; i++) range.refused(1);
    expect(range.span).toBe(1);
  });

  it('grows back to the widest span after enough full-span successes, never past it', () => {
    const range = new AdaptiveLogRange(100, 2);
    range.refused(20);
    expect(range.span).toBe(10);
    range.succeeded(10);
    expect(range.span).toBe(10);
    range.succeeded(10);
    expect(range.span).toBe(20);
    // A short tail range says nothing about the limit.
    range.succeeded(3);
    range.succeeded(3);
    expect(range.span).toBe(20);
    for (let i = 0; i < 20; i++) range.succeeded(range.span);
    expect(range.span).toBe(100);
  });

  it('a refusal resets the count of successes', () => {
    const range = new AdaptiveLogRange(64, 3);
    range.refused(64);
    range.succeeded(32);
    range.succeeded(32);
    range.refused(32);
    range.succeeded(16);
    range.succeeded(16);
    expect(range.span).toBe(16);
  });
});

describe('the span a provider suggests when it refuses eth_getLogs', () => {
  it.each([
    ['Infura (-32005)', 'query returned more than 10000 results. Try with this block range [0x1e8480, 0x1e8c30].', 0x1e8c30 - 0x1e8480 + 1],
    [
      'Alchemy, with a suggested range',
      'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size, or you can request any block range with a cap of 10K logs in the response. Based on your parameters, this block range should work: [0x10, 0x2f]',
      32,
    ],
    ['Alchemy, without one', 'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range and no limit on the response size', 2_000],
    ['QuickNode (-32614)', 'eth_getLogs is limited to a 10,000 range', 10_000],
    ['a block range maximum', 'block range is too wide (maximum 500 blocks)', 500],
    ['no number at all', 'response too large', null],
  ])('%s', (_provider, message, span) => {
    expect(suggestedLogRange(message)).toBe(span);
  });

  it('shrinks to the suggested span when it is narrower than half, and to half otherwise', () => {
    const range = new AdaptiveLogRange(1_000);
    range.refused(1_000, 32);
    expect(range.span).toBe(32);
    const other = new AdaptiveLogRange(1_000);
    other.refused(1_000, 2_000);
    expect(other.span).toBe(500);
  });
});
