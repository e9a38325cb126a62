import type { Address } from 'viem';

import { HARDHAT_ACCOUNTS, LOCAL_ROLES } from '@kassa/chain';
import type { RefundObject } from '@kassa/domain';
import { eventually } from '@kassa/testing';

import { runKassaCli, useTestKassa } from '@kassa/testing/scenario';

/**
 * `kassa refund` and `kassa payout` (README "Five-minute walk-through", docs/refunds.md): the
 * merchant API through the CLI, with the key given on the command line; a refused request is
 * a clear message and a non-zero exit, never a stack.
 */
describe('kassa refund and kassa payout', () => {
  const kassa = useTestKassa({ confirmations: 2, payouts: true });
  const customer = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[1]]!.address;
  const api = () => ['--api', kassa.apiUrl, '--key', kassa.apiKey];

  it('creates, shows and lists a refund of a paid payment; the payout wallet sends it', async () => {
    const payment = await kassa.createPayment({ amount: '25', currency: 'USDC' });
    await kassa.send(payment.depositAddress as Address, kassa.chain.contracts.tokens.USDC, 25_000_000n);
    await kassa.mine(1);
    await kassa.waitForStatus(payment.id, 'PAID');

    const created = await runKassaCli(['refund', 'create', payment.id, '--amount', '5', '--address', customer, '--reason', 'One cup was cold', ...api()]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    const id = /Refund (ref_\w+): pending, 5 USDC on chain 31337 \(payout_wallet\)/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    expect(created.stdout).toContain(`address:  ${customer} (merchant)`);
    const key = /idempotency key: (\S+)/.exec(created.stdout)![1]!;
    // The same create again with its key creates nothing new.
    const repeated = await runKassaCli(['refund', 'create', payment.id, '--amount', '5', '--address', customer, '--reason', 'One cup was cold', '--idempotency-key', key, ...api()]);
    expect(repeated.stdout).toContain(`Refund ${id}:`);

    await eventually(async () => {
      const refund = (await kassa.request<RefundObject>('GET', `/v1/refunds/${id}`)).body;
      if (refund.status === 'confirmed') return true;
      await kassa.mine(1);
      return undefined;
    }, { what: `refund ${id} to be confirmed` });
    const shown = await runKassaCli(['refund', 'show', id!, ...api()]);
    expect(shown.stdout).toMatch(new RegExp(`Refund ${id}: confirmed, 5 USDC`));
    expect(shown.stdout).toMatch(/tx: {7}0x[0-9a-f]{64} \(block \d+\)/);
    const listed = await runKassaCli(['refund', 'list', '--payment', payment.id, ...api()]);
    expect(listed.stdout.trim().split('\n')).toHaveLength(1);
    expect(listed.stdout).toContain(`${id}  confirmed`);

    const claim = await runKassaCli(['refund', 'create', payment.id, '--amount', '1', ...api()]);
    expect(claim.stdout).toMatch(/claim: {4}http:\/\/127\.0\.0\.1:\d+\/refunds\/claim\/[\w-]{32}/);
  });

  it('answers a refused refund or payout with the problem and exit code 1', async () => {
    const open = await kassa.createPayment({ amount: '1', currency: 'USDC' });
    const refused = await runKassaCli(['refund', 'create', open.id, '--address', customer, ...api()]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('409 refund_not_allowed');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const tooMuch = await runKassaCli(['payout', 'create', '--to', customer, '--amount', '20000', '--currency', 'USDC', '--chain-id', '31337', ...api()]);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toContain('422 payout_limit_exceeded');
    const badAddress = await runKassaCli(['payout', 'create', '--to', '0x1234', '--amount', '1', '--currency', 'USDC', ...api()]);
    expect(badAddress.code).toBe(1);
    expect(badAddress.stderr).toContain('address: must be an EVM address');
  });

  it('creates, lists and shows a payout', async () => {
    const created = await runKassaCli(['payout', 'create', '--to', customer, '--amount', '12.5', '--currency', 'USDC', '--description', 'Supplier invoice 118', ...api()]);
    expect(created.code).toBe(0);
    const id = /Payout (po_\w+): pending, 12.5 USDC on chain 31337/.exec(created.stdout)?.[1];
    expect(id).toBeDefined();
    const listed = await runKassaCli(['payout', 'list', ...api()]);
    expect(listed.stdout).toContain(id);
    const shown = await runKassaCli(['payout', 'show', id!, ...api()]);
    expect(shown.stdout).toContain('note:     Supplier invoice 118');
  });
});
