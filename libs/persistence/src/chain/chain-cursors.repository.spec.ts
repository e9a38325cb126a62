import type { Hex } from '@kassa/domain';
import { randomHash, useTestDatabase } from '@kassa/testing';

import { ChainCursorsRepository, type ChainBlock } from './chain-cursors.repository';

describe('ChainCursorsRepository', () => {
  const db = useTestDatabase();
  let cursors: ChainCursorsRepository;

  beforeAll(() => {
    cursors = new ChainCursorsRepository(db.dataSource);
  });

  const chain = (chainId: number, from: bigint, count: number): ChainBlock[] => {
    const blocks: ChainBlock[] = [];
    let parentHash: Hex = randomHash();
    for (let i = 0n; i < BigInt(count); i += 1n) {
      const block = { chainId, blockNumber: from + i, blockHash: randomHash(), parentHash, timestamp: new Date(1_700_000_000_000 + Number(i) * 2000) };
      blocks.push(block);
      parentHash = block.blockHash;
    }
    return blocks;
  };

  it('moves the cursor forwards and back, per chain', async () => {
    expect(await cursors.get(1)).toBeNull();
    const hash = randomHash();

    await db.dataSource.transaction((manager) => cursors.save(manager, 1, 2n ** 40n, randomHash()));
    await db.dataSource.transaction((manager) => cursors.save(manager, 1, 2n ** 40n - 3n, hash));
    await db.dataSource.transaction((manager) => cursors.save(manager, 2, 5n, randomHash()));

    expect(await cursors.get(1)).toMatchObject({ chainId: 1, blockNumber: 2n ** 40n - 3n, blockHash: hash });
  });

  it('keeps recent block hashes, replaces a reorged branch and prunes old blocks', async () => {
    const chainId = 10;
    const original = chain(chainId, 100n, 10);
    await db.dataSource.transaction((manager) => cursors.saveBlocks(manager, original));
    expect(await cursors.getBlocks(chainId, 100n, 109n)).toEqual(original);

    // Blocks 107.. are replaced by another branch.
    const branch = chain(chainId, 107n, 4).map((block, i) => (i === 0 ? { ...block, parentHash: original[6]!.blockHash } : block));
    await db.dataSource.transaction(async (manager) => {
      expect(await cursors.deleteFrom(manager, chainId, 107n)).toBe(3);
      await cursors.saveBlocks(manager, branch);
      expect(await cursors.pruneBelow(manager, chainId, 104n)).toBe(4);
    });

    expect(await cursors.getBlocks(chainId, 0n, 1000n)).toEqual([...original.slice(4, 7), ...branch]);
  });
});
