/**
 * The baselines of `npm run bench:api`: a bare Fastify route with a pg pool, no
 * authentication, validation, idempotency or framework. Two modes:
 * - `one-row`: computes the `payments` row of `POST /v1/payments` (id, base units, CREATE2
 *   deposit address) and inserts that row alone;
 * - `create-sql`: builds the same payment, option, `payment.created` event and payment object
 *   as Kassa and runs the very statement Kassa runs for a create, prepared as Kassa runs it
 *   (`insertAnnouncedStatement`: payment, option, event, deliveries, notifications;
 *   `preparedQuery`), grouping the creates that arrive while earlier ones are written as
 *   Kassa does (`WriteBatcher` with `CREATE_BATCH_LIMITS`), answering with the payment object;
 * - `create-sql-alone`: the same, each create in a statement of its own.
 * Settings come from the same environment as the API (DATABASE_URL, DATABASE_POOL_SIZE,
 * KASSA_API_PORT, KASSA_CHAINS). Usage:
 *   node -r ./scripts/register.js bench/support/bare-create-payment.server.ts <merchantId> <treasury> [one-row|create-sql|create-sql-alone]
 */
import Fastify from 'fastify';
import { Pool } from 'pg';

import { ChainRegistry, depositAddress, formatWatchedPaymentNotice, paymentSalt, paymentUri, WATCHED_PAYMENTS_CHANNEL } from '@kassa/chain';
import { loadConfig } from '@kassa/config';
import { type Address, asMerchantId, buildEventPayload, coinOf, minimumAccepted, newId, type Payment, toBaseUnits, toPaymentObject } from '@kassa/domain';
import { type AnnouncedPayment, CREATE_BATCH_LIMITS, insertAnnouncedStatement, preparedQuery, WriteBatcher } from '@kassa/persistence';
import { OUTBOX_NOTIFY_CHANNEL } from '@kassa/webhooks';

const INSERT = `INSERT INTO payments (id, merchant_id, status, chain_id, currency, token_address, token_decimals, amount,
  amount_minimum, amount_received, deposit_address, salt, treasury_address, factory_address, required_confirmations,
  metadata, expires_at, created_at)
  VALUES ($1, $2, 'CREATED', $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, '{}', $14, $15)`;

async function main(): Promise<void> {
  const [merchantId, treasury, mode = 'one-row'] = process.argv.slice(2) as [string, Address, string?];
  const config = loadConfig();
  const pool = new Pool({ connectionString: config.database.url, max: config.database.poolSize });
  const chains = new ChainRegistry(config.chains);
  const app = Fastify({ bodyLimit: 64 * 1024 });
  const writeCreates = async (payments: readonly AnnouncedPayment[]) => {
    const statement = insertAnnouncedStatement(payments);
    await pool.query(preparedQuery(statement.text, statement.params));
    return payments.map(() => true);
  };
  const batcher = new WriteBatcher(writeCreates, { ...CREATE_BATCH_LIMITS, mayBeCausedByItem: () => false });

  app.get('/health', async () => ({ status: 'ok' }));
  app.post('/v1/payments', async (request, reply) => {
    const body = request.body as { amount: string; currency: string; chainId?: number; orderId?: string; metadata?: Record<string, unknown> };
    const { chain, token } = chains.resolve(body.currency, body.chainId);
    const amount = toBaseUnits(body.amount, token.decimals);
    const now = new Date();
    const id = newId('payment', now.getTime());
    const salt = paymentSalt(id);
    const address = depositAddress({ factory: chain.factoryAddress, implementation: chain.implementationAddress, treasury, salt });
    const expiresAt = new Date(now.getTime() + 1800_000);
    void reply.status(201);
    if (mode === 'one-row') {
      await pool.query(INSERT, [id, merchantId, chain.chainId, token.symbol, token.address, token.decimals, amount.toString(), minimumAccepted(amount, '0').toString(), address, salt, treasury, chain.factoryAddress, chain.confirmations, expiresAt, now]);
      return { id, status: 'CREATED', amountBaseUnits: amount.toString(), depositAddress: address };
    }
    const option = { id: newId('paymentOption', now.getTime()), chainId: chain.chainId, token, amount, amountMinimum: minimumAccepted(amount, '0'), requiredConfirmations: chain.confirmations, depositAddress: address, treasuryAddress: treasury, factoryAddress: chain.factoryAddress, rate: null };
    const payment: Payment = {
      ...coinOf(option),
      id,
      merchantId: asMerchantId(merchantId),
      status: 'CREATED',
      exception: null,
      amountReceived: 0n,
      salt,
      orderId: body.orderId ?? null,
      description: null,
      metadata: body.metadata ?? {},
      successUrl: null,
      cancelUrl: null,
      expiresAt,
      createdAt: now,
      paidAt: null,
      finalizedAt: null,
      paymentLinkId: null,
      price: null,
      options: [option],
    };
    const uri = (coin: { chainId: number; depositAddress: Address; amount: bigint; token: { address: Address | null } }) =>
      paymentUri({ chainId: coin.chainId, depositAddress: coin.depositAddress, amount: coin.amount, token: coin.token.address }, { checksummed: true });
    const object = toPaymentObject(payment, [], null, { paymentUri: uri(payment), checkoutUrl: `http://127.0.0.1/pay/${id}`, optionPaymentUri: uri });
    const event = { merchantId: payment.merchantId, type: 'payment.created' as const, paymentId: id, payload: buildEventPayload(newId('event', now.getTime()), 'payment.created', now, object) };
    const notifications = [
      { channel: WATCHED_PAYMENTS_CHANNEL, payload: formatWatchedPaymentNotice({ chainId: chain.chainId, depositAddress: address, paymentId: id, acceptsNative: token.address === null }) },
      { channel: OUTBOX_NOTIFY_CHANNEL, payload: event.payload.id },
    ];
    const announced = { payment, event, notifications };
    await (mode === 'create-sql' ? batcher.add(announced) : writeCreates([announced]));
    return object;
  });
  await app.listen({ port: config.api.port, host: config.api.host });
  process.once('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
