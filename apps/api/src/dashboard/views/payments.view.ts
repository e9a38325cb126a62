import { PAYMENT_EXCEPTIONS, PAYMENT_STATUSES, type PaymentObject } from '@kassa/domain';
import type { DeliveryWithAttempts } from '@kassa/persistence';

import { attemptsList, csrfField, e, page, type PageFrame, table, when } from './layout';

/** The filters of the payments page, as given in its query string. */
export interface PaymentFilterValues {
  status?: string;
  exception?: string;
  currency?: string;
  chainId?: string;
  createdFrom?: string;
  createdTo?: string;
  q?: string;
}

const option = (value: string, selected: string | undefined, label = value) => `<option value="${e(value)}"${value === selected ? ' selected' : ''}>${e(label)}</option>`;

/** Links to a block explorer, when the chain has one configured. */
export type Explorer = (chainId: number, kind: 'tx' | 'address', value: string) => string | null;

const linked = (url: string | null, text: string) => (url ? `<a href="${e(url)}" rel="noopener noreferrer" target="_blank"><code>${e(text)}</code></a>` : `<code>${e(text)}</code>`);

/** The payments page: filters, search, one keyset page, and the link to the next. */
export function paymentsView(
  frame: PageFrame,
  filters: PaymentFilterValues,
  payments: readonly PaymentObject[],
  nextCursor: string | null,
  choices: { currencies: string[]; chains: { chainId: number; name: string }[] },
): string {
  const query = new URLSearchParams(Object.entries(filters).filter(([, value]) => value) as [string, string][]);
  const exportQuery = new URLSearchParams(query);
  const form = `<form class="filters" method="get" action="/dashboard/payments" role="search" aria-label="Filter payments">
  <div><label for="q">Payment id, order id, deposit address or transaction</label><input id="q" name="q" value="${e(filters.q)}" size="36"></div>
  <div><label for="status">Status</label><select id="status" name="status">${option('', filters.status, 'any')}${PAYMENT_STATUSES.map((s) => option(s, filters.status)).join('')}</select></div>
  <div><label for="exception">Exception</label><select id="exception" name="exception">${option('', filters.exception, 'any')}${PAYMENT_EXCEPTIONS.map((s) => option(s, filters.exception)).join('')}</select></div>
  <div><label for="currency">Coin</label><select id="currency" name="currency">${option('', filters.currency, 'any')}${choices.currencies.map((c) => option(c, filters.currency)).join('')}</select></div>
  <div><label for="chainId">Network</label><select id="chainId" name="chainId">${option('', filters.chainId, 'any')}${choices.chains.map((c) => option(String(c.chainId), filters.chainId, c.name)).join('')}</select></div>
  <div><label for="createdFrom">Created from</label><input id="createdFrom" name="createdFrom" type="date" value="${e(filters.createdFrom)}"></div>
  <div><label for="createdTo">Created before</label><input id="createdTo" name="createdTo" type="date" value="${e(filters.createdTo)}"></div>
  <div><button type="submit" id="apply-filters">Apply</button></div>
</form>
<p><a id="export-payments" href="/dashboard/exports/payments.csv?${e(exportQuery.toString())}">Export these payments as CSV</a> ·
<a href="/dashboard/exports/transfers.csv?${e(exportQuery.toString())}">transfers</a> ·
<a href="/dashboard/exports/refunds.csv?${e(exportQuery.toString())}">refunds</a> ·
<a href="/dashboard/exports/settlements.csv?${e(exportQuery.toString())}">settlements</a></p>`;
  const rows = payments.map((payment) => [
    `<a href="/dashboard/payments/${e(payment.id)}"><code>${e(payment.id)}</code></a>`,
    `<span class="status-${e(payment.status)}">${e(payment.status)}</span>${payment.exception ? ` <span class="exception">${e(payment.exception)}</span>` : ''}`,
    `${e(payment.amount)} ${e(payment.currency)}`,
    `${e(payment.amountReceived)} ${e(payment.currency)}`,
    e(payment.chainId),
    e(payment.orderId),
    when(payment.createdAt),
  ]);
  const next = nextCursor ? `<a id="next-page" href="/dashboard/payments?${e(new URLSearchParams({ ...Object.fromEntries(query), startingAfter: nextCursor }).toString())}">Older payments →</a>` : '';
  return page(frame, `${form}${table('Payments, newest first', ['Payment', 'Status', 'Amount', 'Received', 'Chain', 'Order', 'Created'], rows, 'payments')}<nav class="pager" aria-label="Pages">${next}</nav>`);
}

/**
 * A payment: its facts, one timeline (created, transfers with explorer links and
 * confirmations, PAID or TIMEOUT, settlement, refunds), every webhook delivery with its
 * attempts and a resend button, and the refund form (owners only).
 */
