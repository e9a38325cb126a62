import escapeHtml from 'escape-html';

import { isFinal } from '@kassa/domain';

import { assetHref } from './assets';
import type { PublicPayment } from './public-payment';

/** Seconds the page shows "returning to the shop" before it redirects. */
export const REDIRECT_DELAY_SECONDS = 3;
/** Without JavaScript, an open page reloads itself this often to show the new status. */
const NO_SCRIPT_REFRESH_SECONDS = 15;

/** Everything the checkout page shows, decided by the controller. */
export interface CheckoutPageView {
  payment: PublicPayment;
  /** `?embed=1`: fits an iframe, posts `kassa:payment` messages, never navigates itself. */
  embed: boolean;
  /** Embed mode: the merchant's origins the messages go to (the page's frame ancestors). */
  parentOrigins: string[];
  /** The QR code of `payment.remainingPaymentUri` as inline SVG; null when nothing remains to pay. */
  qrSvg: string | null;
  /** The server's clock, so the countdown is right on a customer's device with a wrong clock. */
  now: Date;
}

const e = (value: string | number): string => escapeHtml(String(value));

/** `2026-11-21 23:13 UTC`: the deadline as the page shows it before its script runs. */
function utcMinute(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** `29:59` or `1:02:03`, never negative. */
export function formatCountdown(milliseconds: number): string {
  const total = Math.max(0, Math.floor(milliseconds / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${pad(minutes)}:${pad(seconds)}`;
}

/**
 * The status line of the page: a title and a sentence, by status and by what arrived. The
 * page's script words each state the same way (assets/checkout.js, `describe`).
 */
export function describeStatus(payment: PublicPayment, embed: boolean): { title: string; detail: string } {
  const coin = (amount: string) => `${amount} ${payment.currency}`;
  const returning = payment.redirectUrl !== null && !embed;
  switch (payment.status) {
    case 'PAID':
      return returning
        ? { title: 'Payment received — returning to the shop…', detail: `Thank you. You are taken back to ${payment.merchantName} in a moment.` }
        : { title: 'Payment received', detail: `Thank you. ${payment.merchantName} has your payment; your receipt is below.` };
    case 'TIMEOUT':
    case 'CANCELED': {
      const what = payment.status === 'TIMEOUT' ? 'This payment has expired' : 'This payment was canceled';
      const sent = BigInt(payment.amountSeenBaseUnits) > 0n ? ` ${coin(payment.amountSeen)} arrived: contact ${payment.merchantName} about it.` : '';
      return returning ? { title: `${what} — returning to the shop…`, detail: `Do not send anything to this address.${sent}` } : { title: what, detail: `Do not send anything to this address.${sent}` };
    }
    case 'CREATED':
    case 'PENDING': {
      if (BigInt(payment.amountSeenBaseUnits) === 0n) {
        return { title: 'Waiting for your payment', detail: `Send ${coin(payment.amount)} on ${payment.networkName}. This page updates by itself.` };
      }
      if (BigInt(payment.amountRemainingBaseUnits) > 0n) {
        return {
          title: `${coin(payment.amountRemaining)} still missing`,
          detail: `Received ${coin(payment.amountSeen)} of ${coin(payment.amount)}. Send the rest before the deadline.`,
        };
      }
      return { title: 'Payment seen — waiting for confirmations', detail: 'Your transfer arrived. It counts once the network has confirmed it, which takes a few blocks.' };
    }
  }
}

function receipt(payment: PublicPayment): string {
  const time = payment.paidAt ?? payment.finalizedAt;
  const transactions = payment.transactions
    .map((tx) => `<li><code class="hash">${e(tx.txHash)}</code> <span class="muted">${e(tx.amount)} ${e(payment.currency)}</span></li>`)
    .join('');
  return `
    <h2>Receipt</h2>
    <dl>
      <dt>Amount paid</dt><dd id="receipt-amount">${e(payment.amountReceived)} ${e(payment.currency)}</dd>
      <dt>Time</dt><dd><time id="receipt-time"${time ? ` datetime="${e(time)}"` : ''}>${time ? e(utcMinute(time)) : '—'}</time></dd>
      <dt>Transactions</dt><dd><ul id="receipt-transactions" class="transactions">${transactions || '<li class="muted">none</li>'}</ul></dd>
    </dl>`;
}

/** JSON for a `<script type="application/json">` block: `<` escaped so no value can close the element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/**
 * The customer's payment page (DESIGN.md "Hosted checkout"), rendered on the server so
 * amount, token, network, deposit address and QR code show without JavaScript. Loads
 * nothing from other servers: its script and stylesheet come from `/pay/assets/`.
 */
export function renderCheckoutPage(view: CheckoutPageView): string {
  const { payment, embed } = view;
  const final = isFinal(payment.status);
  const status = describeStatus(payment, embed);
  const payable = !final && payment.remainingPaymentUri !== null;
  const dueAmount = BigInt(payment.amountSeenBaseUnits) > 0n && !final ? payment.amountRemaining : payment.amount;
  const showReceipt = final && (payment.redirectUrl === null || embed);
  const order = [payment.orderId ? `Order <strong>${e(payment.orderId)}</strong>` : '', payment.description ? e(payment.description) : '']
    .filter(Boolean)
    .join(' · ');
  const refresh = final
    ? payment.redirectUrl !== null && !embed
      ? `<noscript><meta http-equiv="refresh" content="${REDIRECT_DELAY_SECONDS};url=${e(payment.redirectUrl)}"></noscript>`
      : ''
    : `<noscript><meta http-equiv="refresh" content="${NO_SCRIPT_REFRESH_SECONDS}"></noscript>`;
  const data = {
    payment,
    embed,
    parentOrigins: embed ? view.parentOrigins : [],
    serverTime: view.now.toISOString(),
    redirectDelaySeconds: REDIRECT_DELAY_SECONDS,
  };
  return `<!doctype html>
<html lang="en">
<head>
${documentHead(`Pay ${e(payment.amount)} ${e(payment.currency)} to ${e(payment.merchantName)}`)}
${refresh}
</head>
<body class="${embed ? 'embed' : 'standalone'}">
<main class="checkout" id="checkout" data-status="${e(payment.status)}">
  <header class="merchant">
    <p class="merchant-name" id="merchant-name">${e(payment.merchantName)}</p>
    ${order ? `<p class="order" id="order">${order}</p>` : ''}
  </header>

  <section class="due" aria-label="Amount to pay">
    <p class="label" id="amount-label">${final ? 'Amount' : 'Amount to pay'}</p>
    <p class="amount"><span id="amount">${e(payment.amount)}</span> <span class="currency">${e(payment.currency)}</span></p>
    <p class="network">on <strong id="network">${e(payment.networkName)}</strong> <span class="muted">· chain ${e(payment.chainId)}</span></p>
  </section>

  <section class="status" id="status" role="status" aria-live="polite">
    <span class="status-dot" aria-hidden="true"></span>
    <div>
      <p class="status-title" id="status-title">${e(status.title)}</p>
      <p class="status-detail" id="status-detail">${e(status.detail)}</p>
      <p class="confirmations" id="confirmations"${payment.status === 'PENDING' ? '' : ' hidden'}>Confirmations <strong id="confirmations-count">${e(Math.min(payment.confirmations ?? 0, payment.requiredConfirmations))}/${e(payment.requiredConfirmations)}</strong></p>
      <p class="return" id="return"${final && payment.redirectUrl !== null ? '' : ' hidden'}><a id="return-link" href="${e(payment.redirectUrl ?? '')}"${embed ? ' target="_top"' : ''}>Return to ${e(payment.merchantName)}</a></p>
    </div>
  </section>

  <section class="pay" id="pay"${payable ? '' : ' hidden'}>
    <figure class="qr" id="qr">${view.qrSvg ?? ''}<figcaption>Scan with your wallet app</figcaption></figure>
    <div class="pay-details">
      <p class="label">Send exactly</p>
      <p class="value"><strong id="amount-due">${e(dueAmount)}</strong> ${e(payment.currency)}</p>
      <p class="label">To this deposit address</p>
      <div class="address-row">
        <code class="address" id="address">${e(payment.depositAddress)}</code>
        <button type="button" class="secondary small" id="copy" hidden>Copy</button>
      </div>
      ${payment.token.address ? `<p class="label">${e(payment.currency)} token contract</p><p class="value"><code class="hash">${e(payment.token.address)}</code></p>` : ''}
      <p class="countdown" id="countdown-row">Time left <strong id="countdown">${e(formatCountdown(Date.parse(payment.expiresAt) - view.now.getTime()))}</strong> <span class="muted">(until <time datetime="${e(payment.expiresAt)}" id="deadline">${e(utcMinute(payment.expiresAt))}</time>)</span></p>
      <div class="actions">
        <button type="button" id="wallet-pay" hidden>Pay with browser wallet</button>
        <a class="button secondary" id="wallet-link" href="${e(payment.remainingPaymentUri ?? payment.paymentUri)}">Open in wallet app</a>
      </div>
      <p class="wallet-message" id="wallet-message" role="alert" hidden></p>
    </div>
  </section>

  <section class="receipt" id="receipt"${showReceipt ? '' : ' hidden'}>${receipt(payment)}
  </section>

  <footer class="footer">Payment <code>${e(payment.id)}</code> · non-custodial: funds go straight to ${e(payment.merchantName)}</footer>
</main>
<script type="application/json" id="kassa-checkout">${scriptJson(data)}</script>
<script src="${assetHref('checkout.js')}" defer></script>
</body>
</html>
`;
}

/**
 * The head both pages share: no referrer to the merchant or wallet, no indexing, no
 * favicon request, and the stylesheet served by the API itself.
 * @param title already escaped
 */
function documentHead(title: string): string {
  return `<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${title}</title>
<link rel="stylesheet" href="${assetHref('checkout.css')}">`;
}

/** The page for an unknown or malformed payment id: plain HTML, no details. */
export function renderNotFoundPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
${documentHead('Payment not found')}
</head>
<body class="standalone">
<main class="checkout not-found">
  <h1>Payment not found</h1>
  <p>This payment link is not valid. Check the link, or go back to the shop and start the payment again.</p>
</main>
</body>
</html>
`;
}
