import type { PaymentObject } from '@kassa/domain';
import { eventually } from '@kassa/testing';

import { runKassaCli, useTestKassa } from '@kassa/testing/scenario';

/** Runs the `kassa` CLI as a user would. */
const kassaCli = (args: string[]) => runKassaCli(args);

/** The customer simulator (`kassa pay`) pays real payments on the local chain. */
describe('kassa pay', () => {
  const kassa = useTestKassa({ confirmations: 1 });

  const common = () => ['--api', kassa.apiUrl, '--rpc', kassa.chain.node.rpcUrl];

  it('pays the full amount of a token payment, and a given part of a native one', async () => {
    const usdc = await kassa.createPayment({ amount: '12.5', currency: 'USDC' });
    const eth = await kassa.createPayment({ amount: '1', currency: 'ETH' });
    const [full, part] = await Promise.all([
      kassaCli(['pay', usdc.id, ...common()]),
      kassaCli(['pay', eth.id, '--amount', '0.25', '--account', '3', ...common()]),
    ]);
    expect(full).toMatchObject({ code: 0 });
    expect(full.stdout).toContain(`Sent 12.5 USDC to ${usdc.depositAddress}`);
    expect(part.stdout).toContain(`Sent 0.25 ETH to ${eth.depositAddress}`);

    const paid = await eventually(async () => {
      const current = (await kassa.request<PaymentObject>('GET', `/v1/payments/${usdc.id}`)).body;
      return current.status === 'PAID' ? current : undefined;
    }, { what: 'the USDC payment to be PAID' });
    expect(paid.amountReceivedBaseUnits).toBe('12500000');
    const partial = await eventually(async () => {
      const current = (await kassa.request<PaymentObject>('GET', `/v1/payments/${eth.id}`)).body;
      return current.amountReceivedBaseUnits === '250000000000000000' ? current : undefined;
    }, { what: 'the partial ETH transfer to be confirmed' });
    expect(partial.status).toBe('PENDING');
  });

  it('pays the option of the coin asked for, of a payment priced in USD', async () => {
    const priced = await kassa.createPayment({ price: { amount: '25.00', currency: 'USD' }, acceptedCurrencies: [{ currency: 'USDC' }, { currency: 'ETH' }] });
    const missing = await kassaCli(['pay', priced.id, '--currency', 'DAI', ...common()]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain(`Payment ${priced.id} has no DAI option; it offers USDC on chain 31337, ETH on chain 31337`);

    const sent = await kassaCli(['pay', priced.id, '--currency', 'eth', ...common()]);
    expect(sent).toMatchObject({ code: 0 });
    expect(sent.stdout).toContain(`Sent 0.01 ETH to ${priced.depositAddress} on chain 31337`);
    const paid = await eventually(async () => {
      const current = (await kassa.request<PaymentObject>('GET', `/v1/payments/${priced.id}`)).body;
      return current.status === 'PAID' ? current : undefined;
    }, { what: 'the priced payment to be PAID in ETH' });
    expect(paid).toMatchObject({ currency: 'ETH', amountReceivedBaseUnits: '10000000000000000', exception: null });
  });

  it('fails with a clear message and a non-zero exit for an unknown payment or a bad amount', async () => {
    const unknown = await kassaCli(['pay', 'pay_01M805NDR4VPJ5HD8V3AM5FHX3', ...common()]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("No payment with id 'pay_01M805NDR4VPJ5HD8V3AM5FHX3'");

    const payment = await kassa.createPayment({ amount: '1', currency: 'USDC' });
    const bad = await kassaCli(['pay', payment.id, '--amount', '0.0000001', ...common()]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('amount: has more than 6 decimal places');
  });
});
