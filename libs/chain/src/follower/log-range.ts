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

  /**
   * The node refused a request spanning `width` blocks: spans shrink to the width the node
   * suggested (`hint`, see {@link suggestedLogRange}) when it is narrower, else to half of it.
   */
  refused(width: number, hint: number | null = null): void {
    const next = hint !== null && hint >= 1 && hint < width ? hint : Math.floor(width / 2);
    this.current = Math.max(1, Math.min(this.current, next));
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

/**
 * The block span an `eth_getLogs` refusal suggests, as the big providers phrase it:
 * - a suggested range `[0x<from>, 0x<to>]` (Infura's -32005 "query returned more than 10000
 *   results. Try with this block range [0x.., 0x..]"; Alchemy's "this block range should work:
 *   [0x.., 0x..]"): its width;
 * - "up to a 2K block range" (Alchemy): 2,000;
 * - "limited to a 10,000 range" / "block range ... (max|maximum|limit) 500" (QuickNode and
 *   others): the number.
 * @returns the span in blocks, or null when the message names none
 */
export function suggestedLogRange(message: string): number | null {
  const pair = /\[\s*(0x[0-9a-fA-F]+)\s*,\s*(0x[0-9a-fA-F]+)\s*\]/.exec(message);
  if (pair) {
    const width = Number(BigInt(pair[2]!) - BigInt(pair[1]!)) + 1;
    return width >= 1 ? width : null;
  }
  const thousands = /up to a ([\d.]+)\s*K block range/i.exec(message);
  if (thousands) return Math.floor(Number(thousands[1]) * 1000);
  const limited = /limited to an? ([\d,]+)(?:\s*block)? range/i.exec(message) ?? /block range[^\d]{0,40}?(?:max(?:imum)?|limit(?:ed)?(?: to)?)\D{0,5}([\d,]+)/i.exec(message);
  if (limited) {
    const span = Number(limited[1]!.replace(/,/g, ''));
    return Number.isInteger(span) && span >= 1 ? span : null;
  }
  return null;
}
