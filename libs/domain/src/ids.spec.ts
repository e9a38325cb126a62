import { decodeTime } from 'ulid';

import { idTime, isId, newId } from './ids';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A clock of its own, one millisecond further at each call. */
let clock = Date.UTC(2100, 0, 1);
const later = (): number => ++clock;

describe('newId', () => {
  it('gives ids of the kind\'s prefix whose ULID carries the given time', () => {
    const now = later();
    const id = newId('payment', now);
    expect(isId('payment', id)).toBe(true);
    expect(decodeTime(id.slice(4))).toBe(now);
  });

  it('draws every random character uniformly from the 32 symbols, and never repeats an id', () => {
    const ids = Array.from({ length: 32_000 }, () => newId('event', later()));
    expect(new Set(ids).size).toBe(ids.length);
    for (const position of [10, 25]) {
      const counts = new Map<string, number>();
      for (const id of ids) {
        const symbol = id.slice(4)[position]!;
        counts.set(symbol, (counts.get(symbol) ?? 0) + 1);
      }
      expect([...counts.keys()].sort()).toEqual([...CROCKFORD].sort());
      // 1,000 expected per symbol; about 6 standard deviations (31 each) either way.
      for (const count of counts.values()) expect(Math.abs(count - 1_000)).toBeLessThan(190);
    }
  });

  it('carries the time it is given after an id of a later time, and orders that millisecond\'s ids again', () => {
    const future = later() + 60_000;
    expect(idTime(newId('event', future))).toBe(future);
    const now = later();
    const ids = Array.from({ length: 100 }, () => newId('payment', now));
    expect(new Set(ids.map(idTime))).toEqual(new Set([now]));
    expect([...ids].sort()).toEqual(ids);
  });

  it('orders the ids of one millisecond as they were made', () => {
    const now = later();
    const ids = Array.from({ length: 1_000 }, () => newId('delivery', now));
    expect(new Set(ids.map((id) => decodeTime(id.slice(4))))).toEqual(new Set([now]));
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('idTime', () => {
  it('reads the creation time of ids of every prefix length', () => {
    const now = later();
    expect(idTime(newId('payment', now))).toBe(now);
    expect(idTime(newId('webhookEndpoint', now))).toBe(now);
    // The example of the ulid package's README.
    expect(idTime('pay_01ARYZ6S41TSV4RRFFQ69G5FAV')).toBe(1469918176385);
  });

  it('refuses what is not an id', () => {
    expect(() => idTime('01ARZ3NDEKTSV4RRFFQ69G5FAV')).toThrow('Not a Kassa id');
    expect(() => idTime('pay_not-a-ulid')).toThrow();
  });
});
