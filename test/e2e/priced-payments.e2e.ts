import { Webhook } from 'standardwebhooks';
import { parseEther, parseUnits, type Address } from 'viem';

import { type LocalChain, testPriceFeedAbi } from '@kassa/chain';
import type { EventPayload, PaymentObject, PaymentOptionObject } from '@kassa/domain';
import { eventually, startWebhookReceiver, type WebhookReceiver } from '@kassa/testing';

import { useTestKassa } from '@kassa/testing/scenario';

/**
 * A price in dollars paid in any accepted coin and network (DESIGN.md "Price and the
 * customer's choice of coin"), on two real local chains with real tokens, factories and
 * Chainlink-style price feeds (ETH/USD at 2500 when deployed).
 */
describe('priced payments: a USD price paid in any accepted coin on any of two chains', () => {
  const OTHER_CHAIN_ID = 31338;
  const kassa = useTestKassa({ confirmations: 2, secondChain: { chainId: OTHER_CHAIN_ID, name: 'Other local chain', confirmations: 3 } });
  let chainA: LocalChain;
  let chainB: LocalChain;
  let receiver: WebhookReceiver;
  let verifier: Webhook;

  beforeAll(async () => {
    chainA = kassa.chain;
    chainB = kassa.otherChain!;
    receiver = await startWebhookReceiver();
    const endpoint = await kassa.request<{ secret: string }>('POST', '/v1/webhook-endpoints', { url: receiver.url, enabledEvents: ['payment.paid'] });
    verifier = new Webhook(endpoint.body.secret);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const create = (body: unknown) => kassa.request<PaymentObject>('POST', '/v1/payments', body);
  const payment = (id: string) => kassa.payment(id);
  const optionOf = (object: PaymentObject, chainId: number, currency: string): PaymentOptionObject => {
    const option = object.options.find((candidate) => candidate.chainId === chainId && candidate.currency === currency);
    if (!option) throw new Error(`no ${currency} option on chain ${chainId} in ${JSON.stringify(object.options.map((o) => [o.chainId, o.currency]))}`);
    return option;
  };
  const setFeed = async (chain: LocalChain, answer: bigint, updatedAt?: bigint) => {
    const feed = chain.contracts.priceFeeds.ETH;
    const hash = updatedAt === undefined
      ? await chain.deployer.writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setAnswer', args: [answer] })
      : await chain.deployer.writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setRound', args: [answer, updatedAt] });
    await chain.publicClient.waitForTransactionReceipt({ hash });
  };

  it('quotes "25.00 USD" in every coin of both chains: stablecoins 1:1 exact per decimals, ETH at the feed, one deposit address', async () => {
    const response = await create({ price: { amount: '25.00', currency: 'USD' }, orderId: 'order-usd-1' });
    expect(response.status).toBe(201);
    const created = response.body;
    expect(created.price).toEqual({ amount: '25.00', currency: 'USD' });
    expect(created.options.map((option) => `${option.chainId}:${option.currency}`)).toEqual([
      '31337:ETH', '31337:USDC', '31337:DAI', '31337:USDT',
      `${OTHER_CHAIN_ID}:ETH`, `${OTHER_CHAIN_ID}:USDC`, `${OTHER_CHAIN_ID}:DAI`, `${OTHER_CHAIN_ID}:USDT`,
    ]);
    for (const chainId of [31337, OTHER_CHAIN_ID]) {
      expect(optionOf(created, chainId, 'USDC')).toMatchObject({ amount: '25', amountBaseUnits: '25000000', token: { decimals: 6 }, rate: { value: '1', pricingCurrency: 'USD', source: 'peg', feedAddress: null } });
      expect(optionOf(created, chainId, 'DAI')).toMatchObject({ amount: '25', amountBaseUnits: parseUnits('25', 18).toString(), token: { decimals: 18 } });
      expect(optionOf(created, chainId, 'ETH')).toMatchObject({
        amount: '0.01',
        amountBaseUnits: parseEther('0.01').toString(),
        token: { address: null, decimals: 18 },
        rate: { value: '2500', pricingCurrency: 'USD', source: 'price_feed', feedAddress: (chainId === 31337 ? chainA : chainB).contracts.priceFeeds.ETH },
      });
    }
    // The factory sits at the same address on both chains and the treasury is the same: one deposit address everywhere.
    expect(new Set(created.options.map((option) => option.depositAddress))).toEqual(new Set([created.depositAddress]));
    expect(chainA.contracts.factory).toBe(chainB.contracts.factory);
    // Each option carries its own EIP-681 URI (token, chain and amount in base units).
    expect(optionOf(created, OTHER_CHAIN_ID, 'USDT').paymentUri).toBe(
      `ethereum:${chainB.contracts.tokens.USDT}@${OTHER_CHAIN_ID}/transfer?address=${created.depositAddress}&uint256=25000000`,
    );
    expect(optionOf(created, OTHER_CHAIN_ID, 'ETH').paymentUri).toBe(`ethereum:${created.depositAddress}@${OTHER_CHAIN_ID}?value=10000000000000000`);
    // Until value arrives the payment stands on its first option.
    expect(created).toMatchObject({ chainId: 31337, currency: 'ETH', amountBaseUnits: parseEther('0.01').toString(), status: 'CREATED' });
    expect(created.options.filter((option) => option.selected).map((option) => option.id)).toEqual([created.options[0]!.id]);
  });

  it('is PAID by USDT on the other chain, counted against that chain\'s confirmations, and says so in the webhook', async () => {
    const created = (await create({ price: { amount: '25.00', currency: 'USD' }, acceptedCurrencies: [{ currency: 'USDC', chainId: 31337 }, { currency: 'USDT' }] })).body;
    expect(created.options.map((option) => `${option.chainId}:${option.currency}`)).toEqual(['31337:USDC', '31337:USDT', `${OTHER_CHAIN_ID}:USDT`]);

    await kassa.send(created.depositAddress as Address, chainB.contracts.tokens.USDT, 25_000_000n, undefined, chainB);
    const pending = await kassa.waitForStatus(created.id, 'PENDING');
    expect(pending).toMatchObject({ chainId: OTHER_CHAIN_ID, currency: 'USDT', amountBaseUnits: '25000000', requiredConfirmations: 3 });
    expect(pending.transfers).toMatchObject([{ chainId: OTHER_CHAIN_ID, amountBaseUnits: '25000000', counted: true, optionId: optionOf(created, OTHER_CHAIN_ID, 'USDT').id }]);

    await kassa.mine(1, chainB); // 2 of 3 confirmations on the other chain: mining the first chain does not help
    await kassa.mine(5, chainA);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await payment(created.id)).status).toBe('PENDING');
    await kassa.mine(1, chainB);
    const paid = await kassa.waitForStatus(created.id, 'PAID');
    expect(paid).toMatchObject({ exception: null, chainId: OTHER_CHAIN_ID, currency: 'USDT', amountReceived: '25', amountReceivedBaseUnits: '25000000' });
    expect(optionOf(paid, OTHER_CHAIN_ID, 'USDT')).toMatchObject({ selected: true, amountReceivedBaseUnits: '25000000' });
    expect(optionOf(paid, 31337, 'USDT')).toMatchObject({ selected: false, amountReceivedBaseUnits: '0' });

    const webhook = await eventually(async () => {
      const request = receiver.received.find((candidate) => JSON.parse(candidate.body).data.id === created.id);
      if (!request) return undefined;
      return verifier.verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }) as EventPayload;
    }, { what: `payment.paid for ${created.id}` });
    expect(webhook.data).toMatchObject({ status: 'PAID', chainId: OTHER_CHAIN_ID, currency: 'USDT', price: { amount: '25.00', currency: 'USD' } });
  });

  it('takes accepted coins as plain symbols too: each on every chain that carries it', async () => {
    const response = await create({ price: { amount: '25.00', currency: 'USD' }, acceptedCurrencies: ['usdt', { currency: 'ETH', chainId: OTHER_CHAIN_ID }] });
    expect(response.status).toBe(201);
    expect(response.body.options.map((option) => `${option.chainId}:${option.currency}`)).toEqual(['31337:USDT', `${OTHER_CHAIN_ID}:USDT`, `${OTHER_CHAIN_ID}:ETH`]);
  });

  it('is PAID by the native coin on the first chain, exact to the wei: one wei short stays PENDING', async () => {
    const created = (await create({ price: { amount: '25', currency: 'USD' }, acceptedCurrencies: [{ currency: 'USDT', chainId: OTHER_CHAIN_ID }, { currency: 'ETH', chainId: 31337 }] })).body;
    const eth = optionOf(created, 31337, 'ETH');
    const due = BigInt(eth.amountBaseUnits);
    expect(due).toBe(parseEther('0.01'));

    await kassa.send(created.depositAddress as Address, null, due - 1n);
    await kassa.mine(2);
    await eventually(async () => ((await payment(created.id)).amountReceivedBaseUnits === (due - 1n).toString() ? true : undefined), { what: 'the short transfer to be confirmed' });
    expect(await payment(created.id)).toMatchObject({ status: 'PENDING', chainId: 31337, currency: 'ETH' });

    await kassa.send(created.depositAddress as Address, null, 1n);
    await kassa.mine(2);
    const paid = await kassa.waitForStatus(created.id, 'PAID');
    expect(paid).toMatchObject({ exception: null, currency: 'ETH', amountReceivedBaseUnits: due.toString() });
  });

  it('keeps the quoted rate until the deadline: a new feed answer changes new quotes only', async () => {
    const before = (await create({ price: { amount: '25', currency: 'USD' }, acceptedCurrencies: [{ currency: 'ETH', chainId: OTHER_CHAIN_ID }] })).body;
    await setFeed(chainB, 3000_00000000n);
    try {
      const after = (await create({ price: { amount: '25', currency: 'USD' }, acceptedCurrencies: [{ currency: 'ETH', chainId: OTHER_CHAIN_ID }] })).body;
      expect(optionOf(after, OTHER_CHAIN_ID, 'ETH')).toMatchObject({ amountBaseUnits: '8333333333333334', rate: { value: '3000' } }); // rounded up in the last wei
      expect(optionOf(await payment(before.id), OTHER_CHAIN_ID, 'ETH')).toMatchObject({ amountBaseUnits: parseEther('0.01').toString(), rate: { value: '2500' } });

      // Paying the old quote pays the old payment.
      await kassa.send(before.depositAddress as Address, null, parseEther('0.01'), undefined, chainB);
      await kassa.mine(2, chainB);
      await kassa.waitForStatus(before.id, 'PAID');
    } finally {
      await setFeed(chainB, 2500_00000000n);
    }
  });

  it('records value in two options: PAID by the one fully paid, OVERPAID with each option\'s amount received', async () => {
    const created = (await create({ price: { amount: '25.00', currency: 'USD' }, acceptedCurrencies: [{ currency: 'USDC' }, { currency: 'DAI', chainId: OTHER_CHAIN_ID }] })).body;
    await kassa.send(created.depositAddress as Address, chainA.contracts.tokens.USDC, 5_000_000n);
    await kassa.send(created.depositAddress as Address, chainB.contracts.tokens.DAI, parseUnits('25', 18), undefined, chainB);
    await kassa.mine(2, chainA);
    await kassa.mine(2, chainB);
    const paid = await kassa.waitForStatus(created.id, 'PAID');
    expect(paid).toMatchObject({ exception: 'OVERPAID', chainId: OTHER_CHAIN_ID, currency: 'DAI', amountReceived: '25' });
    expect(optionOf(paid, 31337, 'USDC')).toMatchObject({ amountReceived: '5', amountReceivedBaseUnits: '5000000', selected: false });
    expect(optionOf(paid, OTHER_CHAIN_ID, 'DAI')).toMatchObject({ amountReceived: '25', selected: true });
    expect(paid.transfers.map((transfer) => [transfer.chainId, transfer.amount, transfer.counted]).sort()).toEqual([
      [31337, '5', false],
      [OTHER_CHAIN_ID, '25', true],
    ]);
  });

  it('leaves out a coin whose rate is stale, and answers 422 when no accepted coin has a rate', async () => {
    const block = await chainB.publicClient.getBlock();
    await setFeed(chainB, 2500_00000000n, block.timestamp - 400n * 24n * 3600n); // older than the feed's maximum age
    try {
      const created = (await create({ price: { amount: '25', currency: 'USD' } })).body;
      expect(created.options.map((option) => `${option.chainId}:${option.currency}`)).not.toContain(`${OTHER_CHAIN_ID}:ETH`);
      expect(created.options.map((option) => `${option.chainId}:${option.currency}`)).toContain('31337:ETH');

      const refused = await kassa.request<{ status: number; code: string; errors: { field: string; message: string }[] }>('POST', '/v1/payments', {
        price: { amount: '25', currency: 'USD' },
        acceptedCurrencies: [{ currency: 'ETH', chainId: OTHER_CHAIN_ID }],
      });
      expect(refused.status).toBe(422);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body.code).toBe('quote_unavailable');
      expect(refused.body.errors).toEqual([{ field: 'acceptedCurrencies[0]', message: expect.stringContaining('stale') }]);
      // Nothing is quoted in a currency nothing is priced in.
      const eur = await kassa.request<{ status: number }>('POST', '/v1/payments', { price: { amount: '25', currency: 'EUR' }, acceptedCurrencies: [{ currency: 'USDC', chainId: 31337 }] });
      expect(eur.status).toBe(422);
    } finally {
      await setFeed(chainB, 2500_00000000n);
    }
  });

  it('leaves out a coin whose amount at a tiny rate would not fit a uint256, never answering 500', async () => {
    await setFeed(chainB, 1n); // 0.00000001 USD per ETH
    try {
      const huge = `1${'0'.repeat(58)}`;
      const refused = await kassa.request<{ code: string; errors: { field: string; message: string }[] }>('POST', '/v1/payments', {
        price: { amount: huge, currency: 'USD' },
        acceptedCurrencies: [{ currency: 'ETH', chainId: OTHER_CHAIN_ID }],
      });
      expect(refused.status).toBe(422);
      expect(refused.body.errors).toEqual([{ field: 'acceptedCurrencies[0]', message: expect.stringContaining('more than a uint256') }]);
      const pegged = await create({ price: { amount: huge, currency: 'USD' }, acceptedCurrencies: [{ currency: 'ETH', chainId: OTHER_CHAIN_ID }, { currency: 'USDC', chainId: OTHER_CHAIN_ID }] });
      expect(pegged.status).toBe(201);
      expect(pegged.body.options.map((option) => [option.currency, option.amountBaseUnits])).toEqual([['USDC', `${huge}000000`]]);
    } finally {
      await setFeed(chainB, 2500_00000000n);
    }
  });

  it('refuses malformed priced requests with a problem naming each field, writing nothing', async () => {
    const count = async () => Number((await kassa.dataSource.query('SELECT count(*) AS n FROM payments'))[0].n);
    const before = await count();
    const cases: [unknown, string[]][] = [
      [{ price: { amount: '25', currency: 'USD' }, amount: '25', currency: 'USDC' }, ['amount', 'currency']],
      [{ amount: '25', currency: 'USDC', chainId: 31337, acceptedCurrencies: [{ currency: 'USDT' }] }, ['acceptedCurrencies']],
      [{ price: { amount: '25', currency: 'usd' } }, ['price.currency']],
      [{ price: { amount: `0.${'1'.repeat(19)}`, currency: 'USD' } }, ['price.amount']],
      [{ price: { amount: '-1', currency: 'USD' } }, ['price.amount']],
      [{ price: '25 USD' }, ['price']],
      [{ price: { amount: '25', currency: 'USD' }, acceptedCurrencies: [{ currency: 'DOGE' }, { currency: 'USDC', chainId: 1 }] }, ['acceptedCurrencies[0].currency', 'acceptedCurrencies[1].chainId']],
      [{ price: { amount: '25', currency: 'USD' }, acceptedCurrencies: [] }, ['acceptedCurrencies']],
      [{ price: { amount: '25', currency: 'USD' }, acceptedCurrencies: ['USDT', 5, { currency: '' }, { currency: 'ETH', chainId: 'x', extra: 1 }] }, [
        'acceptedCurrencies[1]',
        'acceptedCurrencies[2].currency',
        'acceptedCurrencies[3].chainId',
        'acceptedCurrencies[3].extra',
      ]],
      [{}, ['amount', 'currency']],
    ];
    for (const [body, fields] of cases) {
      const response = await kassa.request<{ code: string; errors: { field: string }[] }>('POST', '/v1/payments', body);
      expect({ body, status: response.status, code: response.body.code }).toEqual({ body, status: 400, code: 'validation_failed' });
      expect({ body, fields: [...new Set(response.body.errors.map((error) => error.field))].sort() }).toEqual({ body, fields: [...fields].sort() });
    }
    expect(await count()).toBe(before);
  });
});
