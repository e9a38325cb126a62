import { isAddress, type Address } from 'viem';

/**
 * PostgreSQL channel on which a new payment is announced to the chain watcher, so it starts
 * watching the deposit address at once (DESIGN.md "Chain watcher"). The API sends it in
 * the transaction that creates the payment (`SELECT pg_notify($1, $2)`), so the watcher is
 * told exactly when the payment is committed, and never about a rolled-back one.
 */
export const WATCHED_PAYMENTS_CHANNEL = 'kassa_payments';

/** What a {@link WATCHED_PAYMENTS_CHANNEL} notification says: one payment to watch. */
export interface WatchedPaymentNotice {
  chainId: number;
  depositAddress: Address;
  /** Absent in the short form; the watcher then looks the address up itself. */
  paymentId?: string;
  /**
   * Whether the payment accepts the chain's native coin there (`n`) or tokens only (`t`);
   * absent in older notices, and then taken as true (the watcher reads block bodies).
   */
  acceptsNative?: boolean;
}

/**
 * The payload of a {@link WATCHED_PAYMENTS_CHANNEL} notification:
 * `<chainId>:<depositAddress>:<paymentId>`, e.g.
 * `31337:0x5FbDB2315678afecb367f032d93F642f64180aa3:pay_01JD...` (well under PostgreSQL's
 * 8,000-byte payload limit).
 */
export function formatWatchedPaymentNotice(notice: Required<Omit<WatchedPaymentNotice, 'acceptsNative'>> & Pick<WatchedPaymentNotice, 'acceptsNative'>): string {
  const coin = notice.acceptsNative === undefined ? '' : notice.acceptsNative ? ':n' : ':t';
  return `${notice.chainId}:${notice.depositAddress}:${notice.paymentId}${coin}`;
}

/**
 * Parses a notification payload: `<chainId>:<depositAddress>:<paymentId>[:n|:t]`, or the
 * short form `<chainId>:<depositAddress>`.
 * @returns the notice, or null when the payload is malformed
 */
export function parseWatchedPaymentNotice(payload: string): WatchedPaymentNotice | null {
  const [chain, address, paymentId, coin, ...rest] = payload.split(':');
  if (rest.length > 0 || chain === undefined || address === undefined || !/^\d+$/.test(chain)) return null;
  if (coin !== undefined && coin !== 'n' && coin !== 't') return null;
  const chainId = Number(chain);
  if (!Number.isSafeInteger(chainId) || chainId <= 0 || !isAddress(address, { strict: false })) return null;
  if (paymentId !== undefined && paymentId.length === 0) return null;
  return {
    chainId,
    depositAddress: address,
    ...(paymentId !== undefined ? { paymentId } : {}),
    ...(coin !== undefined ? { acceptsNative: coin === 'n' } : {}),
  };
}
