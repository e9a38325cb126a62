import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { concatHex, isHex, padHex, size, sliceHex, type Abi, type Address, type Hex } from 'viem';
import { ContractArtifactsMissingError } from '../errors';

/** Source file of each contract, relative to `contracts/`; test-only helpers live in `src/test/`. */
const CONTRACT_SOURCES = {
  DepositFactory: 'src/DepositFactory.sol',
  DepositForwarder: 'src/DepositForwarder.sol',
  TestUSDC: 'src/TestUSDC.sol',
  TestDAI: 'src/TestDAI.sol',
  TestUSDT: 'src/TestUSDT.sol',
  ReentrantTreasury: 'src/test/ReentrantTreasury.sol',
  StipendSender: 'src/test/StipendSender.sol',
  EthForwarder: 'src/test/EthForwarder.sol',
  ReentrantToken: 'src/test/ReentrantToken.sol',
  NativeSender: 'src/test/NativeSender.sol',
  TestPriceFeed: 'src/test/TestPriceFeed.sol',
} as const;

/** Contracts compiled from `contracts/src` whose artifacts can be loaded. */
export type KassaContractName = keyof typeof CONTRACT_SOURCES;

/** The parts of a Hardhat artifact (`contracts/artifacts/<source>/<name>.json`) Kassa reads. */
export interface ContractArtifact {
  contractName: string;
  sourceName: string;
  abi: Abi;
  /** Creation code, 0x-prefixed. */
  bytecode: Hex;
  /** Runtime code, 0x-prefixed. */
  deployedBytecode: Hex;
}

const HINT = 'run npm run build:contracts';

/**
 * Finds `contracts/artifacts` of this checkout by walking up from this file until a folder
 * holds `contracts/hardhat.config.ts`, so it works from the TypeScript sources (ts-node, jest)
 * and from a compiled `dist/` tree alike.
 *
 * @returns absolute path of the artifacts folder (which may not exist yet).
 * @throws ContractArtifactsMissingError when no enclosing folder holds the Hardhat config.
 */
export function defaultArtifactsDir(): string {
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'contracts', 'hardhat.config.ts'))) {
      return path.join(dir, 'contracts', 'artifacts');
    }
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new ContractArtifactsMissingError(
        `Cannot find contracts/hardhat.config.ts above ${__dirname}, so no contract artifacts; ${HINT}`,
      );
    }
    dir = parent;
  }
}

const cache = new Map<string, ContractArtifact>();

/**
 * Loads a compiled contract's ABI and bytecode from its Hardhat artifact, once per process.
 *
 * @param name contract name, e.g. `DepositFactory`.
 * @param artifactsDir Hardhat artifacts folder; defaults to {@link defaultArtifactsDir}.
 * @throws ContractArtifactsMissingError naming the file when it is absent or malformed
 *   (message tells to run `npm run build:contracts`).
 */
export function loadContractArtifact(name: KassaContractName, artifactsDir = defaultArtifactsDir()): ContractArtifact {
  const file = path.join(artifactsDir, CONTRACT_SOURCES[name], `${name}.json`);
  const cached = cache.get(file);
  if (cached) return cached;

  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ContractArtifactsMissingError(`Contract artifact ${file} is missing or unreadable; ${HINT}`, {
      cause: error,
    });
  }
  const artifact = toArtifact(parsed);
  if (!artifact || artifact.contractName !== name) {
    throw new ContractArtifactsMissingError(`Contract artifact ${file} is not a compiled ${name}; ${HINT}`);
  }
  cache.set(file, artifact);
  return artifact;
}

