import type { Address } from 'viem';

import type { PaymentObject } from '@kassa/domain';
import { eventually, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';

import { useKassaBehindProxy, useTestKassa } from '@kassa/testing/scenario';

/**
 * The value of the series `name{labels}` in a Prometheus text exposition (labels given are
 * matched, others ignored); undefined when absent.
 */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

/**
 * An operator watching `/metrics` sees a payment go through: the chain's head and processed
 * block, the payment counted as PAID, the time to PAID and the transfer recording delay
 * observed, and the webhooks counted as delivered, with no payment id in any label.
 */
describe('metrics as a payment goes through', () => {
  const kassa = useTestKassa({ confirmations: 2 });
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    const endpoint = await kassa.request('POST', '/v1/webhook-endpoints', { url: receiver.url });
    expect(endpoint.status).toBe(201);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  let lastScrape = '';
  const scrape = async (): Promise<string> => {
    const response = await fetch(`${kassa.apiUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return (lastScrape = await response.text());
  };
  /** Kassa's own series of the last scrape, to show what a timed-out wait saw. */
  const kassaSeries = () => lastScrape.split('\n').filter((line) => line.startsWith('kassa_') && !line.includes('_bucket')).join('\n');
  const until = <T>(check: () => Promise<T | undefined>, what: string): Promise<T> =>
    eventually(check, { what }).catch((error: Error) => {
      throw new Error(`${error.message}\nLast scrape:\n${kassaSeries()}`);
    });

  it('moves the chain, payment, histogram and webhook metrics', async () => {
    const chain = { chain_id: String(kassa.chain.config.chainId), chain: kassa.chain.config.name };
    const byChain = { chain_id: chain.chain_id };
    const before = await until(async () => {
      const text = await scrape();
      return sample(text, 'kassa_chain_up', chain) === 1 ? text : undefined;
    }, 'the chain to be reported up');
    expect(sample(before, 'kassa_payments', { status: 'PAID' })).toBe(0);
    expect(sample(before, 'kassa_payment_time_to_paid_seconds_count', byChain) ?? 0).toBe(0);
    expect(sample(before, 'kassa_transfer_record_delay_seconds_count', byChain) ?? 0).toBe(0);
    expect(sample(before, 'kassa_webhook_deliveries_total', { outcome: 'delivered' }) ?? 0).toBe(0);

    const created = await kassa.request<PaymentObject>('POST', '/v1/payments', { amount: '12', currency: 'USDC' });
    expect(created.status).toBe(201);
    const payment = created.body;
    await kassa.send(payment.depositAddress as Address, kassa.chain.contracts.tokens.USDC, 12_000_000n);
    await kassa.mine(1);
    const head = await kassa.chain.publicClient.getBlockNumber();

    const after = await until(async () => {
      const text = await scrape();
      const done =
        sample(text, 'kassa_payments', { status: 'PAID' }) === 1 &&
        sample(text, 'kassa_payment_time_to_paid_seconds_count', byChain) === 1 &&
        (sample(text, 'kassa_chain_processed_block', chain) ?? 0) >= Number(head) &&
        (sample(text, 'kassa_webhook_deliveries_total', { outcome: 'delivered' }) ?? 0) >= 2 &&
        sample(text, 'kassa_webhook_queue_depth') === 0;
      return done ? text : undefined;
    }, 'the metrics to show the payment PAID and its webhooks delivered');

    expect(sample(after, 'kassa_transfer_record_delay_seconds_count', byChain)).toBe(1);
    expect(sample(after, 'kassa_payment_time_to_paid_seconds_sum', byChain)).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'kassa_chain_head_block', chain)).toBeGreaterThanOrEqual(Number(head));
    expect(sample(after, 'kassa_chain_lag_blocks', chain)).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'kassa_chain_lag_seconds', chain)).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'kassa_chain_head_age_seconds', chain)).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'kassa_chain_behind_head_seconds', chain)).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'kassa_payments', { status: 'CREATED' })).toBe(0);
    expect(sample(after, 'kassa_webhook_oldest_pending_delivery_age_seconds')).toBe(0);
    expect(sample(after, 'kassa_rpc_requests_total', { ...byChain, method: 'eth_getBlockByNumber', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sample(after, 'kassa_rpc_request_duration_seconds_count', { ...byChain, method: 'eth_getLogs' })).toBeGreaterThan(0);
    expect(after).not.toContain(payment.id);
    expect(after).not.toContain(payment.depositAddress.toLowerCase());
  });
});

/**
 * When the chain's RPC node stops answering, an operator sees it in `/metrics` (chain down,
 * RPC errors counted by method) and in `/health/ready` (the chain degraded), and sees both
 * recover once the node is back.
 */
describe('metrics and readiness while the RPC node is down', () => {
  const behind = useKassaBehindProxy();

  const state = async () => {
    const [metrics, ready] = await Promise.all([fetch(`${behind.kassa.apiUrl}/metrics`), fetch(`${behind.kassa.apiUrl}/health/ready`)]);
    const text = await metrics.text();
    const chainId = String(behind.kassa.chain.config.chainId);
    const errors = text
      .split('\n')
      .filter((line) => line.startsWith(`kassa_rpc_errors_total{chain_id="${chainId}"`))
      .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
    const body = (await ready.json()) as { status: string; checks: { chains: { status: string }[] } };
    return { up: sample(text, 'kassa_chain_up', { chain_id: chainId }), errors, ready: ready.status, status: body.status, chain: body.checks.chains[0]?.status };
  };

  it('shows the chain down with RPC errors, then up again once the node answers', async () => {
    const healthy = await eventually(async () => {
      const now = await state();
      return now.up === 1 ? now : undefined;
    }, { what: 'the chain to be up' });
    expect(healthy).toMatchObject({ ready: 200, status: 'ok', chain: 'ok' });

    await behind.proxy.setMode('down');
    const down = await eventually(async () => {
      const now = await state();
      return now.up === 0 && now.chain === 'degraded' && now.errors > healthy.errors ? now : undefined;
    }, { what: 'the chain to be reported down with RPC errors' });
    expect(down).toMatchObject({ ready: 200, status: 'degraded' });

    await behind.proxy.setMode('pass');
    await behind.kassa.mine(1);
    const back = await eventually(async () => {
      const now = await state();
      return now.up === 1 ? now : undefined;
    }, { what: 'the chain to be up again' });
    expect(back).toMatchObject({ ready: 200, status: 'ok', chain: 'ok' });
  });
});
