/**
 * Hardhat configuration for Kassa's contracts (DepositFactory, DepositForwarder, test tokens).
 *
 * Paths are relative to this file's folder (`contracts/`), which Hardhat treats as the project
 * root: sources in `contracts/src`, artifacts in `contracts/artifacts`, cache in `contracts/cache`.
 *
 * Environment (read only here, by the `hardhat` CLI process, never by the Kassa apps):
 * - `KASSA_HARDHAT_CHAIN_ID`: chain id of the in-process `hardhat` network (default 31337).
 * - `KASSA_HARDHAT_BLOCK_TIME_MS`: when set, blocks are also mined every N ms on top of
 *   automine (a transaction is still mined at once); unset means automine only.
 * - `KASSA_HARDHAT_LOGGING`: `false` stops `hardhat node` from printing every JSON-RPC call
 *   (default `true`, Hardhat's own default for the node).
 */
import { subtask, type HardhatUserConfig } from 'hardhat/config';
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from 'hardhat/builtin-tasks/task-names';
import { HARDHAT_ACCOUNT_BALANCE_WEI, HARDHAT_ACCOUNTS } from '../libs/chain/src/local/accounts';

const SOLC_VERSION = '0.8.28';
const DEFAULT_CHAIN_ID = 31337;

/** Shape of the bits of the `solc` npm package (solc-js) this file uses; it ships no types. */
interface SolcJs {
  version(): string;
}

/** Shape Hardhat expects back from TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD. */
interface SolcBuild {
  compilerPath: string;
  isSolcJs: boolean;
  version: string;
  longVersion: string;
}

/**
 * Hardhat would download solc from binaries.soliditylang.org; the build must work offline, so
 * it uses the WebAssembly compiler shipped in the pinned `solc` npm package instead.
 */
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(
  async ({ solcVersion }: { solcVersion: string }): Promise<SolcBuild> => {
    if (solcVersion !== SOLC_VERSION) {
      throw new Error(
        `Kassa compiles with the solc ${SOLC_VERSION} npm package only; a source asked for ${solcVersion}`,
      );
    }
    // Loaded lazily: soljson.js is ~9 MB and `hardhat node` never needs it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy load, see above
    const solc = require('solc') as SolcJs;
    return {
      compilerPath: require.resolve('solc/soljson.js'),
      isSolcJs: true,
      version: SOLC_VERSION,
      longVersion: solc.version(),
    };
  },
);

/**
 * Parses a positive integer environment variable.
 *
 * @throws Error naming the variable when it is set but not a positive integer.
 */
function positiveIntegerFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got "${raw}"`);
  }
  return value;
}

const chainId = positiveIntegerFromEnv('KASSA_HARDHAT_CHAIN_ID') ?? DEFAULT_CHAIN_ID;
const blockTimeMs = positiveIntegerFromEnv('KASSA_HARDHAT_BLOCK_TIME_MS');
const loggingEnabled = process.env.KASSA_HARDHAT_LOGGING !== 'false';

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // No PUSH0 (Shanghai): the same bytecode deploys on every EVM chain Kassa may serve.
      evmVersion: 'paris',
    },
  },
  paths: {
    root: __dirname,
    sources: './src',
    tests: './test',
    artifacts: './artifacts',
    cache: './cache',
  },
  networks: {
    hardhat: {
      chainId,
      // The standard development accounts, given as keys: deriving them from the mnemonic
      // costs ~0.4 s of every node start.
      accounts: HARDHAT_ACCOUNTS.map(({ privateKey }) => ({
        privateKey,
        balance: HARDHAT_ACCOUNT_BALANCE_WEI.toString(),
      })),
      loggingEnabled,
      // Blocks mined in the same second keep that second, as on a real network, instead of
      // running ahead of the clock by a second each (a freshly provisioned chain would be tens
      // of seconds in the future, and block times could not be compared across chains).
      allowBlocksWithSameTimestamp: true,
      // With an interval Hardhat keeps automine on and additionally mines empty blocks, which
      // lets confirmation counting advance without traffic.
      mining: blockTimeMs === undefined ? { auto: true } : { auto: true, interval: blockTimeMs },
    },
  },
};

export default config;
