// Kassa hosted checkout: the live part of the page at /pay/<id>. The server renders a
// complete page (amount, address, QR code, status); this script keeps it current (server-sent
// events, polling as the fallback), counts down to the deadline, copies the address, pays
// with an EIP-1193 browser wallet, returns the customer to the shop, and in embed mode posts
// `kassa:payment` messages to the merchant's page. It talks to this server only.
// A payment with several options (coins and networks) first shows the coin picker, then the
// option chosen (`?option=<id>`); the page follows the payment onto the option value arrives in.
(function () {
  'use strict';

  var data = JSON.parse(document.getElementById('kassa-checkout').textContent);
  var embed = data.embed === true;
  // The option this page shows; null on the coin picker.
  var optionId = data.optionId || null;
  var parentOrigins = data.parentOrigins || [];
  var clockOffset = Date.parse(data.serverTime) - Date.now();
  var base = data.payment.id; // relative to /pay/<id>: keeps working under a path prefix
  var FINAL = ['PAID', 'TIMEOUT', 'CANCELED'];
  var POLL_MS = 3000;

  function $(id) { return document.getElementById(id); }
  function isFinal(status) { return FINAL.indexOf(status) >= 0; }
  function coin(amount) { return amount + ' ' + payment.currency; }
  function text(id, value) { var el = $(id); if (el && el.textContent !== value) el.textContent = value; }
  function show(id, visible) { var el = $(id); if (el) el.hidden = !visible; }

  // ---- The option shown: the same rules as shownOption() and payingWith() in the server's code ----
  function canChoose(p) { return p.options.length > 1 && !p.valueArrived && !isFinal(p.status); }
  function optionById(p, id) {
    for (var i = 0; i < p.options.length; i += 1) if (p.options[i].id === id) return p.options[i];
    return null;
  }
  function selectedOption(p) {
    for (var i = 0; i < p.options.length; i += 1) if (p.options[i].selected) return p.options[i];
    return p.options[0] || null;
  }

  /** The payment as it reads when paid with the option this page shows (before value arrives). */
  function shown(p) {
    var option = optionId && canChoose(p) ? optionById(p, optionId) : null;
    if (!option || option.selected) return p;
    var view = {};
    Object.keys(p).forEach(function (key) { view[key] = p[key]; });
    view.chainId = option.chainId;
    view.networkName = option.networkName;
    view.currency = option.currency;
    view.token = option.token;
    view.depositAddress = option.depositAddress;
    view.depositAddressUrl = option.depositAddressUrl;
    view.paymentUri = option.paymentUri;
    view.remainingPaymentUri = option.paymentUri;
    view.amount = option.amount;
    view.amountBaseUnits = option.amountBaseUnits;
    view.amountRemaining = option.amount;
    view.amountRemainingBaseUnits = option.amountBaseUnits;
    return view;
  }

  /** This page's URL for another option (null: the picker), relative to /pay/<id>. */
  function pageUrl(id) {
    var query = [];
    if (id) query.push('option=' + encodeURIComponent(id));
    if (embed) query.push('embed=1');
    return encodeURIComponent(base) + (query.length ? '?' + query.join('&') : '');
  }

  /**
   * Where the page has to go to show `p`, or null to stay: the picker leaves once the
   * customer can no longer choose (the server then shows the option the payment stands
   * on); an option's page moves to the option value arrived in.
   */
  function destination(p) {
    if (canChoose(p)) return optionId && !optionById(p, optionId) ? pageUrl(null) : null;
    if (!optionId) return p.options.length > 1 ? pageUrl(null) : null;
    var selected = selectedOption(p);
    return selected && selected.id !== optionId ? pageUrl(selected.id) : null;
  }

  // What the page shows: the payment, as paid with the option shown.
  var payment = shown(data.payment);

  // ---- Status wording: the same as describeStatus() in checkout.page.ts ----
  function describe(p) {
    var returning = p.redirectUrl !== null && !embed;
    var seen = BigInt(p.amountSeenBaseUnits) > 0n;
    switch (p.status) {
      case 'PAID':
        return returning
          ? { title: 'Payment received — returning to the shop…', detail: 'Thank you. You are taken back to ' + p.merchantName + ' in a moment.' }
          : { title: 'Payment received', detail: 'Thank you. ' + p.merchantName + ' has your payment; your receipt is below.' };
      case 'TIMEOUT':
      case 'CANCELED': {
        var what = p.status === 'TIMEOUT' ? 'This payment has expired' : 'This payment was canceled';
        var sent = seen ? ' ' + coin(p.amountSeen) + ' arrived: contact ' + p.merchantName + ' about it.' : '';
        return { title: returning ? what + ' — returning to the shop…' : what, detail: 'Do not send anything to this address.' + sent };
      }
      default:
        if (!seen) return { title: 'Waiting for your payment', detail: 'Send ' + coin(p.amount) + ' on ' + p.networkName + '. This page updates by itself.' };
        if (BigInt(p.amountRemainingBaseUnits) > 0n) {
          return {
            title: coin(p.amountRemaining) + ' still missing',
            detail: 'Received ' + coin(p.amountSeen) + ' of ' + coin(p.amount) + '. Send the rest before the deadline.',
          };
        }
        return { title: 'Payment seen — waiting for confirmations', detail: 'Your transfer arrived. It counts once the network has confirmed it, which takes a few blocks.' };
    }
  }

  // ---- Rendering ----
  var shownQrUri = optionId ? payment.remainingPaymentUri : null;

  function renderQr(p) {
    if (!p.remainingPaymentUri || p.remainingPaymentUri === shownQrUri) return;
    shownQrUri = p.remainingPaymentUri;
    // The server draws the QR code of what is still missing; the page never builds one itself.
    var img = document.createElement('img');
    img.alt = 'QR code: pay ' + coin(p.amountRemaining);
    img.src = base + '/qr.svg?amount=' + encodeURIComponent(p.amountRemainingBaseUnits);
    var figure = $('qr');
    var old = figure.querySelector('svg, img');
    if (old) figure.replaceChild(img, old); else figure.insertBefore(img, figure.firstChild);
  }

  function renderReceipt(p) {
    text('receipt-amount', coin(p.amountReceived));
    var time = p.paidAt || p.finalizedAt;
    if (time) text('receipt-time', new Date(time).toLocaleString());
    var list = $('receipt-transactions');
    while (list.firstChild) list.removeChild(list.firstChild);
    p.transactions.forEach(function (tx) {
      var item = document.createElement('li');
      var hash = document.createElement('code');
      hash.className = 'hash';
      hash.textContent = tx.txHash;
      var amount = document.createElement('span');
      amount.className = 'muted';
      amount.textContent = ' ' + coin(tx.amount);
      if (tx.url) {
        var link = document.createElement('a');
        link.href = tx.url;
        link.target = '_blank';
        link.rel = 'noopener noreferrer';
        link.appendChild(hash);
        item.appendChild(link);
      } else {
        item.appendChild(hash);
      }
      item.appendChild(amount);
      list.appendChild(item);
    });
    if (!p.transactions.length) {
      var none = document.createElement('li');
      none.className = 'muted';
      none.textContent = 'none';
      list.appendChild(none);
    }
  }

  function render(p) {
    var final = isFinal(p.status);
    var status = describe(p);
    $('checkout').setAttribute('data-status', p.status);
    text('amount-label', final ? 'Amount' : 'Amount to pay');
    show('switch', canChoose(p));
    text('status-title', status.title);
    text('status-detail', status.detail);
    show('confirmations', p.status === 'PENDING');
    text('confirmations-count', Math.min(p.confirmations || 0, p.requiredConfirmations) + '/' + p.requiredConfirmations);
    show('pay', !final && p.remainingPaymentUri !== null);
    if (!final && p.remainingPaymentUri) {
      text('amount-due', BigInt(p.amountSeenBaseUnits) > 0n ? p.amountRemaining : p.amount);
      if ($('wallet-link')) $('wallet-link').href = p.remainingPaymentUri;
      if ($('qr')) renderQr(p);
    }
    show('return', final && p.redirectUrl !== null);
    if (final && p.redirectUrl) $('return-link').href = p.redirectUrl;
    show('receipt', final && (p.redirectUrl === null || embed));
    if (final && $('receipt-transactions')) renderReceipt(p);
  }

  // ---- Embed mode: kassa:payment messages to the merchant's page ----
  function targetOrigins() {
    // Where the browser names the parent's origin, post to it alone if it is allowed;
    // postMessage drops a message whose target origin is not the parent's anyway.
    var ancestors = window.location.ancestorOrigins;
    if (ancestors && ancestors.length) {
      return parentOrigins.indexOf(ancestors[0]) >= 0 ? [ancestors[0]] : [];
    }
    return parentOrigins;
  }

  function notifyParent(p) {
    if (!embed || window.parent === window) return;
    var message = {
      type: 'kassa:payment',
      paymentId: p.id,
      orderId: p.orderId,
      status: p.status,
      exception: p.exception,
      amount: p.amount,
      amountReceived: p.amountReceived,
      amountRemaining: p.amountRemaining,
      currency: p.currency,
      confirmations: p.confirmations,
      requiredConfirmations: p.requiredConfirmations,
      redirectUrl: p.redirectUrl,
    };
    targetOrigins().forEach(function (origin) { window.parent.postMessage(message, origin); });
  }

  // ---- Back to the shop ----
  var redirecting = false;
  function finish(p) {
    if (redirecting || embed || !p.redirectUrl) return;
    redirecting = true;
    window.setTimeout(function () { window.location.assign(p.redirectUrl); }, data.redirectDelaySeconds * 1000);
  }

  // ---- Updates ----
  var lastJson = '';
  var leaving = false;
  function update(p) {
    var json = JSON.stringify(p);
    if (leaving || json === lastJson) return;
    lastJson = json;
    notifyParent(p);
    var next = destination(p);
    if (next) {
      // The server renders the option the payment now stands on (or the picker again).
      leaving = true;
      window.location.replace(next);
      return;
    }
    payment = shown(p);
    if (optionId) render(payment);
    if (isFinal(p.status)) finish(p);
  }

  function poll() {
    fetch(base + '/status', { cache: 'no-store', headers: { accept: 'application/json' } })
      .then(function (response) {
        if (!response.ok) throw new Error('status ' + response.status);
        return response.json();
      })
      .then(function (p) {
        update(p);
        if (!isFinal(p.status) && !leaving) window.setTimeout(poll, POLL_MS);
      })
      .catch(function () { window.setTimeout(poll, POLL_MS * 2); });
  }

  function listen() {
    if (isFinal(payment.status)) return;
    if (typeof window.EventSource !== 'function') { poll(); return; }
    var source = new EventSource(base + '/events');
    var failures = 0;
    source.addEventListener('payment', function (event) {
      failures = 0;
      var p = JSON.parse(event.data);
      update(p);
      if (isFinal(p.status) || leaving) source.close();
    });
    source.onerror = function () {
      // The server ends a stream after a while and the browser reconnects on its own; only
      // repeated failures (or a stream the browser gave up on) switch to polling.
      failures += 1;
      if (source.readyState === EventSource.CLOSED || failures >= 3) {
        source.close();
        poll();
      }
    };
  }

  // ---- Countdown to the deadline ----
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function tick() {
    if (isFinal(payment.status)) return;
    var left = Math.max(0, Math.floor((Date.parse(payment.expiresAt) - (Date.now() + clockOffset)) / 1000));
    var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
    text('countdown', left === 0 ? 'time is up' : (h > 0 ? h + ':' + pad(m) : pad(m)) + ':' + pad(s));
    window.setTimeout(tick, 1000 - (Date.now() % 1000));
  }
  var deadline = $('deadline');
  if (deadline) deadline.textContent = new Date(payment.expiresAt).toLocaleString();

  // ---- Copy the deposit address ----
  var copy = $('copy');
  if (copy) {
    copy.hidden = false;
    copy.addEventListener('click', function () {
      var address = $('address').textContent;
      var done = function () { copy.textContent = 'Copied'; window.setTimeout(function () { copy.textContent = 'Copy'; }, 2000); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(address).then(done, function () { selectAddress(); });
      } else {
        selectAddress();
        try { if (document.execCommand('copy')) done(); } catch (_ignored) { /* the text stays selected */ }
      }
    });
  }
  function selectAddress() {
    var range = document.createRange();
    range.selectNodeContents($('address'));
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  // ---- Pay with an EIP-1193 browser wallet ----
  var provider = window.ethereum;
  var walletButton = $('wallet-pay');
  function walletMessage(message, isError) {
    var el = $('wallet-message');
    el.hidden = false;
    el.textContent = message;
    el.className = 'wallet-message' + (isError ? ' error' : '');
  }
  function word(hex) { return ('0000000000000000000000000000000000000000000000000000000000000000' + hex).slice(-64); }

  /** The exact transaction that pays what is still missing: ERC-20 transfer(address,uint256) or native value. */
  function paymentTransaction(from) {
    var amount = BigInt(payment.amountRemainingBaseUnits);
    if (payment.token.address) {
      var data = '0xa9059cbb' + word(payment.depositAddress.slice(2).toLowerCase()) + word(amount.toString(16));
      return { from: from, to: payment.token.address, data: data, value: '0x0' };
    }
    return { from: from, to: payment.depositAddress, value: '0x' + amount.toString(16) };
  }

  function payWithWallet() {
    var chainId = '0x' + payment.chainId.toString(16);
    var from;
    walletButton.disabled = true;
    walletMessage('Confirm in your wallet…', false);
    provider.request({ method: 'eth_requestAccounts' })
      .then(function (accounts) {
        if (!accounts || !accounts.length) throw new Error('The wallet shared no account.');
        from = accounts[0];
        return provider.request({ method: 'eth_chainId' });
      })
      .then(function (current) {
        if (String(current).toLowerCase() === chainId) return null;
        return provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: chainId }] });
      })
      .then(function () {
        if (BigInt(payment.amountRemainingBaseUnits) <= 0n) throw new Error('Nothing is left to pay.');
        return provider.request({ method: 'eth_sendTransaction', params: [paymentTransaction(from)] });
      })
      .then(function (hash) {
        walletMessage('Transaction sent: ' + hash + '. This page updates when it arrives.', false);
      })
      .catch(function (error) {
        var code = error && error.code;
        var message = code === 4001 ? 'You rejected the request in your wallet.'
          : code === 4902 ? 'Your wallet does not know ' + payment.networkName + ' (chain ' + payment.chainId + '). Add it to your wallet, then try again.'
          : 'The wallet could not pay: ' + ((error && error.message) || String(error));
        walletMessage(message, true);
      })
      .then(function () { walletButton.disabled = false; });
  }
  if (provider && typeof provider.request === 'function' && walletButton) {
    walletButton.hidden = false;
    walletButton.addEventListener('click', payWithWallet);
  }

  update(data.payment);
  tick();
  listen();
})();
