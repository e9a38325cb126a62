import { findCommonAncestor, type RecordedBlock } from './common-ancestor';
import type { ScannedBlock } from './scanned-range';

/** A node's canonical chain as a map of block number to hash; counts the header batches asked. */
function node(canonical: Record<number, string>): { headers: (numbers: readonly bigint[]) => Promise<Map<bigint, ScannedBlock>>; batches: number } {
  const fake = {
    batches: 0,
    async headers(numbers: readonly bigint[]): Promise<Map<bigint, ScannedBlock>> {
      fake.batches++;
      const found = new Map<bigint, ScannedBlock>();
      for (const n of numbers) {
        const hash = canonical[Number(n)];
        if (hash) found.set(n, { number: n, hash: hash as `0x${string}`, parentHash: '0x00', timestamp: new Date(0) });
      }
      return found;
    },
  };
  return fake;
}

const recorded = (from: number, to: number, branch: string): RecordedBlock[] =>
  Array.from({ length: to - from + 1 }, (_, i) => ({ number: BigInt(from + i), hash: `0x${branch}${from + i}` }));

describe('finding the common ancestor after a reorg', () => {
  it('is the newest recorded block the node still has with the same hash', async () => {
    const stored = [...recorded(90, 97, 'aa'), ...recorded(98, 100, 'bb')];
    const canonical = Object.fromEntries([...recorded(90, 97, 'aa'), ...recorded(98, 102, 'cc')].map((b) => [Number(b.number), b.hash]));

    expect(await findCommonAncestor(node(canonical), stored)).toEqual({ number: 97n, hash: '0xaa97' });
  });

  it('handles a node whose chain became shorter than the recorded one', async () => {
    const stored = recorded(1, 10, 'aa');
    const canonical = Object.fromEntries(recorded(1, 6, 'aa').map((b) => [Number(b.number), b.hash]));

    expect(await findCommonAncestor(node(canonical), stored)).toEqual({ number: 6n, hash: '0xaa6' });
  });

  it('walks back in batches of 32 headers', async () => {
    const stored = recorded(1, 100, 'aa');
    const canonical = Object.fromEntries([...recorded(1, 50, 'aa'), ...recorded(51, 100, 'bb')].map((b) => [Number(b.number), b.hash]));
    const fake = node(canonical);

    expect(await findCommonAncestor(fake, stored)).toEqual({ number: 50n, hash: '0xaa50' });
    expect(fake.batches).toBe(2);
  });

  it('is null when no recorded block is on the node chain (a reorg deeper than what is recorded)', async () => {
    const canonical = Object.fromEntries(recorded(1, 10, 'cc').map((b) => [Number(b.number), b.hash]));
    expect(await findCommonAncestor(node(canonical), recorded(1, 10, 'aa'))).toBeNull();
    expect(await findCommonAncestor(node(canonical), [])).toBeNull();
  });
});
