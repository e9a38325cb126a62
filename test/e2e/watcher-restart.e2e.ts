import type { Address } from 'viem';

import type { PaymentObject } from '@kassa/domain';
import { eventually } from '@kassa/testing';

import { useTestKassa } from '@kassa/testing/scenario';

/**
 * The watcher resumes from its stored cursor: transfers made while it was down are found
 * when it comes back, none is lost and none is counted twice.
 */
describe('watcher stopped mid-way and restarted', () => {
  const kassa = useTestKassa({ confirmations: 2 });

  const transferRows = async (paymentId: string) =>
    (await kassa.dataSource.query('SELECT tx_hash, log_index, status FROM transfers WHERE payment_id = $1', [paymentId])) as { tx_hash: string }[];

  it('finds the transfers made while it was down, once each', async () => {
    const usdc = kassa.chain.contracts.tokens.USDC;
    const created = await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '30', currency: 'USDC' });
    const payment = created.body;
    const deposit = payment.depositAddress as Address;

    await kassa.send(deposit, usdc, 10_000_000n);
    await eventually(async () => ((await transferRows(payment.id)).length === 1 ? true : undefined), { what: 'the first transfer' });

    await kassa.stopApps();
    const whileDown = [await kassa.send(deposit, usdc, 10_000_000n, 2), await kassa.send(deposit, usdc, 10_000_000n, 3)];
    await kassa.mine(3);
    await kassa.startApps();

    const paid = await eventually(async () => {
      const current = (await kassa.request<PaymentObject>('GET', `/v1/payments/${payment.id}`)).body;
      return current.status === 'PAID' ? current : undefined;
    }, { what: 'the payment to be PAID after the restart' });
    expect(paid.amountReceivedBaseUnits).toBe('30000000');
    expect(paid.exception).toBeNull();

    // Restart once more with nothing new: nothing is recorded twice.
    await kassa.stopApps();
    await kassa.startApps();
    await kassa.mine(2);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const rows = await transferRows(payment.id);
    expect(rows).toHaveLength(3);
    expect(rows.map((row) => row.tx_hash)).toEqual(expect.arrayContaining(whileDown));
    const events = (await kassa.dataSource.query(`SELECT type FROM events WHERE payment_id = $1 ORDER BY id`, [payment.id])) as { type: string }[];
    expect(events.map((event) => event.type)).toEqual(['payment.created', 'payment.pending', 'payment.paid']);
  });
});
