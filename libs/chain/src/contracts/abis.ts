/**
 * Typed ABIs of Kassa's contracts (`contracts/src`), written out `as const` so viem infers
 * argument and result types. `abis.spec.ts` checks them against the compiled artifacts, so
 * they cannot drift from the Solidity sources. Standard ERC-20 calls use viem's `erc20Abi`.
 */

/**
 * Custom errors of DepositForwarder (its own and those of the OpenZeppelin `Address` and
 * `SafeERC20` libraries it uses). DepositFactory bubbles them up from its clones, so both ABIs
 * list them and viem can name the reason of a failed flush.
 */
export const depositForwarderErrorsAbi = [
  { type: 'error', name: 'AlreadyInitialized', inputs: [] },
  { type: 'error', name: 'FailedCall', inputs: [] },
  { type: 'error', name: 'ImplementationLocked', inputs: [] },
  {
    type: 'error',
    name: 'InsufficientBalance',
    inputs: [
      { name: 'balance', type: 'uint256', internalType: 'uint256' },
      { name: 'needed', type: 'uint256', internalType: 'uint256' },
    ],
  },
  { type: 'error', name: 'NotInitialized', inputs: [] },
  {
    type: 'error',
    name: 'SafeERC20FailedOperation',
    inputs: [{ name: 'token', type: 'address', internalType: 'address' }],
  },
  { type: 'error', name: 'ZeroTreasury', inputs: [] },
] as const;

/**
 * DepositFactory: computes, deploys and flushes per-payment deposit addresses, one (`flush`) or
 * several per transaction (`flushMany`). Includes the forwarder's errors, which its `deploy`,
 * `flush` and `flushMany` bubble up.
 */
export const depositFactoryAbi = [
  { type: 'constructor', inputs: [], stateMutability: 'nonpayable' },
  { type: 'error', name: 'FailedDeployment', inputs: [] },
  ...depositForwarderErrorsAbi,
  {
    type: 'event',
    name: 'ForwarderDeployed',
    anonymous: false,
    inputs: [
      { name: 'treasury', type: 'address', indexed: true, internalType: 'address' },
      { name: 'salt', type: 'bytes32', indexed: true, internalType: 'bytes32' },
      { name: 'forwarder', type: 'address', indexed: false, internalType: 'address' },
    ],
  },
  {
    type: 'function',
    name: 'deploy',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'treasury', type: 'address', internalType: 'address' },
      { name: 'salt', type: 'bytes32', internalType: 'bytes32' },
    ],
    outputs: [{ name: 'forwarder', type: 'address', internalType: 'address' }],
  },
  {
    type: 'function',
    name: 'depositAddress',
    stateMutability: 'view',
    inputs: [
      { name: 'treasury', type: 'address', internalType: 'address' },
      { name: 'salt', type: 'bytes32', internalType: 'bytes32' },
    ],
    outputs: [{ name: '', type: 'address', internalType: 'address' }],
  },
  {
    type: 'function',
    name: 'flush',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'treasury', type: 'address', internalType: 'address' },
      { name: 'salt', type: 'bytes32', internalType: 'bytes32' },
      { name: 'tokens', type: 'address[]', internalType: 'address[]' },
    ],
    outputs: [{ name: 'forwarder', type: 'address', internalType: 'address' }],
  },
  {
    type: 'function',
    name: 'flushMany',
    stateMutability: 'nonpayable',
    inputs: [
      {
        name: 'requests',
        type: 'tuple[]',
        internalType: 'struct DepositFactory.FlushRequest[]',
        components: [
          { name: 'treasury', type: 'address', internalType: 'address' },
          { name: 'salt', type: 'bytes32', internalType: 'bytes32' },
          { name: 'tokens', type: 'address[]', internalType: 'address[]' },
        ],
      },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'implementation',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'address', internalType: 'address' }],
  },
] as const;

/** DepositForwarder: the clone behind each deposit address (and its locked implementation). */
export const depositForwarderAbi = [
  { type: 'constructor', inputs: [], stateMutability: 'nonpayable' },
  ...depositForwarderErrorsAbi,
  {
    type: 'event',
    name: 'Flushed',
    anonymous: false,
    inputs: [
      { name: 'token', type: 'address', indexed: true, internalType: 'address' },
      { name: 'amount', type: 'uint256', indexed: false, internalType: 'uint256' },
    ],
  },
  {
    type: 'function',
    name: 'flush',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'token', type: 'address', internalType: 'address' }],
    outputs: [],
  },
  {
    type: 'function',
    name: 'initialize',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'treasury_', type: 'address', internalType: 'address' }],
    outputs: [],
  },
  {
    type: 'function',
    name: 'treasury',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'address', internalType: 'address' }],
  },
  { type: 'receive', stateMutability: 'payable' },
] as const;

/**
 * `mint(address to, uint256 amount)` of the local-chain test tokens (TestUSDC, TestDAI,
 * TestUSDT); anyone may call it. Use together with viem's `erc20Abi` (or
 * {@link testUsdtAbi} for TestUSDT).
 */
