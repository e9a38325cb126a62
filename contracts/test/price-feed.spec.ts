import { BaseError, ContractFunctionRevertedError, type Address } from 'viem';
import { deployArtifact, type KassaTestChain, loadContractArtifact, priceFeedAbi, startKassaTestChain, testPriceFeedAbi } from '@kassa/chain';

/**
 * The local chains' price feed answers the reads of Chainlink's AggregatorV3Interface as a
 * real ETH / USD feed does (8 decimals, rounds with `updatedAt` and `answeredInRound`), and
 * lets tests move the price or date a round in the past to make the feed stale.
 */
describe('TestPriceFeed', () => {
  let chain: KassaTestChain;
  let feed: Address;
  const abi = loadContractArtifact('TestPriceFeed').abi;

  beforeAll(async () => {
    chain = await startKassaTestChain();
    feed = await deployArtifact(chain.deployer, chain.publicClient, 'TestPriceFeed');
  });

  afterAll(async () => {
    await chain?.stop();
  });


  const latest = (address: Address = feed) =>
    chain.publicClient.readContract({ address, abi: priceFeedAbi, functionName: 'latestRoundData' });
  const read = (functionName: string, args: unknown[] = []) =>
    chain.publicClient.readContract({ address: feed, abi, functionName, args });

  it('is deployed on every local chain as an ETH / USD feed at 2,500 USD with 8 decimals', async () => {
    const deployed = chain.contracts.priceFeeds.ETH;
    expect(await chain.publicClient.readContract({ address: deployed, abi: priceFeedAbi, functionName: 'decimals' })).toBe(8);
    const [roundId, answer, startedAt, updatedAt, answeredInRound] = await latest(deployed);
    expect({ roundId, answer, answeredInRound }).toEqual({ roundId: 1n, answer: 2500_00000000n, answeredInRound: 1n });
    expect(updatedAt).toBeGreaterThan(0n);
    expect(startedAt).toBe(updatedAt);
    expect(await chain.publicClient.readContract({ address: deployed, abi, functionName: 'description' })).toBe('ETH / USD');
    expect(await chain.publicClient.readContract({ address: deployed, abi, functionName: 'version' })).toBe(4n);
  });

  it('setAnswer starts a new round updated in its block', async () => {
    const [before] = await latest();
    const blockTime = await chain.minedAt(
      await chain.deployer.writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setAnswer', args: [1834_12345678n] }),
    );
    const [roundId, answer, , updatedAt, answeredInRound] = await latest();
    expect({ roundId, answer, updatedAt, answeredInRound }).toEqual({
      roundId: before + 1n,
      answer: 1834_12345678n,
      updatedAt: blockTime,
      answeredInRound: before + 1n,
    });
  });

  it('setRound dates a round in the past, so consumers can see it stale; earlier rounds stay readable', async () => {
    const [previous, previousAnswer] = await latest();
    await chain.minedAt(
      await chain.wallet(3).writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setRound', args: [-1n, 1_000n] }),
    );
    const [roundId, answer, startedAt, updatedAt] = await latest();
    expect({ roundId, answer, startedAt, updatedAt }).toEqual({ roundId: previous + 1n, answer: -1n, startedAt: 1_000n, updatedAt: 1_000n });
    expect(await read('getRoundData', [previous])).toEqual(expect.arrayContaining([previous, previousAnswer]));
  });

  it('setAnsweredInRound makes the latest round carry an earlier answer', async () => {
    // A round after the first, whichever tests ran before.
    await chain.minedAt(await chain.deployer.writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setAnswer', args: [2600_00000000n] }));
    await chain.minedAt(
      await chain.deployer.writeContract({ address: feed, abi: testPriceFeedAbi, functionName: 'setAnsweredInRound', args: [1n] }),
    );
    const [roundId, , , , answeredInRound] = await latest();
    expect(answeredInRound).toBe(1n);
    expect(roundId).toBeGreaterThan(1n);
  });

  it.each([0n, 10_000n])('getRoundData(%s) of a round that never was reverts with "No data present", as Chainlink feeds do', async (round) => {
    const error = await read('getRoundData', [round]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(BaseError);
    const reverted = (error as BaseError).walk((cause) => cause instanceof ContractFunctionRevertedError);
    expect((reverted as ContractFunctionRevertedError | null)?.reason).toBe('No data present');
  });
});
