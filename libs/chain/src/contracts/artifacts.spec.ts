import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContractArtifactsMissingError } from '../errors';
import { defaultArtifactsDir, loadContractArtifact } from './artifacts';

describe('contract artifacts', () => {
  it('finds this checkout’s compiled contracts', () => {
    expect(defaultArtifactsDir()).toBe(path.resolve(__dirname, '../../../../contracts/artifacts'));
    const factory = loadContractArtifact('DepositFactory');
    expect(factory.sourceName).toBe('src/DepositFactory.sol');
    expect(factory.bytecode.length).toBeGreaterThan(2);
  });

  it('tells to compile when the artifacts are missing', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'kassa-artifacts-'));
    try {
      expect(() => loadContractArtifact('DepositFactory', empty)).toThrow(ContractArtifactsMissingError);
      expect(() => loadContractArtifact('DepositFactory', empty)).toThrow('run npm run build:contracts');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
