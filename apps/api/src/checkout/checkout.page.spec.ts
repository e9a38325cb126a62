import type { Payment, Transfer } from '@kassa/domain';
import { FIXTURE_NETWORK_NAMES, FIXTURE_NOW, paymentFixture, paymentObjectFixture, pricedPaymentFixture, transferFixture } from '@kassa/testing';

import { checkoutPage, renderNotFoundPage } from './checkout.page';
import { type PublicPayment, toPublicPayment } from './public-payment';
import { qrCodeSvg, qrLabel } from './qr-code';

const now = FIXTURE_NOW;

/** The public view of a payment with these transfers, confirmations counted against `head`, as the checkout shows it. */
const publicPaymentOf = (payment: Payment, transfers: Transfer[] = [], head: bigint | null = null): PublicPayment =>
  toPublicPayment(paymentObjectFixture(payment, transfers, head), 'Demo Shop', (chainId) => FIXTURE_NETWORK_NAMES[chainId] ?? `Chain ${chainId}`);

/** The page as `GET /pay/:id[?option=<requested>]` renders it, QR code included. */
function render(payment: PublicPayment, embed = false, option?: string): Promise<string> {
  return checkoutPage(payment, { option, embed, parentOrigins: ['https://shop.example'], now });
}

/** The page as a browser without JavaScript reads it: scripts (and the data block for them) dropped. */
const withoutScripts = (html: string) => html.replace(/<script[\s\S]*?<\/script>/g, '');

