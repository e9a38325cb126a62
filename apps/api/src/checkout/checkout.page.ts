import type { PublicPayment } from './public-payment';

const escapeHtml = (value: string): string =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/**
 * The customer's payment page, rendered on the server so amount, token, network and
 * deposit address show without JavaScript; a small inline script refreshes the status.
 * Loads nothing from other servers.
 */
export function renderCheckoutPage(payment: PublicPayment): string {
  const e = escapeHtml;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay ${e(payment.amount)} ${e(payment.currency)}</title>
<style>
  body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
  .amount { font-size: 1.8rem; font-weight: 600; }
  code { word-break: break-all; background: #f3f3f3; padding: .2rem .3rem; border-radius: 4px; }
  .status { margin-top: 1rem; padding: .6rem; border-radius: 6px; background: #eef; }
</style>
</head>
<body>
<main>
  <p>${payment.description ? e(payment.description) : 'Payment'}${payment.orderId ? ` &middot; order ${e(payment.orderId)}` : ''}</p>
  <p class="amount">${e(payment.amount)} ${e(payment.currency)}</p>
  <p>Network: ${e(payment.networkName)} (chain ${payment.chainId})</p>
  <p>Send exactly this amount to:<br><code id="address">${e(payment.depositAddress)}</code></p>
  <p><a href="${e(payment.paymentUri)}">Open in wallet</a></p>
  <p>Pay before ${e(payment.expiresAt)}</p>
  <p class="status" id="status" data-status="${payment.status}">Status: ${payment.status}</p>
</main>
<script>
  (function poll() {
    fetch(location.pathname.replace(/\\/$/, '') + '/status').then(function (r) { return r.json(); }).then(function (p) {
      var el = document.getElementById('status');
      el.dataset.status = p.status;
      el.textContent = 'Status: ' + p.status + (p.status === 'PENDING' ? ' (' + p.amountReceived + ' ' + p.currency + ' confirmed)' : '');
      if (['PAID', 'TIMEOUT', 'CANCELED'].indexOf(p.status) < 0) setTimeout(poll, 2000);
    }).catch(function () { setTimeout(poll, 5000); });
  })();
</script>
</body>
</html>`;
}
