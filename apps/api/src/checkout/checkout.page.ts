import escapeHtml from 'escape-html';

import { isFinal } from '@kassa/domain';

import { documentHead, scriptJson } from '../common/html';
import { assetHref } from './assets';
import { canChooseOption, payingWith, type PublicPayment, type PublicPaymentOption } from './public-payment';
import { qrCodeSvg, qrLabel } from './qr-code';

/** Seconds the page shows "returning to the shop" before it redirects. */
export const REDIRECT_DELAY_SECONDS = 3;
/** Without JavaScript, an open page reloads itself this often to show the new status. */
const NO_SCRIPT_REFRESH_SECONDS = 15;

/** Everything the checkout page shows, decided by the controller. */
export interface CheckoutPageView {
  payment: PublicPayment;
  /**
   * The option whose address, amount and QR code the page shows (see {@link shownOption});
   * null while the customer may choose: the coin picker.
   */
  option: PublicPaymentOption | null;
  /** `?embed=1`: fits an iframe, posts `kassa:payment` messages, never navigates itself. */
  embed: boolean;
  /** Embed mode: the merchant's origins the messages go to (the page's frame ancestors). */
  parentOrigins: string[];
  /** The QR code of what remains to pay in `option` as inline SVG; null when nothing remains to pay, or for the picker. */
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

/** What the status line says: a title and a sentence. */
export interface StatusLine {
  title: string;
  detail: string;
}

/**
 * The status line of the page: a title and a sentence, by status and by what arrived. The
 * page's script words each state the same way (assets/checkout.js, `describe`).
 */
export function describeStatus(payment: PublicPayment, embed: boolean): StatusLine {
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

/** The explorer's host, as a customer recognises it (`basescan.org`). */
function explorerName(url: string): string {
  return new URL(url).host;
}

/** `html` as a link to a block explorer page when there is one (a new tab, no referrer). */
function linked(url: string | null, html: string): string {
  return url ? `<a href="${e(url)}" target="_blank" rel="noopener noreferrer">${html}</a>` : html;
}

function receipt(payment: PublicPayment): string {
  const time = payment.paidAt ?? payment.finalizedAt;
  const transactions = payment.transactions
    .map((tx) => `<li>${linked(tx.url, `<code class="hash">${e(tx.txHash)}</code>`)} <span class="muted">${e(tx.amount)} ${e(payment.currency)}</span></li>`)
    .join('');
  return `
    <h2>Receipt</h2>
    <dl>
      <dt>Amount paid</dt><dd id="receipt-amount">${e(payment.amountReceived)} ${e(payment.currency)}</dd>
      <dt>Time</dt><dd><time id="receipt-time"${time ? ` datetime="${e(time)}"` : ''}>${time ? e(utcMinute(time)) : '—'}</time></dd>
      <dt>Transactions</dt><dd><ul id="receipt-transactions" class="transactions">${transactions || '<li class="muted">none</li>'}</ul></dd>
    </dl>`;
}

/**
 * The option the page at `/pay/<id>?option=<requested>` shows (DESIGN.md "Price and the
 * customer's choice of coin"): while the customer may still choose the coin (see
 * {@link canChooseOption}) the requested option, or null for the coin picker when no option
 * or an unknown one was asked for; afterwards always the option the payment stands on,
 * whatever was asked for.
 * @param requested the `option` query parameter (an option id), if any
 */
export function shownOption(payment: PublicPayment, requested: string | undefined): PublicPaymentOption | null {
  if (canChooseOption(payment)) return payment.options.find((option) => option.id === requested) ?? null;
  return payment.options.find((option) => option.selected) ?? payment.options[0] ?? null;
}

/** What the customer asked for in the page's URL, and what the server knows about the request. */
export interface CheckoutPageRequest {
  /** The `option` query parameter: the option id the customer picked, if any. */
  option: string | undefined;
  embed: boolean;
  parentOrigins: string[];
  now: Date;
}

/**
 * The page `GET /pay/<id>` answers: decides which option it shows ({@link shownOption}),
 * draws that option's QR code (of what remains to pay in it) and renders the page.
 */
export async function checkoutPage(payment: PublicPayment, request: CheckoutPageRequest): Promise<string> {
  const option = shownOption(payment, request.option);
  const shown = option ? payingWith(payment, option) : payment;
  const drawQr = shown.remainingPaymentUri !== null && (option !== null || !canChooseOption(payment));
  const qrSvg = drawQr ? await qrCodeSvg(shown.remainingPaymentUri!, qrLabel(shown)) : null;
  return renderCheckoutPage({ payment, option, embed: request.embed, parentOrigins: request.parentOrigins, qrSvg, now: request.now });
}

/** `pay_…?option=opt_…&embed=1`: a page of the same payment, relative to `/pay/<id>` like the assets. */
function pageHref(paymentId: string, optionId: string | null, embed: boolean): string {
  const query = [optionId ? `option=${encodeURIComponent(optionId)}` : '', embed ? 'embed=1' : ''].filter(Boolean).join('&');
  return `${encodeURIComponent(paymentId)}${query ? `?${query}` : ''}`;
}

/** The options grouped by network, networks in the order of their first option. */
function byNetwork(options: readonly PublicPaymentOption[]): PublicPaymentOption[][] {
  const groups = new Map<number, PublicPaymentOption[]>();
  for (const option of options) groups.set(option.chainId, [...(groups.get(option.chainId) ?? []), option]);
  return [...groups.values()];
}

/** The coin picker: a heading per network, and a link per coin with the amount to send in it. */
function picker(payment: PublicPayment, embed: boolean): string {
  const networks = byNetwork(payment.options)
    .map((options) => {
      const items = options
        .map(
          (option) =>
            `<li><a class="option" id="option-${e(option.id)}" data-currency="${e(option.currency)}" href="${e(pageHref(payment.id, option.id, embed))}"><span class="option-coin">${e(option.currency)}</span> — <span class="option-amount">${e(option.amount)} ${e(option.currency)}</span></a></li>`,
        )
        .join('\n        ');
      const { chainId, networkName } = options[0]!;
      return `<section class="network-group" data-chain-id="${e(chainId)}" aria-label="${e(networkName)}">
      <h2>${e(networkName)}</h2>
      <ul class="option-list">
        ${items}
      </ul>
    </section>`;
    })
    .join('\n    ');
  return `<section class="options" id="options" aria-label="Coins you can pay with">
    ${networks}
  </section>`;
}

/** `Price 25.00 USD`, for a payment priced in a pricing currency. */
function priceLine(payment: PublicPayment): string {
  return payment.price ? `<p class="price muted">Price <strong id="price">${e(payment.price.amount)} ${e(payment.price.currency)}</strong></p>` : '';
}

function countdownRow(payment: PublicPayment, now: Date): string {
  return `<p class="countdown" id="countdown-row">Time left <strong id="countdown">${e(formatCountdown(Date.parse(payment.expiresAt) - now.getTime()))}</strong> <span class="muted">(until <time datetime="${e(payment.expiresAt)}" id="deadline">${e(utcMinute(payment.expiresAt))}</time>)</span></p>`;
}

/**
 * The customer's payment page (DESIGN.md "Hosted checkout"), rendered on the server so
 * amount, token, network, deposit address and QR code show without JavaScript. Loads
 * nothing from other servers: its script and stylesheet come from `/pay/assets/`.
 *
 * While the customer may choose the coin (several options, open, no value arrived) it is
 * either the coin picker (`view.option` null) or the page of the option chosen, with a
 * link back to the picker; otherwise it shows the option the payment stands on.
 */
export function renderCheckoutPage(view: CheckoutPageView): string {
  const { embed } = view;
  const picking = view.option === null && canChooseOption(view.payment);
  const payment = view.option ? payingWith(view.payment, view.option) : view.payment;
  const final = isFinal(payment.status);
  const status: StatusLine = picking
    ? { title: 'Choose how to pay', detail: `Pick a coin and network: each shows the exact amount to send for ${payment.price ? `${payment.price.amount} ${payment.price.currency}` : 'this payment'}.` }
    : describeStatus(payment, embed);
  const order = [payment.orderId ? `Order <strong>${e(payment.orderId)}</strong>` : '', payment.description ? e(payment.description) : '']
    .filter(Boolean)
    .join(' · ');
  const refresh = final
    ? payment.redirectUrl !== null && !embed
      ? `<noscript><meta http-equiv="refresh" content="${REDIRECT_DELAY_SECONDS};url=${e(payment.redirectUrl)}"></noscript>`
      : ''
    : `<noscript><meta http-equiv="refresh" content="${NO_SCRIPT_REFRESH_SECONDS}"></noscript>`;
  const data = {
    payment: view.payment,
    optionId: view.option?.id ?? null,
    embed,
    parentOrigins: embed ? view.parentOrigins : [],
    serverTime: view.now.toISOString(),
    redirectDelaySeconds: REDIRECT_DELAY_SECONDS,
  };
  const title = picking && payment.price ? `${payment.price.amount} ${payment.price.currency}` : `${payment.amount} ${payment.currency}`;
  return `<!doctype html>
<html lang="en">
<head>
${documentHead(`Pay ${title} to ${payment.merchantName}`, assetHref('checkout.css'))}
${refresh}
</head>
<body class="${embed ? 'embed' : 'standalone'}">
<main class="checkout${picking ? ' choosing' : ''}" id="checkout" data-status="${e(payment.status)}">
  <header class="merchant">
    <p class="merchant-name" id="merchant-name">${e(payment.merchantName)}</p>
    ${order ? `<p class="order" id="order">${order}</p>` : ''}
  </header>
${picking ? pickerPage(payment, status, view) : paymentPage(payment, status, view)}
  <footer class="footer">Payment <code>${e(payment.id)}</code> · non-custodial: funds go straight to ${e(payment.merchantName)}</footer>
</main>
<script type="application/json" id="kassa-checkout">${scriptJson(data)}</script>
<script src="${assetHref('checkout.js')}" defer></script>
</body>
</html>
`;
}

/** The live status line: what the script updates as the payment moves. */
function statusSection(payment: PublicPayment, status: StatusLine, embed: boolean): string {
  const final = isFinal(payment.status);
  return `<section class="status" id="status" role="status" aria-live="polite">
    <span class="status-dot" aria-hidden="true"></span>
    <div>
      <p class="status-title" id="status-title">${e(status.title)}</p>
      <p class="status-detail" id="status-detail">${e(status.detail)}</p>
      <p class="confirmations" id="confirmations"${payment.status === 'PENDING' ? '' : ' hidden'}>Confirmations <strong id="confirmations-count">${e(Math.min(payment.confirmations ?? 0, payment.requiredConfirmations))}/${e(payment.requiredConfirmations)}</strong></p>
      <p class="return" id="return"${final && payment.redirectUrl !== null ? '' : ' hidden'}><a id="return-link" href="${e(payment.redirectUrl ?? '')}"${embed ? ' target="_top"' : ''}>Return to ${e(payment.merchantName)}</a></p>
    </div>
  </section>`;
}

/** The coin picker page: the price, the status line, the options by network, the time left. */
function pickerPage(priced: PublicPayment, status: StatusLine, { embed, now }: CheckoutPageView): string {
  return `
  <section class="due" aria-label="Price">
    <p class="label">Amount to pay</p>
    <p class="amount"><span id="amount">${e(priced.price?.amount ?? '')}</span> <span class="currency">${e(priced.price?.currency ?? '')}</span></p>
  </section>

  ${statusSection(priced, status, embed)}

  ${picker(priced, embed)}
  ${countdownRow(priced, now)}
`;
}

/** The page of one option: amount, network, status, deposit address, QR code, wallet buttons, receipt. */
function paymentPage(shown: PublicPayment, status: StatusLine, view: CheckoutPageView): string {
  const { embed, qrSvg, now } = view;
  const final = isFinal(shown.status);
  const payable = !final && shown.remainingPaymentUri !== null;
  const dueAmount = BigInt(shown.amountSeenBaseUnits) > 0n && !final ? shown.amountRemaining : shown.amount;
  const showReceipt = final && (shown.redirectUrl === null || embed);
  const canSwitch = view.option !== null && canChooseOption(shown);
  return `
  <section class="due" aria-label="Amount to pay">
    <p class="label" id="amount-label">${final ? 'Amount' : 'Amount to pay'}</p>
    <p class="amount"><span id="amount">${e(shown.amount)}</span> <span class="currency">${e(shown.currency)}</span></p>
    <p class="network">on <strong id="network">${e(shown.networkName)}</strong></p>
    ${priceLine(shown)}
    ${canSwitch ? `<p class="switch" id="switch"><a id="choose-another" href="${e(pageHref(shown.id, null, embed))}">Choose another coin</a></p>` : ''}
  </section>

  ${statusSection(shown, status, embed)}

  <section class="pay" id="pay"${payable ? '' : ' hidden'}>
    <figure class="qr" id="qr">${qrSvg ?? ''}<figcaption>Scan with your wallet app</figcaption></figure>
    <div class="pay-details">
      <p class="label">Send exactly</p>
      <p class="value"><strong id="amount-due">${e(dueAmount)}</strong> ${e(shown.currency)}</p>
      <p class="label">To this deposit address</p>
      <div class="address-row">
        <code class="address" id="address">${e(shown.depositAddress)}</code>
        <button type="button" class="secondary small" id="copy" hidden>Copy</button>
      </div>
      ${shown.depositAddressUrl ? `<p class="explorer"><a id="address-explorer" href="${e(shown.depositAddressUrl)}" target="_blank" rel="noopener noreferrer">View the address on ${e(explorerName(shown.depositAddressUrl))}</a></p>` : ''}
      ${shown.token.address ? `<p class="label">${e(shown.currency)} token contract</p><p class="value"><code class="hash">${e(shown.token.address)}</code></p>` : ''}
      ${countdownRow(shown, now)}
      <div class="actions">
        <button type="button" id="wallet-pay" hidden>Pay with browser wallet</button>
        <a class="button secondary" id="wallet-link" href="${e(shown.remainingPaymentUri ?? shown.paymentUri)}">Open in wallet app</a>
      </div>
      <p class="wallet-message" id="wallet-message" role="alert" hidden></p>
    </div>
  </section>

  <section class="receipt" id="receipt"${showReceipt ? '' : ' hidden'}>${receipt(shown)}
  </section>
`;
}

/** The page for an unknown or malformed payment id: plain HTML, no details. */
export function renderNotFoundPage(): string {
  return renderNoticePage('Payment not found', 'This payment link is not valid. Check the link, or go back to the shop and start the payment again.');
}

/**
 * A page with one heading and one paragraph, in the checkout's style (unknown payment,
 * unavailable payment link).
 * @param stylesheet the checkout stylesheet's URL relative to the page (default: a page under `/pay/`)
 */
export function renderNoticePage(title: string, text: string, stylesheet: string = assetHref('checkout.css')): string {
  return `<!doctype html>
<html lang="en">
<head>
${documentHead(title, stylesheet)}
</head>
<body class="standalone">
<main class="checkout not-found">
  <h1>${escapeHtml(title)}</h1>
  <p>${escapeHtml(text)}</p>
</main>
</body>
</html>
`;
}
