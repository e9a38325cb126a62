import type { PayoutObject, RefundObject } from '@kassa/domain';

import { CliError } from './pay.command';

/** Where the merchant API is and the key to call it with (the demo key of `npm start` by default). */
export interface MerchantApi {
  apiUrl: string;
  apiKey: string;
}

/** An RFC 9457 problem as the API answers it. */
interface ProblemBody {
  title?: string;
  detail?: string;
  code?: string;
  errors?: { field: string; message: string }[];
}

/**
 * Calls the merchant API (`/v1/...`) as a merchant's client would, with the API key and, for a
 * create, an `Idempotency-Key`, so a command repeated after a lost answer creates nothing twice.
 * @returns the JSON body of a 2xx answer
 * @throws CliError with the problem's detail (and the fields at fault) for any other answer,
 *   or when the API cannot be reached
 */
export async function callMerchantApi<T>(api: MerchantApi, method: 'GET' | 'POST', path: string, body?: unknown, idempotencyKey?: string): Promise<T> {
  const base = api.apiUrl.replace(/\/$/, '');
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${api.apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch((error: Error) => {
    throw new CliError(`Cannot reach the Kassa API at ${base}: ${error.message}`);
  });
  const text = await response.text();
  const json: unknown = text ? JSON.parse(text) : {};
  if (!response.ok) {
    const problem = json as ProblemBody;
    const fields = problem.errors?.length ? ` (${problem.errors.map((error) => `${error.field}: ${error.message}`).join('; ')})` : '';
    throw new CliError(`${method} ${path} answered ${response.status} ${problem.code ?? ''}: ${problem.detail ?? problem.title ?? text}${fields}`.replace(/ {2,}/g, ' '));
  }
  return json as T;
}

/** The lines `kassa refund show` and `create` print. */
export function formatRefund(refund: RefundObject): string[] {
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
export function formatRefundLine(refund: RefundObject): string {
  return `${refund.id}  ${refund.status.padEnd(16)}  ${refund.paymentId}  ${refund.amount} ${refund.currency}  chain ${refund.chainId}  ${refund.address ?? '-'}  ${refund.createdAt}`;
}

/** The lines `kassa payout show` and `create` print. */
export function formatPayout(payout: PayoutObject): string[] {
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
export function formatPayoutLine(payout: PayoutObject): string {
  return `${payout.id}  ${payout.status.padEnd(9)}  ${payout.amount} ${payout.currency}  chain ${payout.chainId}  ${payout.address}  ${payout.txHash ?? '-'}  ${payout.createdAt}`;
}
