import type { ValueTransformer } from 'typeorm';

/**
 * Maps `NUMERIC(78,0)` and `BIGINT` columns to TypeScript `bigint`. The pg driver returns
 * both as strings (it never turns them into a JS number, which would lose precision above
 * 2^53); this transformer parses them, and writes bigint values back as decimal strings.
 */
export const bigintTransformer: ValueTransformer = {
  to: (value: unknown): unknown => (typeof value === 'bigint' ? value.toString() : value),
  from: (value: unknown): unknown => (value === null || value === undefined ? value : BigInt(value as string)),
};

/** A base-units or block-number column value as read by pg (decimal string) to bigint. */
export function toBigInt(value: string | number | bigint): bigint {
  return BigInt(value);
}

/** Like {@link toBigInt}, keeping null. */
export function toBigIntOrNull(value: string | number | bigint | null): bigint | null {
  return value === null ? null : BigInt(value);
}
