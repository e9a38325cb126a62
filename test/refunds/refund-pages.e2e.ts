import type { BrowserContext, Page } from 'playwright-core';
import { erc20Abi, type Address } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES } from '@kassa/chain';
import type { PaymentObject, RefundObject } from '@kassa/domain';
import { eventually } from '@kassa/testing';

import { artifactPath, decodeQrCode, describeInChromium, installTestWallet, useChromium, useTestKassa } from '@kassa/testing/scenario';

const DESKTOP = { width: 1100, height: 900 };

/**
 * The hosted refund pages in a real headless Chromium (docs/refunds.md): the customer types
 * an address on the claim page (checksum, deposit address and contract checks on the way) and
 * the payout wallet pays it; the merchant pays a refund on the approval page with an EIP-1193
 * wallet that forwards to the Hardhat node, and Kassa finds the transfer on chain.
 */
describeInChromium('the refund pages in a browser', () => {
  const kassa = useTestKassa({ confirmations: 2, payouts: true });
  const chromium = useChromium();
  const customer = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[1]]!.address;
  /** A wallet the merchant holds, funded with the test tokens. */
  const merchantWallet = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[4]]!.address;

  const usdc = (): Address => kassa.chain.contracts.tokens.USDC;
  const balance = (owner: Address): Promise<bigint> => kassa.chain.publicClient.readContract({ address: usdc(), abi: erc20Abi, functionName: 'balanceOf', args: [owner] });

  async function paidPayment(amount: string, sent: bigint): Promise<PaymentObject> {
    const payment = await kassa.createPayment({ amount, currency: 'USDC', description: 'Espresso machine' });
    await kassa.send(payment.depositAddress as Address, usdc(), sent);
    await kassa.mine(1);
    return kassa.waitForStatus(payment.id, 'PAID');
  }

  const openPage = async (url: string, setup?: (context: BrowserContext) => Promise<void>): Promise<Page> => {
    const context = chromium.track(await chromium.browser.newContext({ viewport: DESKTOP, deviceScaleFactor: 1 }));
    await setup?.(context);
    const page = await context.newPage();
    const response = await page.goto(url);
    expect(response?.status()).toBe(200);
    return page;
  };

  const refundOf = async (id: string): Promise<RefundObject> => (await kassa.request<RefundObject>('GET', `/v1/refunds/${id}`)).body;
  const confirmed = (id: string): Promise<RefundObject> =>
    eventually(async () => {
      const current = await refundOf(id);
      if (current.status === 'confirmed') return current;
      await kassa.mine(1);
      return undefined;
    }, { what: `refund ${id} to be confirmed`, timeoutMs: 30_000 });

  it('claim page: the customer types an address; a mistyped one, a deposit address and an unconfirmed contract are refused; the payout wallet pays the typed one', async () => {
    const payment = await paidPayment('20', 20_000_000n);
    const created = await kassa.request<RefundObject>('POST', `/v1/payments/${payment.id}/refunds`, { amount: '8', reason: 'One item was out of stock' });
    expect(created.body).toMatchObject({ status: 'awaiting_address', claimUrl: expect.stringContaining('/refunds/claim/') });
    const page = await openPage(created.body.claimUrl!);
    await expect(page.locator('#amount').textContent()).resolves.toBe('8');
    await expect(page.locator('#network').textContent()).resolves.toBe('Hardhat (local)');
    await expect(page.locator('#reason').textContent()).resolves.toBe('One item was out of stock');
    await page.screenshot({ path: artifactPath('refund-claim.png'), fullPage: true });

    const submit = async (address: string) => {
      await page.locator('#address').fill(address);
      await page.locator('#claim').click();
    };
    const mistyped = `0x${customer.slice(2, 3) === customer.slice(2, 3).toUpperCase() ? customer.slice(2, 3).toLowerCase() : customer.slice(2, 3).toUpperCase()}${customer.slice(3)}`;
    await submit(/[a-fA-F]/.test(customer[2]!) ? mistyped : customer.replace(/[a-f]/, (c) => c.toUpperCase()));
    // The message is written when the server's answer arrives, into an element that is already there.
    await eventually(async () => ((await page.locator('#claim-message').textContent())?.includes('checksum') ? true : undefined), { what: 'the checksum refusal' });
    await submit(payment.depositAddress);
    await eventually(async () => ((await page.locator('#claim-message').textContent())?.includes('Kassa deposit address') ? true : undefined), { what: 'the deposit address refusal' });
    await submit(usdc());
    await page.locator('#contract-warning').waitFor({ state: 'visible' });
    await expect(page.locator('#claim-message').textContent()).resolves.toContain('is a contract');
    expect((await refundOf(created.body.id)).status).toBe('awaiting_address');

    const before = await balance(customer);
    await submit(customer.toLowerCase());
    await page.locator('#claimed').waitFor({ state: 'visible' });
    await expect(page.locator('#claimed-address').textContent()).resolves.toBe(customer);
    await page.screenshot({ path: artifactPath('refund-claimed.png'), fullPage: true });

    const done = await confirmed(created.body.id);
    expect(done).toMatchObject({ address: customer, addressSource: 'customer', method: 'payout_wallet', claimUrl: null });
    expect(await balance(customer)).toBe(before + 8_000_000n);
    // The link no longer changes the address.
    const again = await fetch(created.body.claimUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ address: merchantWallet }) });
    expect(again.status).toBe(409);
  });

  it('approval page: the merchant pays the refund from a browser wallet; Kassa finds the transfer on chain and confirms it', async () => {
    const payment = await paidPayment('15', 15_000_000n);
    const created = await kassa.request<RefundObject>('POST', `/v1/payments/${payment.id}/refunds`, { address: customer, amount: '6.5', method: 'merchant_wallet' });
    expect(created.body).toMatchObject({ status: 'pending', method: 'merchant_wallet', approvalUrl: expect.stringContaining('/refunds/approve/'), approvalExpiresAt: expect.any(String) });
    let calls: { method: string; params: unknown[] }[] = [];
    const page = await openPage(created.body.approvalUrl!, async (context) => {
      calls = (await installTestWallet(context, merchantWallet, new Map([[kassa.chain.config.chainId, kassa.chain.config.rpcUrls[0]!]]))).calls;
    });
    await expect(page.locator('#recipient').textContent()).resolves.toBe(customer);
    expect(await decodeQrCode(page)).toBe(`ethereum:${usdc()}@${kassa.chain.config.chainId}/transfer?address=${customer}&uint256=6500000`);
    await page.locator('#wallet-pay').waitFor({ state: 'visible' });
    await page.screenshot({ path: artifactPath('refund-approval.png'), fullPage: true });

    const [customerBefore, walletBefore] = [await balance(customer), await balance(merchantWallet)];
    await page.locator('#wallet-pay').click();
    await eventually(async () => ((await page.locator('#wallet-message').textContent())?.includes('Transaction sent') ? true : undefined), { what: 'the wallet to send' });
    expect(calls.map((call) => call.method)).toEqual(['eth_requestAccounts', 'eth_chainId', 'wallet_switchEthereumChain', 'eth_sendTransaction']);
    const done = await confirmed(created.body.id);
    expect(done.txHash).toMatch(/^0x[0-9a-f]{64}$/);
    expect(await balance(customer)).toBe(customerBefore + 6_500_000n);
    expect(await balance(merchantWallet)).toBe(walletBefore - 6_500_000n);
    await eventually(async () => ((await page.locator('#refund-status').getAttribute('data-status')) === 'confirmed' ? true : undefined), { what: 'the page to show the refund confirmed' });
    await page.screenshot({ path: artifactPath('refund-approval-confirmed.png'), fullPage: true });
    expect((await refundOf(created.body.id)).approvalUrl).toBeNull();
  });
});
