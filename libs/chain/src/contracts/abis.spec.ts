import { erc20Abi, toFunctionSelector, type Abi, type AbiFunction, type AbiParameter } from 'viem';
import {
  depositFactoryAbi,
  depositForwarderAbi,
  depositForwarderErrorsAbi,
  priceFeedAbi,
  testPriceFeedAbi,
  testTokenMintAbi,
  testUsdtAbi,
} from './abis';
import { loadContractArtifact, type KassaContractName } from './artifacts';

/**
 * The hand-written ABIs must say exactly what the compiled contracts do; run
 * `npm run build:contracts` first (the `pretest` script does).
 */

/** One ABI entry as a stable string: every field, object keys sorted. */
function canonical(item: unknown): string {
  return JSON.stringify(item, (_key, value: unknown) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
}

function canonicalSet(abi: Abi | readonly unknown[]): string[] {
  return [...new Set(abi.map(canonical))].sort();
}

function compiledAbi(name: KassaContractName): Abi {
  return loadContractArtifact(name).abi;
}

/** Function signatures with output types, e.g. `transfer(address,uint256) returns (bool)`. */
function functionSignatures(abi: Abi | readonly unknown[]): string[] {
  const types = (params: readonly AbiParameter[]): string => params.map((param) => param.type).join(',');
  return (abi as Abi)
    .filter((item): item is AbiFunction => item.type === 'function')
    .map((item) => `${item.name}(${types(item.inputs)}) returns (${types(item.outputs)})`)
    .sort();
}

/** Selector of a signature produced by {@link functionSignatures}. */
function selectorOf(signature: string): string {
  return toFunctionSelector(signature.slice(0, signature.indexOf(' returns')));
}

describe('contract ABIs match the compiled artifacts', () => {
  it('DepositForwarder', () => {
    expect(canonicalSet(depositForwarderAbi)).toEqual(canonicalSet(compiledAbi('DepositForwarder')));
  });

  it('DepositFactory, plus the forwarder errors it bubbles up', () => {
    expect(canonicalSet(depositFactoryAbi)).toEqual(
      canonicalSet([...compiledAbi('DepositFactory'), ...depositForwarderErrorsAbi]),
    );
  });

  it('TestUSDT, whose transfer/transferFrom/approve return nothing', () => {
    expect(canonicalSet(testUsdtAbi)).toEqual(canonicalSet(compiledAbi('TestUSDT')));
    const transfer = testUsdtAbi.find((item) => item.type === 'function' && item.name === 'transfer');
    expect(transfer).toMatchObject({ outputs: [] });
  });

  it.each(['TestUSDC', 'TestDAI', 'TestUSDT'] as const)('%s has the public mint', (name) => {
    const compiled = canonicalSet(compiledAbi(name));
    for (const item of testTokenMintAbi) expect(compiled).toContain(canonical(item));
  });

  it.each(['TestUSDC', 'TestDAI'] as const)('%s implements every function of viem erc20Abi', (name) => {
    const compiled = functionSignatures(compiledAbi(name));
    for (const signature of functionSignatures(erc20Abi)) expect(compiled).toContain(signature);
  });

  it('TestUSDT has every ERC-20 selector (return values aside)', () => {
    const selectors = functionSignatures(testUsdtAbi).map(selectorOf);
    for (const signature of functionSignatures(erc20Abi)) expect(selectors).toContain(selectorOf(signature));
  });

  it('TestPriceFeed answers the aggregator reads and has the test setters', () => {
    const compiled = canonicalSet(compiledAbi('TestPriceFeed'));
    for (const item of [...priceFeedAbi, ...testPriceFeedAbi]) expect(compiled).toContain(canonical(item));
  });
});
