import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { createPublicClient, http } from 'viem';

import { deterministicFactory, DETERMINISTIC_DEPLOYMENT_PROXY, DETERMINISTIC_DEPLOYMENT_PROXY_INSTALL, HARDHAT_ACCOUNTS, type HardhatNode, type LocalChain, startHardhatNode, startLocalChain } from '@kassa/chain';

import { runKassaCli, startTestKassa } from '@kassa/testing/scenario';

/** Runs `kassa <args>` with only `env`. */
const cli = (env: Record<string, string>, ...args: string[]) => runKassaCli(args, env);

/**
 * Getting Kassa's contracts onto a chain and checking a configuration against the chains:
 * `kassa chain deploy` (dry run, broadcast, run again), `kassa chain verify`, and apps that
 * refuse to start on a chain that contradicts their configuration.
 */
describe('deploying to a chain and verifying the configuration', () => {
  let bare: HardhatNode;
  let local: LocalChain;
  const expected = deterministicFactory();
  const key = HARDHAT_ACCOUNTS[7]!.privateKey;

  beforeAll(async () => {
    [bare, local] = await Promise.all([startHardhatNode({ chainId: 42161 }), startLocalChain({ chainId: 8453 })]);
  });
  afterAll(async () => {
    await Promise.all([bare?.stop(), local?.stop()]);
  });

  it('kassa chain deploy: a dry run by default, sends with --broadcast, and only verifies when run again', async () => {
    const client = createPublicClient({ transport: http(bare.rpcUrl) });
    const env = { PATH: process.env.PATH ?? '' };

    const keyless = await cli(env, 'chain', 'deploy', '--rpc', bare.rpcUrl);
    expect(keyless).toMatchObject({ code: 1, stderr: 'kassa: No deployer key: set KASSA_DEPLOYER_KEY or pass --key-file <file>\n' });

    const dry = await cli({ ...env, KASSA_DEPLOYER_KEY: key }, 'chain', 'deploy', '--rpc', bare.rpcUrl);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Chain 42161: DepositFactory ${expected.factory}, implementation ${expected.implementation}`);
    expect(dry.stdout).toContain('Dry run: nothing was sent.');
    expect(dry.stdout).toContain(`install the deployment proxy: from ${DETERMINISTIC_DEPLOYMENT_PROXY_INSTALL.signer}, gas 100000 at 100 gwei`);
    expect(await client.getTransactionCount({ address: HARDHAT_ACCOUNTS[7]!.address })).toBe(0);
    expect(await client.getCode({ address: DETERMINISTIC_DEPLOYMENT_PROXY })).toBeUndefined();

    // The key from a file works as well as from the environment.
    const keyFile = path.join(await mkdtemp(path.join(os.tmpdir(), 'kassa-key-')), 'deployer.key');
    await writeFile(keyFile, `${key}\n`, { mode: 0o600 });
    const sent = await cli(env, 'chain', 'deploy', '--rpc', bare.rpcUrl, '--key-file', keyFile, '--broadcast');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toContain('Deployed:');
    expect(sent.stdout.match(/transaction 0x[0-9a-f]{64}/g)).toHaveLength(3);
    expect((await client.getCode({ address: expected.factory }))?.toLowerCase()).toBe(expected.factoryCode);

    const again = await cli({ ...env, KASSA_DEPLOYER_KEY: key }, 'chain', 'deploy', '--rpc', bare.rpcUrl, '--broadcast');
    expect(again.stdout).toContain('Already deployed: both hold Kassa\'s code. Nothing to send.');
    expect(await client.getTransactionCount({ address: HARDHAT_ACCOUNTS[7]!.address })).toBe(2);
  });

  it('local chains (npm start, tests) have the factory at the address of every chain', () => {
    expect(local.contracts).toMatchObject({ factory: expected.factory, implementation: expected.implementation });
  });

  it('kassa chain verify: "as configured", or every field the chain contradicts and exit 1', async () => {
    const good = await cli({ PATH: process.env.PATH ?? '', KASSA_CHAINS: JSON.stringify([local.config]) }, 'chain', 'verify');
    expect(good).toMatchObject({ code: 0, stdout: `Chain 8453 (${local.config.name}): as configured\n` });

    const wrong = { ...local.config, tokens: local.config.tokens.map((token) => (token.symbol === 'USDT' ? { ...token, decimals: 18 } : token)) };
    const bad = await cli({ PATH: process.env.PATH ?? '', KASSA_CHAINS: JSON.stringify([wrong]) }, 'chain', 'verify');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`tokens[2].decimals: expected USDT at ${local.contracts.tokens.USDT} with 18 decimals, found 6`);
    expect(bad.stderr).toBe('kassa: The chains do not match the configuration (see above)\n');
  });

  it('an app on a chain that contradicts its configuration refuses to start, naming chain, field, expected and found', async () => {
    const failure = await startTestKassa({
      configure: (config) => ({ ...config, chains: config.chains.map((chain) => ({ ...chain, implementationAddress: chain.tokens[0]!.address })) }),
    }).catch((error: unknown) => error);

    expect((failure as Error).name).toBe('ChainVerificationError');
    expect((failure as Error).message).toMatch(/chain 31337 \(.*\): implementationAddress: expected Kassa's DepositForwarder at 0x[0-9a-fA-F]{40} \(code hash 0x[0-9a-f]{64}\), found other code/);
  });
});
