import { renderCheckoutPage, renderNotFoundPage } from './checkout.page';
import type { PublicPayment } from './public-payment';
import { qrCodeSvg } from './qr-code';
import { paymentFixture, publicPaymentOf, transferFixture } from './testing/public-payment.fixture';

const now = new Date('2026-11-21T22:43:02Z');

async function render(payment: PublicPayment, embed = false): Promise<string> {
  const qrSvg = payment.remainingPaymentUri ? await qrCodeSvg(payment.remainingPaymentUri, 'QR code') : null;
  return renderCheckoutPage({ payment, embed, parentOrigins: ['https://shop.example'], qrSvg, now });
}

/** The page as a browser without JavaScript reads it: scripts (and the data block for them) dropped. */
const withoutScripts = (html: string) => html.replace(/<script[\s\S]*?<\/script>/g, '');

describe('the checkout page as the server renders it', () => {
  it('shows merchant, order, amount, network, deposit address, QR code and the time left without JavaScript', async () => {
    const payment = publicPaymentOf(paymentFixture({}, now));
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
    const payment = publicPaymentOf(paymentFixture({ description: '<img src=x onerror=alert(1)>', orderId: '"></script><script>alert(2)</script>' }, now));
    const html = await render(payment);
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('</script><script>alert(2)');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('shows confirmations while PENDING', async () => {
    const fixture = paymentFixture({ status: 'PENDING' }, now);
    const html = await render(publicPaymentOf(fixture, [transferFixture(fixture, 25_500_000n, 10n)], 10n));
    expect(html).toContain('Payment seen — waiting for confirmations');
    expect(html).toContain('<strong id="confirmations-count">1/2</strong>');
    expect(html).toContain('<section class="pay" id="pay" hidden>');
  });

  it('tells an underpaying customer what is still missing', async () => {
    const fixture = paymentFixture({ status: 'PENDING' }, now);
    const html = await render(publicPaymentOf(fixture, [transferFixture(fixture, 20_000_000n, 10n)], 11n));
    expect(html).toContain('5.5 USDC still missing');
    expect(html).toContain('<strong id="amount-due">5.5</strong>');
  });

  it('announces the return to the shop for a paid payment, also to a browser without JavaScript', async () => {
    const paidAt = new Date(now.getTime() + 60_000);
    const fixture = paymentFixture({ status: 'PAID', amountReceived: 25_500_000n, paidAt, finalizedAt: paidAt }, now);
    const payment = publicPaymentOf(fixture, [transferFixture(fixture, 25_500_000n, 10n)], 11n);
    const html = await render(payment);
    expect(html).toContain('Payment received — returning to the shop…');
    expect(html).toContain(`<meta http-equiv="refresh" content="3;url=${payment.redirectUrl!.replace(/&/g, '&amp;')}">`);
    expect(html).toContain('<section class="receipt" id="receipt" hidden>');
  });

  it('shows a receipt with transaction, amount and time when the merchant gave no success URL', async () => {
    const paidAt = new Date(now.getTime() + 60_000);
    const fixture = paymentFixture({ status: 'PAID', amountReceived: 25_500_000n, paidAt, finalizedAt: paidAt, successUrl: null }, now);
    const transfer = transferFixture(fixture, 25_500_000n, 10n);
    const html = await render(publicPaymentOf(fixture, [transfer], 11n));
    expect(html).toContain('<section class="receipt" id="receipt">');
    expect(html).toContain(transfer.txHash);
    expect(html).toContain('<dd id="receipt-amount">25.5 USDC</dd>');
    expect(html).toContain('2026-11-21 22:44 UTC');
    expect(html).not.toContain('http-equiv="refresh"');
  });

  it('never navigates itself in embed mode: the merchant\'s page decides', async () => {
    const paidAt = new Date(now.getTime() + 60_000);
    const fixture = paymentFixture({ status: 'PAID', amountReceived: 25_500_000n, paidAt, finalizedAt: paidAt }, now);
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
});
