import type { Payout, Refund } from '@kassa/sdk';

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
