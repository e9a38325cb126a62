import type { BlockScanner } from './block-scanner';

/** A block the follower has recorded: its number and hash. */
export interface RecordedBlock {
  number: bigint;
  hash: string;
}

/** Blocks compared per JSON-RPC batch while walking back. */
const WALK_BACK_BATCH = 32;

/**
 * Walks back through the recorded blocks (newest first) and returns the newest one the
 * node still has with the same hash: the common ancestor of the recorded branch and the
 * node's canonical chain. Blocks are compared in batches of 32 headers per JSON-RPC batch.
 *
 * @param recorded recorded blocks, any order (they are sorted newest first)
 * @returns the common ancestor, or null when no recorded block is on the node's chain
 *   (a reorg deeper than what is recorded)
 * @throws RpcReadError when the node cannot be read
 */
export async function findCommonAncestor(
  scanner: Pick<BlockScanner, 'headers'>,
  recorded: readonly RecordedBlock[],
): Promise<RecordedBlock | null> {
  const newestFirst = [...recorded].sort((a, b) => (a.number === b.number ? 0 : a.number > b.number ? -1 : 1));
  for (let i = 0; i < newestFirst.length; i += WALK_BACK_BATCH) {
    const batch = newestFirst.slice(i, i + WALK_BACK_BATCH);
    const canonical = await scanner.headers(batch.map((block) => block.number));
    const ancestor = batch.find((block) => canonical.get(block.number)?.hash === block.hash.toLowerCase());
    if (ancestor) return ancestor;
  }
  return null;
}
