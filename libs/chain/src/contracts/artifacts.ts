import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isHex, type Abi, type Hex } from 'viem';
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
