// The refund pages' script (docs/refunds.md): on the claim page it sends the customer's
// address (and asks again when the address is a contract); on the approval page it pays the
// refund from an EIP-1193 browser wallet and follows its status. Both pages read their data
// from the <script type="application/json" id="refund-data"> block.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var data = JSON.parse($('refund-data').textContent);

  function message(id, text, isError) {
    var el = $(id);
    el.hidden = false;
    el.textContent = text;
    el.className = 'wallet-message' + (isError ? ' error' : '');
  }

  function post(url, body) {
    return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (response) {
        return response.json().then(function (json) { return { ok: response.ok, status: response.status, body: json }; });
      });
  }

  // ---- Claim page: the customer's address ----
  var form = $('claim-form');
  if (form) {
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var button = $('claim');
      button.disabled = true;
      var accept = $('accept-contract');
      post(data.claimPath, { address: $('address').value.trim(), acceptContract: !!(accept && accept.checked) })
        .then(function (result) {
          if (result.ok) {
            form.hidden = true;
            $('claimed-address').textContent = result.body.address;
            $('claimed').hidden = false;
            return;
          }
          if (result.body.code === 'contract_address') $('contract-warning').hidden = false;
          var problem = result.body.errors && result.body.errors.length ? result.body.errors[0].message : result.body.detail;
          message('claim-message', problem || 'The address could not be saved.', true);
        })
        .catch(function (error) { message('claim-message', 'The address could not be sent: ' + error.message, true); })
        .then(function () { button.disabled = false; });
    });
  }

  // ---- Approval page: pay from a browser wallet ----
  var walletButton = $('wallet-pay');
  var provider = window.ethereum;
  var describe = {
    pending: 'Waiting for the transfer.',
    sent: 'The transfer is on chain; waiting for its confirmations.',
    confirmed: 'The refund is confirmed.',
    failed: 'The refund failed.',
    canceled: 'The refund was canceled.',
    awaiting_address: 'Waiting for the customer to give an address.'
  };
  function showStatus(status) {
    var el = $('refund-status');
    if (!el) return;
    el.textContent = describe[status.status] || status.status;
    el.setAttribute('data-status', status.status);
    if (status.txHash) { $('refund-tx').textContent = status.txHash; $('refund-tx-row').hidden = false; }
    // Once the transfer is on chain there is nothing left to pay: the QR code and the wallet go.
    if (status.status !== 'pending' && $('pay')) $('pay').hidden = true;
  }
  function poll() {
    fetch(data.statusPath, { headers: { accept: 'application/json' } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status) showStatus(status);
        if (!status || status.status === 'pending' || status.status === 'sent' || status.status === 'awaiting_address') setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }

  function payWithWallet() {
    var transaction = data.transaction;
    var from;
    walletButton.disabled = true;
    message('wallet-message', 'Confirm in your wallet…', false);
    provider.request({ method: 'eth_requestAccounts' })
      .then(function (accounts) {
        if (!accounts || !accounts.length) throw new Error('The wallet shared no account.');
        from = accounts[0];
        return provider.request({ method: 'eth_chainId' });
      })
      .then(function (current) {
        if (String(current).toLowerCase() === transaction.chainId) return null;
        return provider.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: transaction.chainId }] });
      })
      .then(function () {
        return provider.request({ method: 'eth_sendTransaction', params: [{ from: from, to: transaction.to, data: transaction.data, value: transaction.value }] });
      })
      .then(function (hash) {
        message('wallet-message', 'Transaction sent: ' + hash + '. This page updates when it is on chain.', false);
        return post(data.transactionPath, { txHash: hash });
      })
      .catch(function (error) {
        var code = error && error.code;
        message('wallet-message', code === 4001 ? 'You rejected the request in your wallet.'
          : code === 4902 ? 'Your wallet does not know ' + data.networkName + '. Add it to your wallet, then try again.'
          : 'The wallet could not send the refund: ' + ((error && error.message) || String(error)), true);
      })
      .then(function () { walletButton.disabled = false; });
  }
  if (walletButton && provider && typeof provider.request === 'function' && data.transaction) {
    walletButton.hidden = false;
    walletButton.addEventListener('click', payWithWallet);
  }
  if (data.statusPath) poll();
})();
