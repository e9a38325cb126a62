import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { createPublicClient, createWalletClient, http, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { deployArtifact, HARDHAT_ACCOUNTS, type HardhatNode, startHardhatNode } from '@kassa/chain';
import { KASSA_FACTORY_ADDRESS, NETWORK_PRESETS } from '@kassa/config';
import { createTestDatabase, placeContractAt, type TestDatabase } from '@kassa/testing';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '../..');

/** The `sh` blocks of a document, in order (other fenced blocks are shown, not run). */
function shellBlocks(file: string): string[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/**
 * docs/going-live.md as an operator follows it: its commands run in order, in one shell,
 * against a Hardhat chain standing in for Base Sepolia (chain id 84532, a USDC at Circle's
 * Base Sepolia address) and a fresh database.
 */
describe('docs/going-live.md', () => {
  let node: HardhatNode;
  let client: PublicClient;
  let database: TestDatabase;
  const usdc = NETWORK_PRESETS['base-sepolia'].tokens[0]!;

  beforeAll(async () => {
    [node, database] = await Promise.all([startHardhatNode({ chainId: 84532 }), createTestDatabase({ migrated: false })]);
    const transport = http(node.rpcUrl, { retryCount: 0 });
    client = createPublicClient({ chain: node.chain, transport, cacheTime: 0 }) as PublicClient;
    const circle = createWalletClient({ account: privateKeyToAccount(HARDHAT_ACCOUNTS[5]!.privateKey), chain: node.chain, transport });
    await placeContractAt(client, await deployArtifact(circle, client, 'TestUSDC'), usdc.address);
  });
  afterAll(async () => {
    await node?.stop();
    await database?.drop();
  });

  it('its commands work as printed', async () => {
    const blocks = shellBlocks('docs/going-live.md');
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const treasury = HARDHAT_ACCOUNTS[9]!.address;
    const baseSepoliaTreasury = HARDHAT_ACCOUNTS[8]!.address;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      DATABASE_URL: database.url,
      KASSA_NETWORKS: 'base-sepolia',
      KASSA_RPC_URL_BASE_SEPOLIA: node.rpcUrl,
      KASSA_DEPLOYER_KEY: HARDHAT_ACCOUNTS[7]!.privateKey,
      TREASURY: treasury,
      TREASURY_BASE_SEPOLIA: baseSepoliaTreasury,
    };

    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', blocks.join('\n')], { cwd: ROOT, env, timeout: 300_000 });

    expect(stdout).toContain('Dry run: nothing was sent.');
    expect(stdout).toContain('Deployed:');
    expect(stdout).toContain('Chain 84532 (Base Sepolia): as configured');
    expect(await client.getCode({ address: KASSA_FACTORY_ADDRESS })).not.toBeUndefined();
    expect(stdout).toMatch(/Merchant mer_\w+: My Shop/);
    expect(stdout).toContain(`treasury (default): ${treasury}`);
    expect(stdout).toContain(`treasury on chain 84532: ${baseSepoliaTreasury}`);
  });
});
