/**
 * How many blocks one `eth_getLogs` may span on a chain, learnt from the node (DESIGN.md
 * "Chain watcher": "catch up on a backlog with eth_getLogs over block ranges that adapt to
 * the node's limits"). Providers refuse wide ranges in their own ways (a block-range cap,
 * a result-count cap, a response-size cap), so the limit is found by trying:
 * - a refused range of width w lowers the span to w / 2 (at least 1), at once;
 * - after `growAfter` successful full-span requests in a row, the span doubles, up to `max`,
 *   so a temporary limit (a busy node) does not slow the chain down for good.
 */
export class AdaptiveLogRange {
  private current: number;
  private successes = 0;

  /**
   * @param max widest span in blocks (the follower's blocks per step); >= 1
   * @param growAfter full-span successes before the span doubles; >= 1
   */
  constructor(
    readonly max: number,
    private readonly growAfter = 4,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be a positive integer, got ${max}`);
    if (!Number.isInteger(growAfter) || growAfter < 1) throw new RangeError(`growAfter must be a positive integer, got ${growAfter}`);
    this.current = max;
  }

  /** Blocks one `eth_getLogs` spans now. */
  get span(): number {
    return this.current;
  }

  /** The node refused a request spanning `width` blocks: spans shrink to half of it. */
  refused(width: number): void {
    this.current = Math.max(1, Math.min(this.current, Math.floor(width / 2)));
    this.successes = 0;
  }

  /** A request spanning `width` blocks succeeded; full-span successes let the span grow. */
  succeeded(width: number): void {
    if (width < this.current) return;
    this.successes++;
    if (this.successes >= this.growAfter && this.current < this.max) {
      this.current = Math.min(this.max, this.current * 2);
      this.successes = 0;
    }
  }

  /** `from..to` (inclusive) cut into consecutive ranges of at most the current span. */
  split(from: bigint, to: bigint): [bigint, bigint][] {
    const ranges: [bigint, bigint][] = [];
    const span = BigInt(this.current);
    for (let start = from; start <= to; start += span) {
      const end = start + span - 1n;
      ranges.push([start, end < to ? end : to]);
    }
    return ranges;
  }
}
