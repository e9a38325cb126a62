import AxeBuilder from '@axe-core/playwright';
import { Webhook } from 'standardwebhooks';
import { parse } from 'csv-parse/sync';
import * as OTPAuth from 'otpauth';
import type { BrowserContext, Page } from 'playwright-core';
import type { Address } from 'viem';

import { ensureDashboardOwner, inviteDashboardUser } from '@kassa/api';
import { HARDHAT_ACCOUNTS, LOCAL_ROLES } from '@kassa/chain';
import { asMerchantId, type PaymentObject } from '@kassa/domain';
import { DashboardUsersRepository } from '@kassa/persistence';
import { eventually, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';

import { artifactPath, describeInChromium, runKassaCli, useChromium, useTestKassa } from '@kassa/testing/scenario';

const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
const OWNER = { email: 'owner@shop.test', password: 'correct horse battery staple' };

/**
 * The merchant dashboard in a real Chromium (docs/dashboard.md), on a Kassa with a real chain,
 * database and webhook receiver: sign-in (wrong password, lockout, TOTP), every page with an
 * accessibility check, filters and search, the resend button, a refund, roles, CSRF, and the
 * CSV exports parsed back and compared with the database.
 */
describeInChromium('the merchant dashboard', () => {
  const kassa = useTestKassa({ confirmations: 2, payouts: true });
  const chromium = useChromium();
  let receiver: WebhookReceiver;
  const paid: PaymentObject[] = [];
  let endpointSecret: string;
  let endpointId: string;

  beforeAll(async () => {
    // The shop's endpoint is down: every delivery fails, so the dashboard has failures to show.
    receiver = await startWebhookReceiver(() => ({ status: 500, body: 'shop is down' }));
    const endpoint = await kassa.request<{ id: string; secret: string }>('POST', '/v1/webhook-endpoints', { url: receiver.url });
    expect(endpoint.status).toBe(201);
    endpointSecret = endpoint.body.secret;
    endpointId = endpoint.body.id;
    await ensureDashboardOwner(kassa.dataSource, { merchantId: asMerchantId(kassa.merchantId), ...OWNER });
    for (const [amount, orderId] of [['10', 'order-a'], ['25.5', 'order-b']] as const) {
      const payment = await kassa.createPayment({ amount, currency: 'USDC', orderId });
      await kassa.send(payment.depositAddress as Address, kassa.chain.contracts.tokens.USDC, BigInt(Math.round(Number(amount) * 1e6)));
      await kassa.mine(1);
      paid.push(await kassa.waitForStatus(payment.id, 'PAID'));
    }
    await kassa.createPayment({ amount: '3', currency: 'ETH', orderId: 'order-c' });
  });

  afterAll(async () => {
    await receiver?.close();
  });

  async function newPage(viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page }> {
    const context = chromium.track(await chromium.browser.newContext({ viewport, deviceScaleFactor: 1 }));
    return { context, page: await context.newPage() };
  }

  async function signIn(page: Page, credentials: { email: string; password: string }): Promise<void> {
    await page.goto(`${kassa.apiUrl}/dashboard/sign-in`);
    await page.locator('#email').fill(credentials.email);
    await page.locator('#password').fill(credentials.password);
    await Promise.all([page.waitForNavigation(), page.locator('#sign-in').click()]);
  }

  /** No serious or critical accessibility violation on the page (axe-core). */
  async function expectAccessible(page: Page): Promise<void> {
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((violation) => violation.impact === 'serious' || violation.impact === 'critical');
    expect(serious.map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`)).toEqual([]);
  }

  it('signs the owner in; every page loads, passes the accessibility check, and is photographed', async () => {
    const { page } = await newPage();
    await signIn(page, OWNER);
    await page.waitForURL(`${kassa.apiUrl}/dashboard`);
    await expect(page.locator('#signed-in-as').textContent()).resolves.toContain(OWNER.email);
    for (const [path, name] of [
      ['/dashboard', 'overview'],
      ['/dashboard/payments', 'payments'],
      [`/dashboard/payments/${paid[0]!.id}`, 'payment'],
      ['/dashboard/settlements', 'settlements'],
      ['/dashboard/webhooks', 'webhooks'],
      [`/dashboard/webhooks/${endpointId}`, 'endpoint-log'],
      ['/dashboard/api-keys', 'api-keys'],
      ['/dashboard/settings', 'settings'],
      ['/dashboard/security', 'security'],
    ] as const) {
      const response = await page.goto(`${kassa.apiUrl}${path}`);
      expect({ path, status: response?.status() }).toEqual({ path, status: 200 });
      expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
      await expectAccessible(page);
      await page.screenshot({ path: artifactPath(`dashboard-${name}.png`), fullPage: true });
    }
    // With the keyboard alone: the first Tab reaches the skip link, which jumps to the content.
    await page.goto(`${kassa.apiUrl}/dashboard/payments`);
    await page.keyboard.press('Tab');
    await expect(page.locator(':focus').textContent()).resolves.toBe('Skip to content');
    await page.keyboard.press('Enter');
    // The browser reports a same-document navigation after the key press returns: wait for it.
    await page.waitForURL(`${kassa.apiUrl}/dashboard/payments#main`);
    await page.keyboard.press('Tab');
    await expect(page.locator(':focus').getAttribute('id')).resolves.toBe('q');

    const { page: phone } = await newPage(PHONE);
    await signIn(phone, OWNER);
    await phone.goto(`${kassa.apiUrl}/dashboard/payments`);
    await phone.screenshot({ path: artifactPath('dashboard-payments-phone.png'), fullPage: true });
  });

  it('refuses a wrong password, locks the account after five, and never accepts an API key or gives a session to /v1', async () => {
    const users = new DashboardUsersRepository(kassa.dataSource);
    await ensureDashboardOwner(kassa.dataSource, { merchantId: asMerchantId(kassa.merchantId), email: 'locked@shop.test', password: 'the right password 1' });
    const { page } = await newPage();
    await signIn(page, { email: 'locked@shop.test', password: 'wrong password!!' });
    await expect(page.locator('#sign-in-error').textContent()).resolves.toBe('Wrong email or password.');
    await signIn(page, { email: 'nobody@shop.test', password: 'wrong password!!' });
    await expect(page.locator('#sign-in-error').textContent()).resolves.toBe('Wrong email or password.');
    for (let attempt = 2; attempt <= 5; attempt++) await signIn(page, { email: 'locked@shop.test', password: 'wrong password!!' });
    await expect(page.locator('#sign-in-error').textContent()).resolves.toContain('locked for 15 minutes');
    await signIn(page, { email: 'locked@shop.test', password: 'the right password 1' });
    await expect(page.locator('#sign-in-error').textContent()).resolves.toContain('locked');
    expect((await users.findByEmail('locked@shop.test'))!.lockedUntil).not.toBeNull();

    // An API key opens no dashboard page; a dashboard session opens no API route.
    const withKey = await fetch(`${kassa.apiUrl}/dashboard/payments`, { headers: { authorization: `Bearer ${kassa.apiKey}` }, redirect: 'manual' });
    expect(withKey.status).toBe(303);
    expect(withKey.headers.get('location')).toBe('/dashboard/sign-in');
    const { context, page: owner } = await newPage();
    await signIn(owner, OWNER);
    await owner.waitForURL(`${kassa.apiUrl}/dashboard`);
    const cookie = (await context.cookies()).find((candidate) => candidate.name === 'kassa_dashboard')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/dashboard' });
    const withCookie = await fetch(`${kassa.apiUrl}/v1/payments`, { headers: { cookie: `${cookie.name}=${cookie.value}` } });
    expect(withCookie.status).toBe(401);
  });

  it('turns on TOTP and then asks for the code at sign-in: a wrong code is refused, the right one signs in', async () => {
    await ensureDashboardOwner(kassa.dataSource, { merchantId: asMerchantId(kassa.merchantId), email: 'totp@shop.test', password: 'another long password' });
    const { page } = await newPage();
    await signIn(page, { email: 'totp@shop.test', password: 'another long password' });
    await page.goto(`${kassa.apiUrl}/dashboard/security`);
    await page.locator('#begin-totp').click();
    const secret = (await page.locator('#totp-secret').textContent())!;
    await page.screenshot({ path: artifactPath('dashboard-totp.png'), fullPage: true });
    const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
    await page.locator('#code').fill(totp.generate());
    await page.locator('#confirm-totp').click();
    await expect(page.locator('#totp-state').textContent()).resolves.toContain('is on');
    await page.locator('form.sign-out button').click();

    await signIn(page, { email: 'totp@shop.test', password: 'another long password' });
    await page.waitForURL(`${kassa.apiUrl}/dashboard/sign-in/totp`);
    await page.locator('#code').fill(String((Number(totp.generate()) + 1) % 1_000_000).padStart(6, '0'));
    await page.locator('#verify').click();
    await expect(page.locator('#sign-in-error').textContent()).resolves.toBe('Wrong code.');
    await page.locator('#code').fill(totp.generate());
    await page.locator('#verify').click();
    await page.waitForURL(`${kassa.apiUrl}/dashboard`);
  });

  it('filters and searches payments: by status, by order id, by deposit address, by transaction hash', async () => {
    const { page } = await newPage();
    await signIn(page, OWNER);
    const ids = async () => page.locator('#payments tbody tr td:first-child code').allTextContents();
    await page.goto(`${kassa.apiUrl}/dashboard/payments`);
    await page.locator('#status').selectOption('PAID');
    // The click only starts the form's navigation: read the rows of the filtered page, not the old one.
    await Promise.all([page.waitForURL((url) => url.searchParams.get('status') === 'PAID'), page.locator('#apply-filters').click()]);
    expect((await ids()).sort()).toEqual(paid.map((payment) => payment.id).sort());
    for (const query of ['order-b', paid[1]!.depositAddress.toLowerCase(), paid[1]!.transfers[0]!.txHash, paid[1]!.id]) {
      await page.goto(`${kassa.apiUrl}/dashboard/payments?q=${encodeURIComponent(query)}`);
      expect({ query, ids: await ids() }).toEqual({ query, ids: [paid[1]!.id] });
    }
    await page.goto(`${kassa.apiUrl}/dashboard/payments?currency=ETH`);
    expect(await ids()).toHaveLength(1);
  });

  it('resends a delivery from the payment page; the delivery log shows the new attempt', async () => {
    const { page } = await newPage();
    await signIn(page, OWNER);
    await page.goto(`${kassa.apiUrl}/dashboard/payments/${paid[0]!.id}`);
    const attemptsOf = async () => (await page.locator('#deliveries tbody tr').filter({ hasText: 'payment.paid' }).locator('li').count());
    const before = await attemptsOf();
    const received = receiver.received.length;
    await page.locator('#deliveries tbody tr').filter({ hasText: 'payment.paid' }).getByRole('button', { name: /Resend/ }).click();
    await expect(page.locator('#notice').textContent()).resolves.toContain('Queued 1 delivery');
    await eventually(async () => (receiver.received.length > received ? true : undefined), { what: 'the resent delivery to arrive' });
    await eventually(async () => {
      await page.reload();
      return (await attemptsOf()) > before ? true : undefined;
    }, { what: 'the new attempt in the delivery log' });
  });

  it('lets an owner refund from the payment page', async () => {
    const { page } = await newPage();
    await signIn(page, OWNER);
    await page.goto(`${kassa.apiUrl}/dashboard/payments/${paid[1]!.id}`);
    await page.locator('#refund-amount').fill('1.5');
    await page.locator('#refund-address').fill(HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[1]]!.address);
    await page.locator('#refund-reason').fill('A cup was cold');
    await page.locator('#refund').click();
    await expect(page.locator('#notice').textContent()).resolves.toMatch(/Refund ref_\w+ of 1.5 USDC created/);
    await expect(page.locator('#timeline').textContent()).resolves.toContain('of 1.5 USDC');
  });

  it('shows a viewer no button that changes anything, and refuses the viewer\'s requests; a forged form post is refused', async () => {
    const invited = await inviteDashboardUser(kassa.dataSource, { merchantId: asMerchantId(kassa.merchantId), email: 'viewer@shop.test', role: 'viewer' }, kassa.apiUrl);
    const { context, page } = await newPage();
    await page.goto(invited.link);
    await page.locator('#password').fill('a viewer\'s password');
    await page.locator('#set-password').click();
    await page.waitForURL(`${kassa.apiUrl}/dashboard`);
    await page.goto(`${kassa.apiUrl}/dashboard/payments/${paid[0]!.id}`);
    expect(await page.locator('#refund-form').count()).toBe(0);
    expect(await page.getByRole('button', { name: /Resend/ }).count()).toBe(0);
    await page.goto(`${kassa.apiUrl}/dashboard/api-keys`);
    expect(await page.locator('#create-key').count()).toBe(0);
    await page.screenshot({ path: artifactPath('dashboard-viewer.png'), fullPage: true });

    // The viewer's own session and a valid CSRF token, and still no refund.
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      fetch(`${kassa.apiUrl}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers }, body: new URLSearchParams(form).toString() });
    const refused = await post(`/dashboard/payments/${paid[0]!.id}/refunds`, { _csrf: csrf, amount: '1', address: HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[1]]!.address });
    expect(refused.status).toBe(403);
    expect((await post('/dashboard/api-keys', { _csrf: csrf, name: 'nope' })).status).toBe(403);
    // Without the page's token (a form posted from another site), even with the cookie: refused.
    expect((await post('/dashboard/sign-out', {})).status).toBe(403);
    expect((await post(`/dashboard/payments/${paid[0]!.id}/refunds`, { _csrf: 'forged', amount: '1' })).status).toBe(403);
    const refunds = await kassa.dataSource.query<{ count: string }[]>(`SELECT count(*)::text AS count FROM refunds WHERE payment_id = $1`, [paid[0]!.id]);
    expect(refunds[0]!.count).toBe('0');
  });

  it('exports payments, transfers and refunds as CSV that match the database, from the dashboard and from /v1/exports', async () => {
    const csv = async (path: string, headers: Record<string, string>) => {
      const response = await fetch(`${kassa.apiUrl}${path}`, { headers });
      expect({ path, status: response.status, type: response.headers.get('content-type') }).toEqual({ path, status: 200, type: 'text/csv; charset=utf-8' });
      return parse(await response.text(), { columns: true }) as Record<string, string>[];
    };
    const byApi = await csv('/v1/exports/payments?createdFrom=2000-01-01', { authorization: `Bearer ${kassa.apiKey}` });
    const stored = await kassa.dataSource.query<{ id: string; status: string; amount_received: string }[]>(
      `SELECT id, status, amount_received::text FROM payments WHERE merchant_id = $1 ORDER BY id`,
      [kassa.merchantId],
    );
    expect(byApi.map((row) => [row.payment_id, row.status])).toEqual(stored.map((row) => [row.id, row.status]));
    const b = byApi.find((row) => row.payment_id === paid[1]!.id)!;
    expect(b).toMatchObject({ currency: 'USDC', amount: '25.5', amount_received: '25.5', order_id: 'order-b', network: String(kassa.chain.config.chainId), transfer_tx_hashes: paid[1]!.transfers[0]!.txHash });

    const { context, page } = await newPage();
    await signIn(page, OWNER);
    await page.waitForURL(`${kassa.apiUrl}/dashboard`);
    const cookie = (await context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const byDashboard = await csv('/dashboard/exports/payments.csv', { cookie });
    expect(byDashboard).toEqual(byApi);
    const transfers = await csv('/dashboard/exports/transfers.csv', { cookie });
    expect(transfers.find((row) => row.tx_hash === paid[0]!.transfers[0]!.txHash)).toMatchObject({ payment_id: paid[0]!.id, amount: '10', currency: 'USDC', amount_base_units: '10000000' });
    // A refund of its own, so the export has one whichever of these tests ran before.
    const refund = await kassa.request<{ id: string }>('POST', `/v1/payments/${paid[1]!.id}/refunds`, {
      amount: '2',
      address: HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[1]]!.address,
      reason: 'Exported',
    });
    expect(refund.status).toBe(201);
    const refunds = await csv('/v1/exports/refunds', { authorization: `Bearer ${kassa.apiKey}` });
    const storedRefunds = await kassa.dataSource.query<{ id: string; payment_id: string; amount: string }[]>(
      `SELECT id, payment_id, amount::text FROM refunds WHERE merchant_id = $1 ORDER BY id`,
      [kassa.merchantId],
    );
    expect(refunds.map((row) => [row.refund_id, row.payment_id, row.amount_base_units])).toEqual(storedRefunds.map((row) => [row.id, row.payment_id, row.amount]));
    expect(refunds.find((row) => row.refund_id === refund.body.id)).toMatchObject({ payment_id: paid[1]!.id, amount: '2', amount_base_units: '2000000', reason: 'Exported' });
    expect((await fetch(`${kassa.apiUrl}/v1/exports/payments`, { headers: { cookie } })).status).toBe(401);
  });

  it('sends a signed test event to one endpoint, and its delivery log shows the attempt', async () => {
    const { page } = await newPage();
    await signIn(page, OWNER);
    await page.goto(`${kassa.apiUrl}/dashboard/webhooks`);
    const received = receiver.received.length;
    await page.getByRole('button', { name: /Send test event/ }).click();
    await expect(page.locator('#notice').textContent()).resolves.toMatch(/Test event evt_\w+ queued/);
    const delivery = await eventually(async () => receiver.received.slice(received).find((request) => request.body.includes('webhook_endpoint.test')), { what: 'the test event' });
    const event = new Webhook(endpointSecret).verify(delivery.body, {
      'webhook-id': String(delivery.headers['webhook-id']),
      'webhook-timestamp': String(delivery.headers['webhook-timestamp']),
      'webhook-signature': String(delivery.headers['webhook-signature']),
    }) as { type: string; data: { object: string; url: string } };
    expect(event).toMatchObject({ type: 'webhook_endpoint.test', data: { object: 'webhook_endpoint_test', url: receiver.url } });
    await eventually(async () => {
      await page.reload();
      const row = page.locator('#endpoint-deliveries tbody tr').filter({ hasText: 'webhook_endpoint.test' });
      return (await row.count()) === 1 && (await row.textContent())?.includes('HTTP 500') ? true : undefined;
    }, { what: 'the test delivery in the log with its HTTP 500' });
  });

  it('saves the settings and the settlement policy an owner changes', async () => {
    const { page } = await newPage();
    await signIn(page, OWNER);
    await page.goto(`${kassa.apiUrl}/dashboard/settings`);
    const chainTreasury = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[4]]!.address;
    await page.locator('#tolerancePercent').fill('0.5');
    await page.locator(`#treasury-${kassa.chain.config.chainId}`).fill(chainTreasury);
    await page.locator('#allowedOrigins').fill('https://shop.example');
    await Promise.all([page.waitForNavigation(), page.locator('#save-settings').click()]);
    await expect(page.locator('#notice').textContent()).resolves.toBe('Settings saved.');
    const merchant = await kassa.request<{ tolerancePercent: string; treasuries: Record<string, string>; allowedOrigins: string[] }>('GET', '/v1/merchant');
    expect(merchant.body).toMatchObject({ tolerancePercent: '0.50', treasuries: { [String(kassa.chain.config.chainId)]: chainTreasury }, allowedOrigins: ['https://shop.example'] });

    await page.locator('#mode').selectOption('threshold');
    await page.locator('#thresholds').fill('USDC=500');
    // The page shows the last notice until the answer's page replaces it: wait for that page.
    await Promise.all([page.waitForNavigation(), page.locator('#save-policy').click()]);
    await expect(page.locator('#notice').textContent()).resolves.toBe('Settlement policy saved: threshold.');
    const policy = await kassa.request<{ mode: string; thresholds: Record<string, string> }>('GET', '/v1/settlement-policy');
    expect(policy.body).toMatchObject({ mode: 'threshold', thresholds: { USDC: '500' } });
    await page.locator('#mode').selectOption('immediate');
    await Promise.all([page.waitForNavigation(), page.locator('#save-policy').click()]);
  });

  it('invites a user and resets a password with one-time links printed by the CLI', async () => {
    const env = { PATH: process.env.PATH, DATABASE_URL: kassa.database.url, KASSA_PUBLIC_URL: kassa.apiUrl };
    const invited = await runKassaCli(['user', 'invite', '--merchant', kassa.merchantId, '--email', 'dev@shop.test', '--role', 'developer'], env);
    expect(invited.stderr).toBe('');
    const link = /(http\S+\/dashboard\/set-password\/[\w-]+)/.exec(invited.stdout)![1]!;
    const { page } = await newPage();
    await page.goto(link);
    // The form asks for 12 characters; so does the server.
    expect(await page.locator('#password').getAttribute('minlength')).toBe('12');
    await page.locator('#password').fill('a developer password');
    await page.locator('#set-password').click();
    await page.waitForURL(`${kassa.apiUrl}/dashboard`);
    await expect(page.locator('#signed-in-as').textContent()).resolves.toBe('dev@shop.test (developer)');
    // A link works once.
    expect((await page.goto(link))?.status()).toBe(200);
    await expect(page.locator('.error').textContent()).resolves.toContain('used already or has expired');

    const again = await runKassaCli(['user', 'invite', '--merchant', kassa.merchantId, '--email', 'dev@shop.test'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('email: is already a dashboard user');
    const reset = await runKassaCli(['user', 'reset', '--email', 'dev@shop.test'], env);
    expect(reset.stdout).toMatch(/set-password\/[\w-]+/);
    const unknown = await runKassaCli(['user', 'reset', '--email', 'nobody@shop.test'], env);
    expect(unknown.code).toBe(1);
  });
});
