import { createPublicClient, erc20Abi, getAddress, http, parseEther, type Address, type PublicClient } from 'viem';

import { BlockNotAvailableError, BlockScanner, ChainChangedDuringScanError, createChainClient, type LocalChain, startLocalChain, type WatchedAddressFilter } from '@kassa/chain';
import { NATIVE_LOG_INDEX } from '@kassa/domain';

/** A watched set of lowercase addresses. */
const watching = (addresses: readonly string[]): WatchedAddressFilter => {
  const set = new Set(addresses.map((address) => address.toLowerCase()));
  return { size: set.size, has: (address) => set.has(address) };
};

/** A client that counts the JSON-RPC calls it makes, by method, and keeps the parameters of its `eth_getLogs` calls. */
function countingClient(url: string): { client: Pick<PublicClient, 'request'>; calls: Map<string, number>; logQueries: unknown[] } {
  const inner = createPublicClient({ transport: http(url, { batch: true }), cacheTime: 0 });
  const calls = new Map<string, number>();
  const logQueries: unknown[] = [];
  const request = ((args: { method: string; params?: unknown[] }) => {
    calls.set(args.method, (calls.get(args.method) ?? 0) + 1);
    if (args.method === 'eth_getLogs') logQueries.push(args.params?.[0]);
    return inner.request(args as Parameters<typeof inner.request>[0]);
  }) as PublicClient['request'];
  return { client: { request }, calls, logQueries };
}

/**
 * The block scanner against a real node: one `eth_getLogs` per range and one block body per
 * block, whatever the number of watched addresses; only transfers to watched addresses of
 * configured tokens (or native coin) come out.
 */
