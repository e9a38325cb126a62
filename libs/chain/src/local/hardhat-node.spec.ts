import { createPublicClient, createWalletClient, http, webSocket } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { HARDHAT_ACCOUNT_BALANCE_WEI, HARDHAT_ACCOUNTS, HARDHAT_MNEMONIC } from './accounts';
import { startHardhatNode, type HardhatNode } from './hardhat-node';

/** True while a process with this pid (or process group, when negative) exists. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Hardhat node harness', () => {
  it('lists the standard development accounts of the "test … junk" mnemonic', () => {
    const derived = HARDHAT_ACCOUNTS.map((_, addressIndex) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex }));
    expect(HARDHAT_ACCOUNTS.map((a) => a.address)).toEqual(derived.map((a) => a.address));
    for (const [i, account] of derived.entries()) {
      const key = account.getHdKey().privateKey;
      expect(HARDHAT_ACCOUNTS[i]!.privateKey).toBe(`0x${Buffer.from(key!).toString('hex')}`);
    }
  });

  describe('a node on a custom chain id with interval mining', () => {
    let node: HardhatNode;
    let startMs: number;

    beforeAll(async () => {
      const started = Date.now();
      node = await startHardhatNode({ chainId: 1337, blockTimeMs: 200 });
      startMs = Date.now() - started;
    });

    afterAll(async () => {
      await node?.stop();
    });

    it('answers on HTTP and WebSocket with the requested chain id, quickly', async () => {
      const httpClient = createPublicClient({ chain: node.chain, transport: http(node.rpcUrl) });
      const wsClient = createPublicClient({ chain: node.chain, transport: webSocket(node.wsUrl) });
      try {
        expect(await httpClient.getChainId()).toBe(1337);
        expect(await wsClient.getChainId()).toBe(1337);
      } finally {
        await wsClient.transport.getRpcClient().then((rpc) => rpc.close());
      }
      expect(startMs).toBeLessThan(15_000);
    });

    it('funds the development accounts', async () => {
      const client = createPublicClient({ chain: node.chain, transport: http(node.rpcUrl) });
      const accounts = await createWalletClient({ transport: http(node.rpcUrl) }).getAddresses();
      expect(accounts.map((a) => a.toLowerCase())).toEqual(HARDHAT_ACCOUNTS.map((a) => a.address.toLowerCase()));
      expect(await client.getBalance({ address: HARDHAT_ACCOUNTS[9]!.address })).toBe(HARDHAT_ACCOUNT_BALANCE_WEI);
    });

    it('mines empty blocks on the interval', async () => {
      const client = createPublicClient({ chain: node.chain, transport: http(node.rpcUrl), cacheTime: 0 });
      const before = await client.getBlockNumber();
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(await client.getBlockNumber()).toBeGreaterThanOrEqual(before + 2n);
    });
  });

  it('stop() kills the node and its process group, and can be called twice', async () => {
    const node = await startHardhatNode();
    expect(node.chainId).toBe(31337);
    expect(isAlive(node.pid)).toBe(true);

    await Promise.all([node.stop(), node.stop()]);

    expect(isAlive(node.pid)).toBe(false);
    expect(isAlive(-node.pid)).toBe(false);
    await expect(fetch(node.rpcUrl, { method: 'POST' })).rejects.toThrow();
  });

  it('mines only on transactions by default (automine)', async () => {
    const node = await startHardhatNode();
    try {
      const client = createPublicClient({ chain: node.chain, transport: http(node.rpcUrl), cacheTime: 0 });
      const before = await client.getBlockNumber();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await client.getBlockNumber()).toBe(before);
    } finally {
      await node.stop();
    }
  });

  it('rejects invalid options before spawning anything', async () => {
    await expect(startHardhatNode({ chainId: 0 })).rejects.toThrow('chainId must be a positive integer');
    await expect(startHardhatNode({ blockTimeMs: 1.5 })).rejects.toThrow('blockTimeMs must be a positive integer');
  });
});