function toArtifact(value: unknown): ContractArtifact | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { contractName, sourceName, abi, bytecode, deployedBytecode } = value as Record<string, unknown>;
  if (
    typeof contractName !== 'string' ||
    typeof sourceName !== 'string' ||
    !Array.isArray(abi) ||
    typeof bytecode !== 'string' ||
    !isHex(bytecode) ||
    bytecode.length <= 2 ||
    typeof deployedBytecode !== 'string' ||
    !isHex(deployedBytecode)
  ) {
    return undefined;
  }
  return { contractName, sourceName, abi: abi as Abi, bytecode, deployedBytecode };
}

/** Where the compiler left room for a contract's immutables in its runtime code: byte offsets and lengths, per immutable. */
export type ImmutableReferences = Record<string, { start: number; length: number }[]>;

/**
 * The immutable references of a compiled contract's runtime code, read from the Hardhat
 * build info its artifact points to (`<name>.dbg.json`), once per process. Solidity writes an
 * immutable's value into these places of the runtime code at deployment, so the deployed code
 * equals the artifact's `deployedBytecode` only with them filled in.
 *
 * @throws ContractArtifactsMissingError when the debug file or the build info is missing or malformed
 */
export function loadImmutableReferences(name: KassaContractName, artifactsDir = defaultArtifactsDir()): ImmutableReferences {
  const dbgFile = path.join(artifactsDir, CONTRACT_SOURCES[name], `${name}.dbg.json`);
  const cached = immutablesCache.get(dbgFile);
  if (cached) return cached;
  try {
    const { buildInfo } = JSON.parse(readFileSync(dbgFile, 'utf8')) as { buildInfo: string };
    const build = JSON.parse(readFileSync(path.resolve(path.dirname(dbgFile), buildInfo), 'utf8')) as {
      output: { contracts: Record<string, Record<string, { evm: { deployedBytecode: { immutableReferences?: ImmutableReferences } } }>> };
    };
    const compiled = build.output.contracts[CONTRACT_SOURCES[name]]?.[name];
    if (!compiled) throw new Error(`the build info has no ${name}`);
    const references = compiled.evm.deployedBytecode.immutableReferences ?? {};
    immutablesCache.set(dbgFile, references);
    return references;
  } catch (error) {
    throw new ContractArtifactsMissingError(`The build info of ${name} (${dbgFile}) is missing or unreadable; ${HINT}`, { cause: error });
  }
}

const immutablesCache = new Map<string, ImmutableReferences>();

/**
 * The runtime code a deployment of `name` holds when each of its immutables is an address:
 * the artifact's `deployedBytecode` with every immutable reference filled with the address
 * (left-padded to 32 bytes, as Solidity stores an `address immutable`). DepositFactory's one
 * immutable is its implementation; DepositForwarder's is its own address.
 *
 * @param immutables one address per immutable, in the order of their ids in the build info
 * @throws ContractArtifactsMissingError as {@link loadContractArtifact}, {@link loadImmutableReferences}
 * @throws RangeError when the number of addresses is not the number of immutables
 */
export function runtimeCodeWithImmutables(name: KassaContractName, immutables: readonly Address[], artifactsDir = defaultArtifactsDir()): Hex {
  const { deployedBytecode } = loadContractArtifact(name, artifactsDir);
  const references = Object.entries(loadImmutableReferences(name, artifactsDir)).sort(([a], [b]) => Number(a) - Number(b));
  if (references.length !== immutables.length) {
    throw new RangeError(`${name} has ${references.length} immutables; ${immutables.length} values given`);
  }
  const places = references.flatMap(([, spots], index) => spots.map((spot) => ({ ...spot, value: padHex(immutables[index]!, { size: spot.length }) })));
  places.sort((a, b) => a.start - b.start);
  const parts: Hex[] = [];
  let at = 0;
  for (const { start, length, value } of places) {
    if (start > at) parts.push(sliceHex(deployedBytecode, at, start));
    parts.push(value);
    at = start + length;
  }
  if (at < size(deployedBytecode)) parts.push(sliceHex(deployedBytecode, at, size(deployedBytecode)));
  return concatHex(parts).toLowerCase() as Hex;
}