export const testTokenMintAbi = [
  {
    type: 'function',
    name: 'mint',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'to', type: 'address', internalType: 'address' },
      { name: 'amount', type: 'uint256', internalType: 'uint256' },
    ],
    outputs: [],
  },
] as const;

/**
 * TestUSDT, a mainnet-USDT-like token: `transfer`, `transferFrom` and `approve` return nothing.
 * Simulating those calls with viem's `erc20Abi` fails to decode the missing `bool`; use this ABI.
 */
export const testUsdtAbi = [
  {
    type: 'event',
    name: 'Approval',
    anonymous: false,
    inputs: [
      { name: 'owner', type: 'address', indexed: true, internalType: 'address' },
      { name: 'spender', type: 'address', indexed: true, internalType: 'address' },
      { name: 'value', type: 'uint256', indexed: false, internalType: 'uint256' },
    ],
  },
  {
    type: 'event',
    name: 'Transfer',
    anonymous: false,
    inputs: [
      { name: 'from', type: 'address', indexed: true, internalType: 'address' },
      { name: 'to', type: 'address', indexed: true, internalType: 'address' },
      { name: 'value', type: 'uint256', indexed: false, internalType: 'uint256' },
    ],
  },
  {
    type: 'function',
    name: 'allowance',
    stateMutability: 'view',
    inputs: [
      { name: 'owner', type: 'address', internalType: 'address' },
      { name: 'spender', type: 'address', internalType: 'address' },
    ],
    outputs: [{ name: '', type: 'uint256', internalType: 'uint256' }],
  },
  {
    type: 'function',
    name: 'approve',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'spender', type: 'address', internalType: 'address' },
      { name: 'value', type: 'uint256', internalType: 'uint256' },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'balanceOf',
    stateMutability: 'view',
    inputs: [{ name: 'account', type: 'address', internalType: 'address' }],
    outputs: [{ name: '', type: 'uint256', internalType: 'uint256' }],
  },
  {
    type: 'function',
    name: 'decimals',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'uint8', internalType: 'uint8' }],
  },
  ...testTokenMintAbi,
  {
    type: 'function',
    name: 'name',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'string', internalType: 'string' }],
  },
  {
    type: 'function',
    name: 'symbol',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'string', internalType: 'string' }],
  },
  {
    type: 'function',
    name: 'totalSupply',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'uint256', internalType: 'uint256' }],
  },
  {
    type: 'function',
    name: 'transfer',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'to', type: 'address', internalType: 'address' },
      { name: 'value', type: 'uint256', internalType: 'uint256' },
    ],
    outputs: [],
  },
  {
    type: 'function',
    name: 'transferFrom',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'from', type: 'address', internalType: 'address' },
      { name: 'to', type: 'address', internalType: 'address' },
      { name: 'value', type: 'uint256', internalType: 'uint256' },
    ],
    outputs: [],
  },
] as const;

/** The round tuple of a Chainlink-style aggregator: answer in feed units, times in unix seconds. */
const roundDataOutputs = [
  { name: 'roundId', type: 'uint80', internalType: 'uint80' },
  { name: 'answer', type: 'int256', internalType: 'int256' },
  { name: 'startedAt', type: 'uint256', internalType: 'uint256' },
  { name: 'updatedAt', type: 'uint256', internalType: 'uint256' },
  { name: 'answeredInRound', type: 'uint80', internalType: 'uint80' },
] as const;

/**
 * The reads of Chainlink's AggregatorV3Interface that Kassa's rate source makes: `decimals`
 * and `latestRoundData` (answer / 10^decimals = quote units per one base unit, e.g. USD per
 * ETH). Real Chainlink feeds and the local TestPriceFeed both answer them.
 */
export const priceFeedAbi = [
  {
    type: 'function',
    name: 'decimals',
    stateMutability: 'view',
    inputs: [],
    outputs: [{ name: '', type: 'uint8', internalType: 'uint8' }],
  },
  {
    type: 'function',
    name: 'latestRoundData',
    stateMutability: 'view',
    inputs: [],
    outputs: roundDataOutputs,
  },
] as const;

/**
 * Test setters of the local-chain TestPriceFeed (`contracts/src/test/TestPriceFeed.sol`):
 * `setAnswer(answer)` starts a round updated now, `setRound(answer, updatedAt)` one with an
 * explicit unix time (an old one makes the feed stale), `setAnsweredInRound(round)` marks the
 * latest round as carrying an earlier round's answer. Anyone may call them.
 */
export const testPriceFeedAbi = [
  {
    type: 'function',
    name: 'setAnswer',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'answer', type: 'int256', internalType: 'int256' }],
    outputs: [],
  },
  {
    type: 'function',
    name: 'setAnsweredInRound',
    stateMutability: 'nonpayable',
    inputs: [{ name: 'answeredInRound', type: 'uint80', internalType: 'uint80' }],
    outputs: [],
  },
  {
    type: 'function',
    name: 'setRound',
    stateMutability: 'nonpayable',
    inputs: [
      { name: 'answer', type: 'int256', internalType: 'int256' },
      { name: 'updatedAt', type: 'uint256', internalType: 'uint256' },
    ],
    outputs: [],
  },
] as const;
