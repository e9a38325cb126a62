import type { PaymentLinkObject } from '@kassa/domain';

import { runKassaCli, useTestKassa } from '@kassa/testing/scenario';

/**
 * `kassa payment-link` (docs/payment-links.md): create with its URL and a QR code drawn in
 * the terminal, list, deactivate, through the merchant API with the key on the command line;
 * a refused request is a clear message and a non-zero exit.
 */
describe('kassa payment-link', () => {
  const kassa = useTestKassa({ confirmations: 1, apps: { watcher: false, worker: false } });
  const api = () => ['--api', kassa.apiUrl, '--key', kassa.apiKey];

  it('creates a single-use link for a price, lists it and deactivates it', async () => {
    const created = await runKassaCli(['payment-link', 'create', '--price', '25.00', '--accept', 'USDC,USDT@31337', '--single-use', '--description', 'Invoice 7', ...api()]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = /Payment link (pl_\w+): active, single-use, 25\.00 USD in USDC, USDT@31337/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toContain(`url:      ${kassa.apiUrl}/l/${id}`);
    // The QR code is drawn with block characters.
    expect(created.stdout).toMatch(/[▀▄█]{10}/);
    const link = (await kassa.request<PaymentLinkObject>('GET', `/v1/payment-links/${id}`)).body;
    expect(link).toMatchObject({ reusable: false, price: { amount: '25.00', currency: 'USD' }, acceptedCurrencies: [{ currency: 'USDC', chainId: null }, { currency: 'USDT', chainId: 31337 }], description: 'Invoice 7' });

    const listed = await runKassaCli(['payment-link', 'list', '--active', ...api()]);
    expect(listed.stdout).toContain(`${id}  active`);

    const deactivated = await runKassaCli(['payment-link', 'deactivate', id!, ...api()]);
    expect(deactivated.code).toBe(0);
    expect(deactivated.stdout).toContain(`Payment link ${id}: inactive`);
    const inactive = await runKassaCli(['payment-link', 'list', '--inactive', ...api()]);
    expect(inactive.stdout).toContain(`${id}  inactive`);
  });

  it('refuses what the API refuses with its reason and the fields at fault, and a command that asks for nothing', async () => {
    const unknown = await runKassaCli(['payment-link', 'create', '--amount', '5', '--currency', 'DOGE', '--no-qr', ...api()]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('400 validation_failed');
    expect(unknown.stderr).toContain('currency');
    expect(unknown.stderr).not.toMatch(/\n\s+at /);

    const neither = await runKassaCli(['payment-link', 'create', ...api()]);
    expect(neither.code).not.toBe(0);
    expect(neither.stderr).toContain('Give either --amount with --currency');
  });
});
