import { AdaptiveLogRange } from './log-range';

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