describe('the checkout page as the server renders it', () => {
  it('shows merchant, order, amount, network, deposit address, QR code and the time left without JavaScript', async () => {
    const payment = publicPaymentOf(paymentFixture());
    const html = withoutScripts(await render(payment));
    expect(html).toContain('Demo Shop');
    expect(html).toContain('Order <strong>1001</strong> · Two coffees');
    expect(html).toContain('<span id="amount">25.5</span> <span class="currency">USDC</span>');
    expect(html).toContain('Hardhat (local)');
    expect(html).toContain(`<code class="address" id="address">${payment.depositAddress}</code>`);
    expect(html).toMatch(/<figure class="qr" id="qr"><svg role="img"/);
    expect(html).toContain('<strong id="countdown">30:00</strong>');
    expect(html).toContain('<meta http-equiv="refresh" content="15">');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('escapes what the merchant wrote, so a description cannot inject markup or script', async () => {
    const payment = publicPaymentOf(paymentFixture({ description: '<img src=x onerror=alert(1)>', orderId: '"></script><script>alert(2)</script>' }));
    const html = await render(payment);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('</script><script>alert(2)');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('shows confirmations while PENDING', async () => {
    const fixture = paymentFixture({ status: 'PENDING' });
    const html = await render(publicPaymentOf(fixture, [transferFixture(fixture, { amount: 25_500_000n, blockNumber: 10n })], 10n));
    expect(html).toContain('Payment seen — waiting for confirmations');
    expect(html).toContain('<strong id="confirmations-count">1/2</strong>');
    expect(html).toContain('<section class="pay" id="pay" hidden>');
  });

  it('tells an underpaying customer what is still missing', async () => {
    const fixture = paymentFixture({ status: 'PENDING' });
    const html = await render(publicPaymentOf(fixture, [transferFixture(fixture, { amount: 20_000_000n, blockNumber: 10n })], 11n));
    expect(html).toContain('5.5 USDC still missing');
    expect(html).toContain('<strong id="amount-due">5.5</strong>');
  });

  it('announces the return to the shop for a paid payment, also to a browser without JavaScript', async () => {
    const paidAt = new Date(now.getTime() + 60_000);
    const fixture = paymentFixture({ status: 'PAID', amountReceived: 25_500_000n, paidAt, finalizedAt: paidAt });
    const payment = publicPaymentOf(fixture, [transferFixture(fixture, { amount: 25_500_000n, blockNumber: 10n })], 11n);
    const html = await render(payment);
    expect(html).toContain('Payment received — returning to the shop…');
    expect(html).toContain(`<meta http-equiv="refresh" content="3;url=${payment.redirectUrl!.replace(/&/g, '&amp;')}">`);
    expect(html).toContain('<section class="receipt" id="receipt" hidden>');
  });

  it('shows a receipt with transaction, amount and time when the merchant gave no success URL', async () => {
    const paidAt = new Date(now.getTime() + 60_000);
    const fixture = paymentFixture({ status: 'PAID', amountReceived: 25_500_000n, paidAt, finalizedAt: paidAt, successUrl: null });
    const transfer = transferFixture(fixture, { amount: 25_500_000n, blockNumber: 10n });
    const html = await render(publicPaymentOf(fixture, [transfer], 11n));
    expect(html).toContain('<section class="receipt" id="receipt">');
    expect(html).toContain(transfer.txHash);
    expect(html).toContain('<dd id="receipt-amount">25.5 USDC</dd>');
    expect(html).toContain('2026-11-21 22:44 UTC');
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it('never navigates itself in embed mode: the merchant\'s page decides', async () => {
    const paidAt = new Date(now.getTime() + 60_000);
    const fixture = paymentFixture({ status: 'PAID', amountReceived: 25_500_000n, paidAt, finalizedAt: paidAt });
    const html = await render(publicPaymentOf(fixture, [], 11n), true);
    expect(html).not.toContain('http-equiv="refresh"');
    expect(html).toContain('target="_top"');
    expect(html).toContain('<body class="embed">');
  });

  it('answers an unknown payment with a plain page that tells the customer to go back to the shop', () => {
    const html = renderNotFoundPage();
    expect(html).toContain('<h1>Payment not found</h1>');
    expect(html).toContain('go back to the shop');
    expect(html).not.toContain('<script');
  });

  describe('a payment the customer pays in the coin and network of their choice', () => {
    const priced = () => publicPaymentOf(pricedPaymentFixture());
    /** The picker's entries as the customer reads them, network by network. */
    const pickerText = (html: string) =>
      [...html.matchAll(/<section class="network-group"[^>]*>\s*<h2>([^<]*)<\/h2>([\s\S]*?)<\/section>/g)].map(([, network, list]) => [
        network!.trim(),
        [...list!.matchAll(/<a class="option"[^>]*>([\s\S]*?)<\/a>/g)].map(([, entry]) => entry!.replace(/<[^>]+>/g, '')),
      ]);

    it('first shows the price and the coins grouped by network, each with its amount, as plain links that work without JavaScript', async () => {
      const payment = priced();
      const html = withoutScripts(await render(payment));
      expect(html).toContain('<span id="amount">25.00</span> <span class="currency">USD</span>');
      expect(pickerText(html)).toEqual([
        ['Hardhat (local)', ['USDT — 25 USDT']],
        ['Other local chain', ['ETH — 0.01 ETH', 'USDC — 25 USDC']],
      ]);
      for (const option of payment.options) expect(html).toContain(`href="${payment.id}?option=${option.id}"`);
      // Nothing to send yet: no address, no QR code, no wallet buttons until a coin is chosen.
      expect(html).not.toContain('id="address"');
      expect(html).not.toContain('<svg');
      expect(html).not.toContain('Choose another coin');
      expect(html).toContain('<strong id="countdown">30:00</strong>');
      expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    });

    it('keeps embed mode in the picker\'s links and in the way back to it', async () => {
      const payment = priced();
      const eth = payment.options[1]!;
      expect(await render(payment, true)).toContain(`href="${payment.id}?option=${eth.id}&amp;embed=1"`);
      expect(await render(payment, true, eth.id)).toContain(`<a id="choose-another" href="${payment.id}?embed=1">Choose another coin</a>`);
    });

    it('shows the chosen option: its network, amount, deposit address, and a QR code of its own payment URI, with a way back to the picker', async () => {
      const payment = priced();
      const eth = payment.options[1]!;
      const html = withoutScripts(await render(payment, false, eth.id));
      expect(html).toContain('<span id="amount">0.01</span> <span class="currency">ETH</span>');
      // The network by its name, never by a bare chain id.
      expect(html).toContain('<p class="network">on <strong id="network">Other local chain</strong></p>');
      expect(withoutScripts(html)).not.toContain('chain 31338');
      expect(html).toContain('Price <strong id="price">25.00 USD</strong>');
      expect(html).toContain('<strong id="amount-due">0.01</strong> ETH');
      expect(html).toContain(`<code class="address" id="address">${eth.depositAddress}</code>`);
      expect(html).toContain('Send 0.01 ETH on Other local chain.');
      expect(html).toContain(`id="wallet-link" href="${eth.paymentUri}"`);
      expect(html).toContain(await qrCodeSvg(eth.paymentUri, 'QR code: pay 0.01 ETH'));
      expect(html).toContain(`<a id="choose-another" href="${payment.id}">Choose another coin</a>`);
      expect(html).not.toContain('class="network-group"');
      expect(html).not.toContain('token contract'); // the native coin has none
    });

    it('answers an option id it does not know with the picker', async () => {
      const html = await render(priced(), false, 'opt_01JD3M6Q8Y7W4ZK2N5R0T9V1XC');
      expect(html).toContain('Choose how to pay');
      expect(html).toContain('class="network-group"');
      expect(html).not.toContain('id="address"');
    });

    it('shows the coin the payment stands on, and no choice, once value arrived, whatever option the link names', async () => {
      const fixture = pricedPaymentFixture({ status: 'PENDING' }, 'ETH');
      const payment = publicPaymentOf(fixture, [transferFixture(fixture, { amount: 4n * 10n ** 15n, blockNumber: 10n, chainId: 31338, tokenAddress: null })], 10n);
      const usdt = payment.options[0]!;
      for (const requested of [undefined, usdt.id]) {
        const html = withoutScripts(await render(payment, false, requested));
        expect(html).toContain('<span id="amount">0.01</span> <span class="currency">ETH</span>');
        expect(html).toContain('0.006 ETH still missing');
        expect(html).toContain('<strong id="amount-due">0.006</strong> ETH');
        expect(html).not.toContain('class="network-group"');
        expect(html).not.toContain('Choose another coin');
      }
    });

    it('offers no choice once the payment is over', async () => {
      const payment = publicPaymentOf(pricedPaymentFixture({ status: 'TIMEOUT', finalizedAt: now }));
      const html = await render(payment);
      expect(html).toContain('This payment has expired');
      expect(html).not.toContain('class="network-group"');
      expect(html).not.toContain('Choose another coin');
    });

    it('never offers a choice for a payment in one fixed coin, whatever the link says', async () => {
      const payment = publicPaymentOf(paymentFixture());
      const html = await render(payment, false, 'opt_01JD3M6Q8Y7W4ZK2N5R0T9V1XC');
      expect(html).toContain('<span id="amount">25.5</span> <span class="currency">USDC</span>');
      expect(html).toContain(await qrCodeSvg(payment.paymentUri, qrLabel(payment)));
      expect(html).not.toContain('class="network-group"');
      expect(html).not.toContain('Choose another coin');
      expect(html).not.toContain('id="price"');
    });

    it('escapes network and coin names, which come from configuration', async () => {
      const payment = priced();
      const hostile: PublicPayment = {
        ...payment,
        options: payment.options.map((option) => ({ ...option, networkName: '<img src=x onerror=alert(1)>', currency: '"><b>ETH</b>' })),
      };
      const html = withoutScripts(await render(hostile));
      expect(html).not.toContain('<img src=x');
      expect(html).not.toContain('<b>ETH</b>');
      expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
      expect(html).toContain('&quot;&gt;&lt;b&gt;ETH&lt;/b&gt;');
      const chosen = withoutScripts(await render(hostile, false, hostile.options[1]!.id));
      expect(chosen).not.toContain('<img src=x');
      expect(chosen).toContain('<strong id="network">&lt;img src=x onerror=alert(1)&gt;</strong>');
    });
  });
});

describe('block explorer links on the page', () => {
  it('links the deposit address and, on the receipt, the customer\'s transaction, in a new tab without referrer', async () => {
    const fixture = paymentFixture({ status: 'PAID', amountReceived: 25_500_000n, paidAt: now, finalizedAt: now });
    const transfer = transferFixture(fixture, { amount: 25_500_000n, blockNumber: 10n });
    const object = paymentObjectFixture(fixture, [transfer], 11n);
    const explorer = () => 'https://basescan.org';

    const paid = await render(toPublicPayment(object, 'Demo Shop', () => 'Base', explorer));
    const open = await render(toPublicPayment(paymentObjectFixture(paymentFixture()), 'Demo Shop', () => 'Base', explorer));

    expect(paid).toContain(`<a href="https://basescan.org/tx/${transfer.txHash}" target="_blank" rel="noopener noreferrer"><code class="hash">${transfer.txHash}</code></a>`);
    expect(open).toMatch(/<a id="address-explorer" href="https:\/\/basescan\.org\/address\/0x[0-9a-fA-F]{40}" target="_blank" rel="noopener noreferrer">View the address on basescan\.org<\/a>/);
  });
});
