import { type Address, createPublicClient, createWalletClient, erc20Abi, http, parseEther, type PublicClient } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { deployArtifact, deterministicFactory, HARDHAT_ACCOUNTS, type HardhatNode, LOCAL_ROLES, startHardhatNode, testTokenMintAbi } from '@kassa/chain';
import { asMerchantId } from '@kassa/domain';
import { RescuesRepository } from '@kassa/persistence';
import { paymentFixture, storePayment } from '@kassa/testing';

import { runKassaCli, useTestKassa } from '@kassa/testing/scenario';

/**
 * A customer pays on a chain the merchant does not watch (a third Hardhat chain, chain id 10,
 * without Kassa's factory): `kassa rescue` deploys the factory there and moves the coins from
 * the payment's deposit address (the same address there) to the merchant's treasury, and
 * records what it moved.
 */
describe('kassa rescue: coins sent on a chain Kassa does not watch', () => {
  const kassa = useTestKassa();
  let stray: HardhatNode;
  let client: PublicClient;
  let token: Address;
  const gasPayer = HARDHAT_ACCOUNTS[6]!;
  const customer = HARDHAT_ACCOUNTS[LOCAL_ROLES.customers[0]]!;

  beforeAll(async () => {
    stray = await startHardhatNode({ chainId: 10 });
    const transport = http(stray.rpcUrl, { retryCount: 0 });
    client = createPublicClient({ chain: stray.chain, transport, cacheTime: 0, pollingInterval: 50 }) as PublicClient;
    // A stablecoin of that chain, which Kassa knows nothing of.
    const deployer = createWalletClient({ account: privateKeyToAccount(HARDHAT_ACCOUNTS[5]!.privateKey), chain: stray.chain, transport });
    token = await deployArtifact(deployer, client, 'TestUSDC');
    await client.waitForTransactionReceipt({ hash: await deployer.writeContract({ address: token, abi: testTokenMintAbi, functionName: 'mint', args: [customer.address, 100_000_000n] }) });
  });
  afterAll(async () => {
    await stray?.stop();
  });

  const cli = (...args: string[]) => runKassaCli(args, { PATH: process.env.PATH ?? '', DATABASE_URL: kassa.database.url, KASSA_CHAINS: JSON.stringify([kassa.chain.config]), KASSA_DEPLOYER_KEY: gasPayer.privateKey });

  it('deploys the factory there, moves the token and the native coin to the treasury, and records the move', async () => {
    const payment = await kassa.createPayment({ amount: '12.50', currency: 'USDC' });
    const address = payment.depositAddress as Address;
    const treasury = kassa.chain.wallet(LOCAL_ROLES.treasury).account.address;
    const wallet = createWalletClient({ account: privateKeyToAccount(customer.privateKey), chain: stray.chain, transport: http(stray.rpcUrl) });
    await client.waitForTransactionReceipt({ hash: await wallet.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [address, 12_500_000n] }) });
    await client.waitForTransactionReceipt({ hash: await wallet.sendTransaction({ to: address, value: parseEther('0.02') }) });
    const treasuryBefore = await client.getBalance({ address: treasury });

    const dry = await cli('rescue', '--payment', payment.id, '--rpc', stray.rpcUrl, '--token', token);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Payment ${payment.id} on chain 10: deposit address ${address}, bound to treasury ${treasury}`);
    expect(dry.stdout).toContain('Dry run: nothing was sent.');
    expect(dry.stdout).toContain(`12500000 base units of token ${token}`);
    expect(dry.stdout).toContain('after deploying the DepositFactory there');
    expect(await client.getCode({ address: deterministicFactory().factory })).toBeUndefined();

    const sent = await cli('rescue', '--payment', payment.id, '--rpc', stray.rpcUrl, '--token', token, '--broadcast');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/Moved to the treasury in 0x[0-9a-f]{64}:/);

    expect(await client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [treasury] })).toBe(12_500_000n);
    expect(await client.getBalance({ address: treasury })).toBe(treasuryBefore + parseEther('0.02'));
    expect(await client.getBalance({ address })).toBe(0n);
    expect(await new RescuesRepository(kassa.dataSource).listByPayment(payment.id)).toEqual([
      expect.objectContaining({
        chainId: 10,
        depositAddress: address,
        treasuryAddress: treasury,
        moved: [{ token: null, amount: parseEther('0.02') }, { token, amount: 12_500_000n }],
      }),
    ]);

    // Nothing is left: a second run moves nothing and records nothing.
    const again = await cli('rescue', '--payment', payment.id, '--rpc', stray.rpcUrl, '--token', token, '--broadcast');
    expect(again.stdout).toContain('nothing there to move');
    expect(await new RescuesRepository(kassa.dataSource).listByPayment(payment.id)).toHaveLength(1);
  });

  it('refuses a chain Kassa watches, and an unknown payment, with a clear message', async () => {
    const payment = await kassa.createPayment({ amount: '1', currency: 'USDC' });

    const watched = await cli('rescue', '--payment', payment.id, '--rpc', kassa.chain.node.rpcUrl);
    expect(watched).toMatchObject({ code: 1, stderr: expect.stringContaining(`kassa: Chain ${kassa.chain.config.chainId} is watched by Kassa`) as unknown });

    const unknown = await cli('rescue', '--payment', 'pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC', '--rpc', stray.rpcUrl);
    expect(unknown).toMatchObject({ code: 1, stderr: 'kassa: No payment pay_01JD3M6Q8Y7W4ZK2N5R0T9V1XC\n' });

    // A payment of an older factory (deployed by an account's nonce): its address exists on no other chain.
    const older = paymentFixture({ merchantId: asMerchantId(kassa.merchantId) });
    await storePayment(kassa.dataSource.manager, older);
    const other = await cli('rescue', '--payment', older.id, '--rpc', stray.rpcUrl);
    expect(other).toMatchObject({ code: 1, stderr: expect.stringContaining(`kassa: Payment ${older.id} was created with another factory than ${deterministicFactory().factory}`) as unknown });
  });
});
