import { createPublicClient, http, numberToHex, type Address } from 'viem';
import type { DataSource } from 'typeorm';

/**
 * The local chain of `npm start` restarts from genesis, but the database keeps the
 * transactions Kassa signed in earlier runs (settlements and payouts). So that a nonce is
 * still never used twice in the records (docs/settlement.md "Guarantees"), each sender on the
 * new chain continues after its highest recorded nonce (`hardhat_setNonce`), and transactions
 * left in flight on the chain that is gone are given up: their settlements fail (the deposit
 * addresses do not exist there) and their payouts and refunds fail (the money never moved on
 * a chain anyone can see; the merchant makes them again).
 *
 * @param senders the local chain's settlement gas payer and payout wallet
 */
export async function continueLocalSettlement(dataSource: DataSource, rpcUrl: string, chainId: number, senders: readonly Address[]): Promise<void> {
  const gone = `the local chain was restarted`;
  await dataSource.transaction(async (manager) => {
    await manager.query(
      `UPDATE settlements SET status = 'failed', error = $2, next_attempt_at = now(), updated_at = now()
       WHERE status = 'pending' AND transaction_id IN (SELECT id FROM settlement_transactions WHERE chain_id = $1 AND status = 'pending')`,
      [chainId, gone],
    );
    await manager.query(
      `UPDATE refunds SET status = 'failed', failure_reason = $2, updated_at = now()
       WHERE status = 'sent' AND payout_id IN (SELECT p.id FROM payouts p JOIN settlement_transactions t ON t.id = p.transaction_id WHERE t.chain_id = $1 AND t.status = 'pending')`,
      [chainId, gone],
    );
    await manager.query(
      `UPDATE payouts SET status = 'failed', failure_reason = $2, updated_at = now()
       WHERE status = 'sent' AND transaction_id IN (SELECT id FROM settlement_transactions WHERE chain_id = $1 AND status = 'pending')`,
      [chainId, gone],
    );
    await manager.query(
      `UPDATE settlement_transactions SET status = 'dropped', error = $2, finished_at = now(), updated_at = now()
       WHERE chain_id = $1 AND status = 'pending'`,
      [chainId, gone],
    );
  });
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 0 }) });
  for (const sender of senders) {
    const [row] = (await dataSource.query(
      `SELECT max(nonce) AS nonce FROM settlement_transactions WHERE chain_id = $1 AND lower(from_address) = lower($2)`,
      [chainId, sender],
    )) as { nonce: string | null }[];
    if (row?.nonce == null) continue;
    const next = BigInt(row.nonce) + 1n;
    if (BigInt(await client.getTransactionCount({ address: sender })) >= next) continue;
    await client.request({ method: 'hardhat_setNonce' as never, params: [sender, numberToHex(next)] as never });
  }
}
