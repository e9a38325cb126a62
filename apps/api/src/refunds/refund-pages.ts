import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import escapeHtml from 'escape-html';
import { numberToHex } from 'viem';

import { paymentUri, transferCall } from '@kassa/chain';
import { fromBaseUnits } from '@kassa/domain';
import type { StoredRefund } from '@kassa/persistence';

import { assetHref } from '../checkout/assets';
import { documentHead, scriptJson } from '../common/html';
import { qrCodeSvg } from '../checkout/qr-code';

const SCRIPT = readFileSync(path.join(__dirname, 'assets', 'refund.js'), 'utf8');

/** The refund pages' script, served at `/refunds/assets/refund.js`, and its content version. */
export const REFUND_SCRIPT = { body: SCRIPT, version: createHash('sha256').update(SCRIPT).digest('hex').slice(0, 12) };

/** What both refund pages show about the refund. */
export interface RefundPageView {
  refund: StoredRefund;
  merchantName: string;
  networkName: string;
}

const e = (value: string | number): string => escapeHtml(String(value));

function page(title: string, body: string, data: unknown): string {
  return `<!doctype html>
<html lang="en">
<head>
${documentHead(title, `../../pay/${assetHref('checkout.css')}`)}
</head>
<body class="standalone">
<main class="checkout refund">
${body}
</main>
<script type="application/json" id="refund-data">${scriptJson(data)}</script>
<script src="../assets/refund.js?v=${REFUND_SCRIPT.version}"></script>
</body>
</html>
`;
}

function amountSection({ refund, merchantName, networkName }: RefundPageView, label: string): string {
  return `
  <header class="merchant"><p class="merchant-name">${e(merchantName)}</p></header>
  <section class="due" aria-label="${e(label)}">
    <p class="label">${e(label)}</p>
    <p class="amount"><span id="amount">${e(fromBaseUnits(refund.amount, refund.token.decimals))}</span> <span class="currency">${e(refund.token.symbol)}</span></p>
    <p class="network">on <strong id="network">${e(networkName)}</strong> (chain ${e(refund.chainId)})</p>
    ${refund.reason ? `<p class="reason" id="reason">${e(refund.reason)}</p>` : ''}
  </section>`;
}

/**
 * The customer's claim page (`/refunds/claim/<token>`): the amount, coin and network, and a
 * form for the address on that network. The script sends it; the server checks it (EIP-55
 * checksum, never a Kassa deposit address) and asks again when it is a contract.
 */
export function renderClaimPage(view: RefundPageView): string {
  const { refund, networkName } = view;
  const open = refund.status === 'awaiting_address';
  const token = refund.token.address ? `the ${e(refund.token.symbol)} token (${e(refund.token.address)})` : e(refund.token.symbol);
  const body = `${amountSection(view, 'Refund to you')}
  <section class="claim" id="claim-section">
    <form id="claim-form"${open ? '' : ' hidden'}>
      <label class="label" for="address">Your address on ${e(networkName)}</label>
      <input id="address" name="address" autocomplete="off" spellcheck="false" placeholder="0x…" required pattern="0x[0-9a-fA-F]{40}">
      <p class="hint">It must be able to receive ${token} on ${e(networkName)}. An exchange deposit address may not credit a transfer from another sender: use your own wallet.</p>
      <p class="warning" id="contract-warning" hidden><label><input type="checkbox" id="accept-contract"> This address is a contract. I am sure it can receive and move ${e(refund.token.symbol)}.</label></p>
      <button type="submit" id="claim">Send the refund to this address</button>
      <p class="wallet-message" id="claim-message" role="alert" hidden></p>
    </form>
    <div id="claimed"${open ? ' hidden' : ''}>
      <h1>Thank you</h1>
      <p>The refund goes to <code class="address" id="claimed-address">${e(refund.address ?? '')}</code>.</p>
    </div>
  </section>`;
  return page('Claim your refund', body, { claimPath: `${refund.claimToken}` });
}

/**
 * The merchant's approval page (`/refunds/approve/<token>`): the refund as an EIP-681 link
 * and QR code (https://eips.ethereum.org/EIPS/eip-681) and a button that sends it from an
 * EIP-1193 browser wallet (https://eips.ethereum.org/EIPS/eip-1193); the status follows.
 */
export async function renderApprovalPage(view: RefundPageView, now: Date): Promise<string> {
  const { refund } = view;
  const expired = refund.approvalExpiresAt !== null && refund.approvalExpiresAt.getTime() <= now.getTime();
  if (!refund.address) {
    return page('Refund approval', `${amountSection(view, 'Refund')}<p id="refund-status" data-status="awaiting_address">Waiting for the customer to give an address on the claim page.</p>`, {});
  }
  if (expired && refund.status === 'pending') {
    return page('Refund approval expired', `${amountSection(view, 'Refund')}<h1 id="refund-status" data-status="expired">This approval link has expired</h1><p>Ask for a new one: <code>POST /v1/refunds/${e(refund.id)}/approval</code>.</p>`, {});
  }
  const uri = paymentUri({ chainId: refund.chainId, depositAddress: refund.address, amount: refund.amount, token: refund.token.address });
  const call = transferCall({ token: refund.token.address, to: refund.address, amount: refund.amount });
  const transaction = { ...call, value: numberToHex(call.value) };
  const qr = await qrCodeSvg(uri, `QR code: refund ${fromBaseUnits(refund.amount, refund.token.decimals)} ${refund.token.symbol}`);
  const pending = refund.status === 'pending';
  const body = `${amountSection(view, 'Refund to send')}
  <p class="status" id="refund-status" data-status="${e(refund.status)}">${pending ? 'Waiting for the transfer.' : e(refund.status)}</p>
  <p id="refund-tx-row"${refund.txHash ? '' : ' hidden'}>Transaction <code class="hash" id="refund-tx">${e(refund.txHash ?? '')}</code></p>
  <section class="pay" id="pay"${pending ? '' : ' hidden'}>
    <figure class="qr" id="qr">${qr}<figcaption>Scan with the wallet that pays the refund</figcaption></figure>
    <div class="pay-details">
      <p class="label">Send exactly</p>
      <p class="value"><strong>${e(fromBaseUnits(refund.amount, refund.token.decimals))}</strong> ${e(refund.token.symbol)}</p>
      <p class="label">To the customer's address</p>
      <code class="address" id="recipient">${e(refund.address)}</code>
      ${refund.token.address ? `<p class="label">${e(refund.token.symbol)} token contract</p><p class="value"><code class="hash">${e(refund.token.address)}</code></p>` : ''}
      <div class="actions">
        <button type="button" id="wallet-pay" hidden>Pay with browser wallet</button>
        <a class="button secondary" id="wallet-link" href="${e(uri)}">Open in wallet app</a>
      </div>
      <p class="wallet-message" id="wallet-message" role="alert" hidden></p>
    </div>
  </section>`;
  return page('Approve a refund', body, {
    statusPath: `${refund.approvalToken}/status`,
    transactionPath: `${refund.approvalToken}/transaction`,
    networkName: view.networkName,
    transaction: pending ? { chainId: numberToHex(refund.chainId), ...transaction } : null,
  });
}

/** The page for an unknown token: no details. */
export function renderRefundNotFoundPage(): string {
  return page('Refund not found', '<h1>Refund not found</h1><p>This refund link is not valid.</p>', {});
}