export function paymentView(
  frame: PageFrame,
  payment: PaymentObject,
  deliveries: readonly DeliveryWithAttempts[],
  explorer: Explorer,
  can: { refund: boolean; resend: boolean },
): string {
  const facts = `<dl class="cards">
  <div class="card"><dt>Status</dt><dd class="figure status-${e(payment.status)}" id="payment-status">${e(payment.status)}${payment.exception ? ` · ${e(payment.exception)}` : ''}</dd></div>
  <div class="card"><dt>Amount</dt><dd class="figure">${e(payment.amount)} ${e(payment.currency)}</dd></div>
  <div class="card"><dt>Received</dt><dd class="figure" id="amount-received">${e(payment.amountReceived)} ${e(payment.currency)}</dd></div>
  <div class="card"><dt>Refunded</dt><dd class="figure" id="amount-refunded">${e(payment.amountRefunded)} ${e(payment.currency)}</dd></div>
</dl>
<p>Chain ${e(payment.chainId)} · deposit address ${linked(explorer(payment.chainId, 'address', payment.depositAddress), payment.depositAddress)}${payment.orderId ? ` · order <strong>${e(payment.orderId)}</strong>` : ''}</p>`;

  const steps: { at: string; html: string }[] = [{ at: payment.createdAt, html: `Created: ${e(payment.amount)} ${e(payment.currency)}, due ${when(payment.expiresAt)}` }];
  for (const transfer of payment.transfers) {
    steps.push({
      at: payment.createdAt,
      html: `Transfer of ${e(transfer.amount)} from <code>${e(transfer.from)}</code> in ${linked(explorer(transfer.chainId, 'tx', transfer.txHash), transfer.txHash)} (block ${e(transfer.blockNumber)}, ${e(transfer.confirmations)}/${e(payment.requiredConfirmations)} confirmations${transfer.status === 'orphaned' ? ', reorged out' : ''})`,
    });
  }
  if (payment.paidAt) steps.push({ at: payment.paidAt, html: `PAID${payment.exception ? ` (${e(payment.exception)})` : ''}` });
  else if (payment.finalizedAt) steps.push({ at: payment.finalizedAt, html: `${e(payment.status)}${payment.exception ? ` (${e(payment.exception)})` : ''}` });
  if (payment.settlement?.txHash) steps.push({ at: payment.settlement.settledAt ?? payment.createdAt, html: `Settlement ${e(payment.settlement.status)} in ${linked(explorer(payment.chainId, 'tx', payment.settlement.txHash), payment.settlement.txHash)}` });
  for (const refund of payment.refunds) {
    steps.push({ at: refund.createdAt, html: `Refund <code>${e(refund.id)}</code> of ${e(refund.amount)} ${e(refund.currency)}: <span class="status-${e(refund.status)}">${e(refund.status)}</span>${refund.txHash ? ` in ${linked(explorer(refund.chainId, 'tx', refund.txHash), refund.txHash)}` : ''}${refund.claimUrl ? ` · <a href="${e(refund.claimUrl)}">claim link</a>` : ''}${refund.approvalUrl ? ` · <a href="${e(refund.approvalUrl)}">pay it from your wallet</a>` : ''}` });
  }
  const timeline = `<h2>Timeline</h2><ol class="timeline" id="timeline">${steps.map((step) => `<li>${when(step.at)} · ${step.html}</li>`).join('')}</ol>`;

  const rows = deliveries.map((delivery) => [
    `<code>${e(delivery.eventType)}</code><br>${when(delivery.createdAt)}`,
    `${e(delivery.url)}<br><span class="status-${e(delivery.status)}">${e(delivery.status)}</span>`,
    attemptsList(delivery.attempts),
    can.resend
      ? `<form method="post" action="/dashboard/payments/${e(payment.id)}/events/${e(delivery.eventId)}/resend">${csrfField(frame.csrf)}<input type="hidden" name="endpointId" value="${e(delivery.endpointId)}"><button type="submit" class="secondary" aria-label="Resend ${e(delivery.eventType)} to ${e(delivery.url)}">Resend</button></form>`
      : '',
  ]);
  const webhooks = `<h2>Webhook deliveries</h2>${table('Webhook deliveries of this payment\'s events', ['Event', 'Endpoint', 'Attempts', ''], rows, 'deliveries')}`;

  const refundForm = can.refund
    ? `<h2>Refund</h2><form method="post" action="/dashboard/payments/${e(payment.id)}/refunds" class="filters" id="refund-form">${csrfField(frame.csrf)}
  <div><label for="refund-amount">Amount in ${e(payment.currency)} (empty: the excess, or everything received)</label><input id="refund-amount" name="amount" inputmode="decimal"></div>
  <div><label for="refund-address">Customer's address (empty: the customer gives it on a claim page)</label><input id="refund-address" name="address" size="44"></div>
  <div><label for="refund-reason">Reason</label><input id="refund-reason" name="reason"></div>
  <div><button type="submit" id="refund">Refund</button></div>
</form>`
    : '';
  return page(frame, `${facts}${timeline}${webhooks}${refundForm}`);
}
