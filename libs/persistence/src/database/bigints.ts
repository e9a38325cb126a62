/** A base-units or block-number column value as read by pg (decimal string) to bigint. */
export function toBigInt(value: string | number | bigint): bigint {
  return BigInt(value);
}

/** Like {@link toBigInt}, keeping null. */
export function toBigIntOrNull(value: string | number | bigint | null): bigint | null {
  return value === null ? null : BigInt(value);
}
