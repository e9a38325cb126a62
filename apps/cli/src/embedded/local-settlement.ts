import { createPublicClient, http, numberToHex, type Address } from 'viem';
import type { DataSource } from 'typeorm';

/**
 * The local chain of `npm start` restarts from genesis, but the database keeps the settlement
 * transactions of earlier runs. So that a gas payer nonce is still never used twice in the
 * records (docs/settlement.md "Guarantees"), the new chain's gas payer continues after the
 * highest nonce recorded (`hardhat_setNonce`), and transactions left in flight on the chain
 * that is gone are given up: their payments' deposit addresses do not exist there.
 *
 * @param gasPayer the local chain's settlement gas payer
 */
export async function continueLocalSettlement(dataSource: DataSource, rpcUrl: string, chainId: number, gasPayer: Address): Promise<void> {
  await dataSource.transaction(async (manager) => {
    const gone = `the local chain was restarted`;
    await manager.query(
      `UPDATE settlements SET status = 'failed', error = $2, next_attempt_at = now(), updated_at = now()
       WHERE status = 'pending' AND transaction_id IN (SELECT id FROM settlement_transactions WHERE chain_id = $1 AND status = 'pending')`,
      [chainId, gone],
    );
    await manager.query(
      `UPDATE settlement_transactions SET status = 'dropped', error = $2, finished_at = now(), updated_at = now()
       WHERE chain_id = $1 AND status = 'pending'`,
      [chainId, gone],
    );
  });
  const [row] = (await dataSource.query(
    `SELECT max(nonce) AS nonce FROM settlement_transactions WHERE chain_id = $1 AND lower(from_address) = lower($2)`,
    [chainId, gasPayer],
  )) as { nonce: string | null }[];
  if (row?.nonce == null) return;
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  const next = BigInt(row.nonce) + 1n;
  if (BigInt(await client.getTransactionCount({ address: gasPayer })) >= next) return;
  await client.request({ method: 'hardhat_setNonce' as never, params: [gasPayer, numberToHex(next)] as never });
}
