import type { Address } from 'viem';

import type { PaymentObject } from '@kassa/domain';
import { eventually, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';

import { runKassaCli, useTestKassa } from '@kassa/testing/scenario';

/**
 * An operator inspecting a running Kassa from the CLI: a payment with its transfers and
 * deliveries, each chain's head, cursor and lag, and redelivering an event; with help on
 * each command and a clear message (exit 1) for what does not exist.
 */
describe('operator CLI', () => {
  const kassa = useTestKassa({ confirmations: 1 });
  let receiver: WebhookReceiver;
  let env: Record<string, string>;

  /** Runs `kassa <args>` against the test's database and chain. */
  const cli = (...args: string[]) => runKassaCli(args, env);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    expect((await kassa.request('POST', '/v1/webhook-endpoints', { url: receiver.url })).status).toBe(201);
    env = { DATABASE_URL: kassa.database.url, KASSA_CHAINS: JSON.stringify([kassa.chain.config]) };
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('shows a paid payment, the chain lag, and redelivers the payment.paid event', async () => {
    const payment = (await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '7.25', currency: 'USDC' })).body;
    const txHash = await kassa.send(payment.depositAddress as Address, kassa.chain.contracts.tokens.USDC, 7_250_000n);
    await eventually(async () => {
      const [row] = await kassa.dataSource.query<{ delivered: string }[]>(
        `SELECT count(*) AS delivered FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
          WHERE e.payment_id = $1 AND e.type = 'payment.paid' AND d.status = 'delivered'`,
        [payment.id],
      );
      return Number(row?.delivered) === 1 ? true : undefined;
    }, { what: 'payment.paid to be delivered' });
    const head = await kassa.chain.publicClient.getBlockNumber();
    // `kassa chains` reads what the leader last reported: the head and cursor arrive with its
    // next status heartbeat (every 5 s), not with the step that stored the block.
    await eventually(async () => {
      const [status] = await kassa.dataSource.query<{ head_block: string | null; cursor_block: string | null }[]>(
        'SELECT head_block, cursor_block FROM chain_status WHERE chain_id = $1',
        [kassa.chain.config.chainId],
      );
      return status && BigInt(status.head_block ?? -1) >= head && BigInt(status.cursor_block ?? -1) >= head ? true : undefined;
    }, { what: `the chain status to report block ${head}` });
    const [event] = await kassa.dataSource.query<{ id: string }[]>(`SELECT id FROM events WHERE payment_id = $1 AND type = 'payment.paid'`, [payment.id]);

    const [shown, chains] = await Promise.all([cli('payment', 'show', payment.id), cli('chains')]);
    expect(shown).toMatchObject({ code: 0 });
    expect(shown.stdout).toContain(`Payment ${payment.id}`);
    expect(shown.stdout).toMatch(/status: PAID\n/);
    expect(shown.stdout).toContain('received 7.25 USDC');
    expect(shown.stdout).toContain(`tx ${txHash}`);
    expect(shown.stdout).toMatch(new RegExp(`${event!.id} payment\\.paid -> we_\\w+ +delivered after 1 attempt\\(s\\) \\(last: HTTP 2\\d\\d\\)`));

    expect(chains).toMatchObject({ code: 0 });
    const row = chains.stdout.split('\n').find((line) => line.startsWith(`${kassa.chain.config.name} (${kassa.chain.config.chainId})`));
    expect(row).toBeDefined();
    const [, status, state, headBlock, cursor, lag] = row!.split(/\s{2,}/);
    expect({ status, state }).toEqual({ status: 'ok', state: 'following' });
    expect(BigInt(headBlock!)).toBeGreaterThanOrEqual(head);
    expect(BigInt(cursor!)).toBeGreaterThanOrEqual(head);
    expect(Number(lag)).toBeGreaterThanOrEqual(0);

    const before = receiver.received.length;
    const redelivered = await cli('event', 'redeliver', event!.id);
    expect(redelivered).toMatchObject({ code: 0 });
    expect(redelivered.stdout).toMatch(new RegExp(`^Queued dlv_\\w+ of ${event!.id} to we_\\w+`));
    const again = await receiver.waitFor(before + 1);
    expect(JSON.parse(again[before]!.body)).toMatchObject({ id: event!.id, type: 'payment.paid' });
  });

  it('answers unknown ids with a clear message and exit code 1, and explains a command with --help', async () => {
    const [payment, event, help] = await Promise.all([
      cli('payment', 'show', 'pay_01JGZ8Q9R0S1T2V3W4X5Y6Z7AB'),
      cli('event', 'redeliver', 'evt_01JGZ8Q9R0S1T2V3W4X5Y6Z7AB'),
      cli('payment', 'show', '--help'),
    ]);
    expect(payment).toMatchObject({ code: 1, stderr: "kassa: No payment with id 'pay_01JGZ8Q9R0S1T2V3W4X5Y6Z7AB'\n" });
    expect(event).toMatchObject({ code: 1, stderr: "kassa: No event with id 'evt_01JGZ8Q9R0S1T2V3W4X5Y6Z7AB'\n" });
    expect(help).toMatchObject({ code: 0 });
    expect(help.stdout).toContain('Usage: kassa payment show [options] <paymentId>');
  });
});
