import { Kassa, KassaApiError, type Payout, type Refund } from '@kassa/sdk';

import { CliError } from './pay.command';

/** Where the merchant API is and the key to call it with (the demo key of `npm start` by default). */
export interface MerchantApi {
  apiUrl: string;
  apiKey: string;
}

/**
 * Calls the merchant API as a merchant's client would, through `@kassa/sdk`: with the API
 * key, an `Idempotency-Key` on every create (so a command repeated after a lost answer
 * creates nothing twice), and retries of what may be repeated.
 * @returns what `call` returns
 * @throws CliError with the problem's status, code, detail and the fields at fault for a
 *   refused request, or when the API cannot be reached
 */
export async function callMerchantApi<T>(api: MerchantApi, call: (kassa: Kassa) => Promise<T>): Promise<T> {
  const kassa = new Kassa({ apiKey: api.apiKey, baseUrl: api.apiUrl, maxRetries: 2, maxRetryDelayMs: 5_000 });
  try {
    return await call(kassa);
  } catch (error) {
    if (error instanceof KassaApiError) {
      const fields = error.errors.length > 0 ? ` (${error.errors.map((fault) => `${fault.field}: ${fault.message}`).join('; ')})` : '';
      throw new CliError(`The API answered ${error.status} ${error.code}: ${error.detail ?? error.title}${fields}`);
    }
    if (error instanceof TypeError) throw new CliError(`Cannot reach the Kassa API at ${api.apiUrl}: ${error.message}`);
    throw error;
  }
}

/** The lines `kassa refund show` and `create` print. */
export function formatRefund(refund: Refund): string[] {
  const lines = [
    `Refund ${refund.id}: ${refund.status}, ${refund.amount} ${refund.currency} on chain ${refund.chainId} (${refund.method})`,
    `  payment:  ${refund.paymentId}`,
    `  address:  ${refund.address ?? 'not given yet'}${refund.addressSource ? ` (${refund.addressSource})` : ''}`,
  ];
  if (refund.reason) lines.push(`  reason:   ${refund.reason}`);
  if (refund.claimUrl) lines.push(`  claim:    ${refund.claimUrl}  (send it to the customer)`);
  if (refund.approvalUrl) lines.push(`  approve:  ${refund.approvalUrl}  (pay it from your wallet; until ${refund.approvalExpiresAt})`);
  if (refund.payoutId) lines.push(`  payout:   ${refund.payoutId}`);
  if (refund.txHash) lines.push(`  tx:       ${refund.txHash}${refund.blockNumber ? ` (block ${refund.blockNumber})` : ''}`);
  if (refund.failureReason) lines.push(`  failed:   ${refund.failureReason}`);
  return lines;
}

/** One line of `kassa refund list`. */
export function formatRefundLine(refund: Refund): string {
  return `${refund.id}  ${refund.status.padEnd(16)}  ${refund.paymentId}  ${refund.amount} ${refund.currency}  chain ${refund.chainId}  ${refund.address ?? '-'}  ${refund.createdAt}`;
}

/** The lines `kassa payout show` and `create` print. */
export function formatPayout(payout: Payout): string[] {
  const lines = [
    `Payout ${payout.id}: ${payout.status}, ${payout.amount} ${payout.currency} on chain ${payout.chainId}`,
    `  to:       ${payout.address}`,
  ];
  if (payout.refundId) lines.push(`  refund:   ${payout.refundId}`);
  if (payout.description) lines.push(`  note:     ${payout.description}`);
  if (payout.txHash) lines.push(`  tx:       ${payout.txHash}${payout.blockNumber ? ` (block ${payout.blockNumber})` : ''}`);
  if (payout.lastError) lines.push(`  waiting:  ${payout.lastError}`);
  if (payout.failureReason) lines.push(`  failed:   ${payout.failureReason}`);
  return lines;
}

/** One line of `kassa payout list`. */
export function formatPayoutLine(payout: Payout): string {
  return `${payout.id}  ${payout.status.padEnd(9)}  ${payout.amount} ${payout.currency}  chain ${payout.chainId}  ${payout.address}  ${payout.txHash ?? '-'}  ${payout.createdAt}`;
}