describe('block scanner', () => {
  let chain: LocalChain;
  const watchedToken = '0x00000000000000000000000000000000000a11ce' as Address;
  const watchedNative = '0x00000000000000000000000000000000000b0b00' as Address;
  const stranger = '0x000000000000000000000000000000000000dEaD' as Address;
  let from: bigint;
  let to: bigint;

  beforeAll(async () => {
    chain = await startLocalChain();
    from = (await chain.publicClient.getBlockNumber()) + 1n;
    const customer = chain.wallet(1);
    const send = async (hash: Promise<`0x${string}`>): Promise<void> => {
      await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
    };
    const transfer = (token: Address, recipient: Address, amount: bigint): Promise<`0x${string}`> =>
      customer.writeContract({ address: token, abi: erc20Abi, functionName: 'transfer', args: [recipient, amount] });
    await send(transfer(chain.contracts.tokens.USDC, watchedToken, 1_500_000n));
    await send(transfer(chain.contracts.tokens.USDC, stranger, 9_000_000n));
    await send(transfer(chain.contracts.tokens.DAI, watchedToken, 10n ** 18n)); // DAI is not scanned below
    await send(customer.sendTransaction({ to: watchedNative, value: parseEther('0.3') }));
    await send(customer.sendTransaction({ to: stranger, value: parseEther('0.1') }));
    await send(customer.sendTransaction({ to: watchedNative, value: 0n }));
    to = await chain.publicClient.getBlockNumber();
  });

  afterAll(async () => {
    await chain?.stop();
  });

  const scannerOf = (client: Pick<PublicClient, 'request'>): BlockScanner =>
    new BlockScanner(client, { chainId: chain.config.chainId, tokens: [chain.contracts.tokens.USDC, chain.contracts.tokens.USDT] });

  it('finds the transfers to watched addresses, token and native, and links the blocks', async () => {
    const scanner = scannerOf(createChainClient(chain.config));
    const range = await scanner.scan(from, to, watching([watchedToken, watchedNative]));

    expect(range.blocks.map((block) => block.number)).toEqual(Array.from({ length: Number(to - from + 1n) }, (_, i) => from + BigInt(i)));
    range.blocks.slice(1).forEach((block, i) => expect(block.parentHash).toBe(range.blocks[i]!.hash));
    expect(range.transfers).toEqual([
      expect.objectContaining({
        blockNumber: from,
        to: watchedToken.toLowerCase(),
        tokenAddress: getAddress(chain.contracts.tokens.USDC),
        amount: 1_500_000n,
        blockHash: range.blocks[0]!.hash,
      }),
      expect.objectContaining({ blockNumber: from + 3n, to: watchedNative.toLowerCase(), tokenAddress: null, amount: parseEther('0.3'), logIndex: NATIVE_LOG_INDEX }),
    ]);
  });

  it('makes the same RPC calls with 2 or 50,000 watched addresses: one eth_getLogs, one body per block', async () => {
    const many = Array.from({ length: 50_000 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, '0')}`);
    const few = countingClient(chain.node.rpcUrl);
    const lots = countingClient(chain.node.rpcUrl);

    const small = await scannerOf(few.client).scan(from, to, watching([watchedToken, watchedNative]));
    const large = await scannerOf(lots.client).scan(from, to, watching([...many, watchedToken, watchedNative]));

    expect(large.transfers).toEqual(small.transfers);
    expect(Object.fromEntries(lots.calls)).toEqual(Object.fromEntries(few.calls));
    expect(few.calls.get('eth_getLogs')).toBe(1);
    expect(few.calls.get('eth_getBlockByNumber')).toBe(Number(to - from + 1n));
    // Receipts only for the native matches (the 0.3 ETH transfer).
    expect(few.calls.get('eth_getTransactionReceipt')).toBe(1);
  });

  it('reads only headers when nothing is watched', async () => {
    const { client, calls } = countingClient(chain.node.rpcUrl);
    const range = await scannerOf(client).scan(from, to, watching([]));

    expect(range.transfers).toEqual([]);
    expect(range.blocks).toHaveLength(Number(to - from + 1n));
    expect(calls.get('eth_getLogs')).toBeUndefined();
  });

  it('reads headers, not bodies, when no watched payment accepts the native coin; the head poll gives the last header', async () => {
    const { client, calls } = countingClient(chain.node.rpcUrl);
    const scanner = scannerOf(client);
    const tokensOnly: WatchedAddressFilter = { ...watching([watchedToken, watchedNative]), nativeSize: 0 };

    const range = await scanner.scan(from, to, tokensOnly);
    const head = await scanner.headBlockNumber();
    const before = calls.get('eth_getBlockByNumber');
    const atHead = await scanner.scan(head, head, tokensOnly);

    expect(range.transfers.map((transfer) => transfer.tokenAddress)).toEqual([getAddress(chain.contracts.tokens.USDC)]);
    expect(calls.get('eth_getTransactionReceipt')).toBeUndefined();
    expect(atHead.blocks.map((block) => block.number)).toEqual([head]);
    // The header of the head block came with the poll: the scan at the head asked only for its logs.
    expect(calls.get('eth_getBlockByNumber')).toBe(before);
  });

  it("takes the logs of an announced block, asked by its hash, for a scan of exactly that block with that hash", async () => {
    const watched = watching([watchedToken]);
    const [first, last] = await Promise.all([from, to].map((n) => chain.publicClient.getBlock({ blockNumber: n })));
    const expected = [expect.objectContaining({ blockNumber: from, to: watchedToken.toLowerCase(), amount: 1_500_000n })];

    const hit = countingClient(chain.node.rpcUrl);
    const scanner = scannerOf(hit.client);
    scanner.prefetchTransferLogs({ number: from, hash: first!.hash }, watched);
    expect((await scanner.scan(from, from, watched)).transfers).toEqual(expected);
    expect(hit.logQueries).toEqual([expect.objectContaining({ blockHash: first!.hash })]);

    // Announced with another hash (the node's block there is another one): asked again by range.
    const miss = countingClient(chain.node.rpcUrl);
    const misled = scannerOf(miss.client);
    misled.prefetchTransferLogs({ number: from, hash: last!.hash }, watched);
    expect((await misled.scan(from, from, watched)).transfers).toEqual(expected);
    expect(miss.logQueries).toEqual([expect.objectContaining({ blockHash: last!.hash }), expect.objectContaining({ fromBlock: `0x${from.toString(16)}` })]);

    // A scan of more than the announced block asks by range; the announced logs are dropped.
    const wide = countingClient(chain.node.rpcUrl);
    const catchingUp = scannerOf(wide.client);
    catchingUp.prefetchTransferLogs({ number: from, hash: first!.hash }, watched);
    expect((await catchingUp.scan(from, from + 1n, watched)).transfers).toEqual(expected);
    expect((await catchingUp.scan(from, from, watched)).transfers).toEqual(expected);
    expect(wide.logQueries.filter((query) => (query as { fromBlock?: string }).fromBlock !== undefined)).toHaveLength(2);
  });

  it('fails with BlockNotAvailableError for a block past the head', async () => {
    const scanner = scannerOf(createChainClient(chain.config));
    await expect(scanner.scan(to, to + 5n, watching([watchedToken]))).rejects.toBeInstanceOf(BlockNotAvailableError);
  });

  describe('reading stored blocks again', () => {
    it('finds what a scan finds, with one eth_getLogs and one header when no native coin is watched', async () => {
      const stored = (await scannerOf(createChainClient(chain.config)).scan(from, to, watching([]))).blocks;
      const counting = countingClient(chain.node.rpcUrl);
      const scanner = scannerOf(counting.client);

      const tokens = await scanner.rescan(stored, { ...watching([watchedToken]), nativeSize: 0 });
      expect(tokens.transfers).toEqual([expect.objectContaining({ blockNumber: from, to: watchedToken.toLowerCase(), amount: 1_500_000n })]);
      expect(tokens.blocks).toEqual(stored);
      expect(Object.fromEntries(counting.calls)).toEqual({ eth_getLogs: 1, eth_getBlockByNumber: 1 });

      const both = await scanner.rescan(stored, watching([watchedToken, watchedNative]));
      const scanned = await scanner.scan(from, to, watching([watchedToken, watchedNative]));
      expect(both.transfers).toEqual(scanned.transfers);
    });

    it('refuses blocks the node no longer has as stored, so that nothing is taken for missing', async () => {
      const scanner = scannerOf(createChainClient(chain.config));
      const stored = (await scanner.scan(from, to, watching([]))).blocks;
      // Another branch: the last stored block's hash differs from the node's.
      const forked = stored.map((block, i) => (i === stored.length - 1 ? { ...block, hash: `0x${'ab'.repeat(32)}` as const } : block));
      await expect(scanner.rescan(forked, { ...watching([stranger]), nativeSize: 0 })).rejects.toBeInstanceOf(ChainChangedDuringScanError);
      await expect(scanner.rescan(forked, watching([stranger]))).rejects.toBeInstanceOf(ChainChangedDuringScanError);
      // A matching log in a block whose stored hash differs.
      const firstForked = stored.map((block, i) => (i === 0 ? { ...block, hash: `0x${'cd'.repeat(32)}` as const } : block));
      await expect(scanner.rescan(firstForked, { ...watching([watchedToken]), nativeSize: 0 })).rejects.toBeInstanceOf(ChainChangedDuringScanError);
      // Blocks past the node's head.
      const ahead = [{ ...stored[stored.length - 1]!, number: to + 5n }];
      await expect(scanner.rescan(ahead, { ...watching([watchedToken]), nativeSize: 0 })).rejects.toBeInstanceOf(BlockNotAvailableError);
    });
  });
});
