import { type Address, erc20Abi, type Hex, keccak256 } from 'viem';

import type { ChainConfig } from '@kassa/config';

import { runtimeCodeWithImmutables } from '../contracts/artifacts';
import { ChainVerificationError } from '../errors';
import { createChainClient } from '../rpc/chain-client';
import { describeRpcError } from '../rpc/rpc-endpoints';

/** One configured value the chain contradicts. */
export interface ChainMismatch {
  chainId: number;
  /** The configuration field, by its path in the chain's JSON (`tokens[0].decimals`). */
  field: string;
  expected: string;
  found: string;
}

/** The outcome of {@link verifyChain}: whether the node answered, and what it contradicts. */
export interface ChainVerification {
  chainId: number;
  name: string;
  /** False when the node did not answer `eth_chainId` (nothing else was checked). */
  reachable: boolean;
  /** Why the node did not answer, when it did not. */
  error?: string;
  /**
   * The node serves another chain than the one Kassa followed (its genesis block is not the
   * recorded one, or the block at the watcher's cursor is missing or another): nothing else was
   * checked; the watcher's chain identity check decides (docs/watcher.md "Chain identity").
   */
  replaced?: string;
  mismatches: ChainMismatch[];
}

/** What Kassa recorded of a chain it followed: its genesis hash and the block its watcher stands on. */
export interface RecordedChain {
  genesisHash: Hex | null;
  cursor: { blockNumber: bigint; blockHash: Hex } | null;
}

/** Where what Kassa recorded of a chain is read from (the watcher's `chain_identities` and `chain_cursors`). */
export interface RecordedChainIdentities {
  recorded(chainId: number): Promise<RecordedChain>;
}

/** Injection token of the {@link RecordedChainIdentities} (provided by the persistence module). */
export const RECORDED_CHAIN_IDENTITIES = Symbol('RECORDED_CHAIN_IDENTITIES');

/** How long the whole check of one chain may wait for its node, ms. */
const VERIFY_TIMEOUT_MS = 5_000;

/**
 * Checks a chain's configuration against the chain itself, reading only: the node answers
 * the configured chain id (EIP-155); every token's `decimals()` equals the configured decimals
 * and its `symbol()`, where the contract has one, equals `contractSymbol` (default the ticker);
 * the factory and the implementation hold Kassa's compiled runtime code (their immutables
 * filled in with the configured implementation address), compared by hash.
 *
 * @param recorded what Kassa recorded of the chain, if known: a node whose genesis differs, or
 *   that lacks the block the watcher stands on or has another there, serves another chain,
 *   which is reported as `replaced` and not checked further
 * @returns `reachable: false` when the node does not answer `eth_chainId` within 5 s;
 *   otherwise every mismatch found (an empty list: the chain is as configured). Never throws
 *   for RPC failures.
 * @throws ContractArtifactsMissingError when the contracts are not compiled
 */
