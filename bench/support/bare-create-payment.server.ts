/**
 * The baseline of `npm run bench:api`: a bare Fastify route with a pg pool that computes and
 * inserts the same `payments` row as `POST /v1/payments` (id, base units, CREATE2 deposit
 * address) and nothing else: no authentication, validation, event, idempotency or response
 * object. Settings come from the same environment as the API (DATABASE_URL,
 * DATABASE_POOL_SIZE, KASSA_API_PORT, KASSA_CHAINS). Usage:
 *   node -r ./scripts/register.js bench/support/bare-create-payment.server.ts <merchantId> <treasury>
 */
import Fastify from 'fastify';
import { Pool } from 'pg';

import { ChainRegistry, depositAddress, paymentSalt } from '@kassa/chain';
import { loadConfig } from '@kassa/config';
import { type Address, minimumAccepted, newId, toBaseUnits } from '@kassa/domain';

const INSERT = `INSERT INTO payments (id, merchant_id, status, chain_id, currency, token_address, token_decimals, amount,
  amount_minimum, amount_received, deposit_address, salt, treasury_address, factory_address, required_confirmations,
  metadata, expires_at, created_at)
  VALUES ($1, $2, 'CREATED', $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, '{}', $14, $15)`;

async function main(): Promise<void> {
  const [merchantId, treasury] = process.argv.slice(2) as [string, Address];
  const config = loadConfig();
  const pool = new Pool({ connectionString: config.database.url, max: config.database.poolSize });
  const chains = new ChainRegistry(config.chains);
  const app = Fastify({ bodyLimit: 64 * 1024 });

  app.get('/health', async () => ({ status: 'ok' }));
  app.post('/v1/payments', async (request, reply) => {
    const body = request.body as { amount: string; currency: string; chainId?: number };
    const { chain, token } = chains.resolve(body.currency, body.chainId);
    const amount = toBaseUnits(body.amount, token.decimals);
    const now = new Date();
    const id = newId('payment', now.getTime());
    const salt = paymentSalt(id);
    const address = depositAddress({ factory: chain.factoryAddress, implementation: chain.implementationAddress, treasury, salt });
    await pool.query(INSERT, [
      id,
      merchantId,
      chain.chainId,
      token.symbol,
      token.address,
      token.decimals,
      amount.toString(),
      minimumAccepted(amount, '0').toString(),
      address,
      salt,
      treasury,
      chain.factoryAddress,
      chain.confirmations,
      new Date(now.getTime() + 1800_000),
      now,
    ]);
    void reply.status(201);
    return { id, status: 'CREATED', amountBaseUnits: amount.toString(), depositAddress: address };
  });
  await app.listen({ port: config.api.port, host: config.api.host });
  process.once('SIGTERM', () => void app.close().then(() => pool.end()).then(() => process.exit(0)));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
