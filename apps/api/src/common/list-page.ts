/** A page of a newest-first list (`GET /v1/<objects>`), Stripe-style cursor pagination. */
export interface ListPage<T> {
  object: 'list';
  data: T[];
  hasMore: boolean;
  /** The last id of this page: pass it as `startingAfter` for the next; null on the last page. */
  nextCursor: string | null;
}

/** Page size when a list query names none. */
export const DEFAULT_PAGE_SIZE = 20;

/**
 * One page of a list: reads one row more than the page holds (`read(limit + 1)`), so whether
 * another page follows is known without counting, and maps the page's rows to objects.
 * @param limit the query's `limit` (1-100, validated by the query DTO), default {@link DEFAULT_PAGE_SIZE}
 */
export async function listPage<R, T extends { id: string }>(
  limit: number | undefined,
  read: (limit: number) => Promise<R[]>,
  toObjects: (rows: R[]) => T[] | Promise<T[]>,
): Promise<ListPage<T>> {
  const size = limit ?? DEFAULT_PAGE_SIZE;
  const rows = await read(size + 1);
  const hasMore = rows.length > size;
  const data = await toObjects(rows.slice(0, size));
  return { object: 'list', data, hasMore, nextCursor: hasMore ? data[data.length - 1]!.id : null };
}