export async function verifyChain(chain: ChainConfig, recorded: RecordedChain | null = null): Promise<ChainVerification> {
  const client = createChainClient(chain, { retryCount: 0, timeoutMs: Math.min(chain.rpcTimeoutMs, VERIFY_TIMEOUT_MS) });
  const result: ChainVerification = { chainId: chain.chainId, name: chain.name, reachable: true, mismatches: [] };
  const mismatch = (field: string, expected: string, found: string) => result.mismatches.push({ chainId: chain.chainId, field, expected, found });

  let nodeChainId: number;
  try {
    nodeChainId = await client.getChainId();
  } catch (error) {
    return { ...result, reachable: false, error: describeRpcError(error) };
  }
  if (nodeChainId !== chain.chainId) {
    mismatch('chainId', String(chain.chainId), String(nodeChainId));
    return result;
  }
  if (recorded) {
    try {
      const replaced = await replacedChain(client, recorded);
      if (replaced) return { ...result, replaced };
    } catch (error) {
      return { ...result, reachable: false, error: describeRpcError(error) };
    }
  }

  const codeHash = async (address: Address) => {
    const code = await client.getCode({ address });
    return code && code !== '0x' ? keccak256(code) : 'no code';
  };
  const expectedCode = (code: Hex) => keccak256(code);
  const [factory, implementation] = await Promise.all([codeHash(chain.factoryAddress), codeHash(chain.implementationAddress)]);
  const factoryExpected = expectedCode(runtimeCodeWithImmutables('DepositFactory', [chain.implementationAddress]));
  const implementationExpected = expectedCode(runtimeCodeWithImmutables('DepositForwarder', [chain.implementationAddress]));
  if (factory !== factoryExpected) mismatch('factoryAddress', `Kassa's DepositFactory at ${chain.factoryAddress} (code hash ${factoryExpected})`, describeCode(factory));
  if (implementation !== implementationExpected) {
    mismatch('implementationAddress', `Kassa's DepositForwarder at ${chain.implementationAddress} (code hash ${implementationExpected})`, describeCode(implementation));
  }

  await Promise.all(
    chain.tokens.map(async (token, index) => {
      const field = `tokens[${index}]`;
      const [decimals, symbol] = await Promise.allSettled([
        client.readContract({ address: token.address, abi: erc20Abi, functionName: 'decimals' }),
        client.readContract({ address: token.address, abi: erc20Abi, functionName: 'symbol' }),
      ]);
      if (decimals.status === 'rejected') {
        mismatch(`${field}.address`, `an ERC-20 token (${token.symbol}) at ${token.address}`, `no answer to decimals(): ${oneLine(decimals.reason)}`);
        return;
      }
      if (decimals.value !== token.decimals) mismatch(`${field}.decimals`, `${token.symbol} at ${token.address} with ${token.decimals} decimals`, String(decimals.value));
      const contractSymbol = token.contractSymbol ?? token.symbol;
      if (symbol.status === 'fulfilled' && symbol.value !== contractSymbol) mismatch(`${field}.symbol`, contractSymbol, symbol.value);
    }),
  );
  return result;
}

/**
 * Verifies every chain ({@link verifyChain}) and refuses a configuration the chains contradict.
 * @param identities the genesis hashes Kassa recorded, when the database is at hand
 * @returns the chains not verified: whose node did not answer, or serves another chain than the recorded one
 * @throws ChainVerificationError naming chain, field, expected and found of every mismatch
 */
export async function assertChainsAsConfigured(chains: readonly ChainConfig[], identities?: RecordedChainIdentities): Promise<ChainVerification[]> {
  const results = await Promise.all(chains.map(async (chain) => verifyChain(chain, identities ? await identities.recorded(chain.chainId) : null)));
  const mismatches = results.flatMap((result) => result.mismatches.map((found) => ({ ...found, name: result.name })));
  if (mismatches.length > 0) {
    throw new ChainVerificationError(
      `The chains do not match the configuration:\n${mismatches.map((m) => `  - chain ${m.chainId} (${m.name}): ${m.field}: expected ${m.expected}, found ${m.found}`).join('\n')}`,
    );
  }
  return results.filter((result) => !result.reachable || result.replaced);
}

/** Why the node's chain is not the recorded one, or null when it is (as far as the genesis and the cursor block tell). */
async function replacedChain(client: ReturnType<typeof createChainClient>, recorded: RecordedChain): Promise<string | null> {
  if (recorded.genesisHash) {
    const genesis = await client.getBlock({ blockNumber: 0n });
    if (genesis.hash.toLowerCase() !== recorded.genesisHash.toLowerCase()) return `its genesis block is ${genesis.hash}, the recorded one ${recorded.genesisHash}`;
  }
  if (recorded.cursor) {
    const block = await client.getBlock({ blockNumber: recorded.cursor.blockNumber }).catch(() => null);
    if (!block) return `it has no block ${recorded.cursor.blockNumber}, where the watcher stands`;
    if (block.hash.toLowerCase() !== recorded.cursor.blockHash.toLowerCase()) return `its block ${recorded.cursor.blockNumber} is ${block.hash}, the watcher's ${recorded.cursor.blockHash}`;
  }
  return null;
}

const describeCode = (hash: string) => (hash === 'no code' ? 'no code' : `other code (hash ${hash})`);

const oneLine = (error: unknown) => (error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error));
