import { inspect } from 'node:util';

import { ConfigError, loadConfig, settlementKeyFor } from './config';

const KEY_A = `0x${'a1'.repeat(32)}`;
const KEY_B = `0x${'b2'.repeat(32)}`;

describe('settlement configuration', () => {
  it('is off without a gas payer key', () => {
    const config = loadConfig({});
    expect(settlementKeyFor(config, 1)).toBeNull();
    expect(config.jobs.settlement).toEqual({ enabled: true, intervalMs: 5000, batchSize: 50 });
  });

  it("uses a chain's own key over the default one", () => {
    const config = loadConfig({ KASSA_SETTLEMENT_PRIVATE_KEY: KEY_A, KASSA_SETTLEMENT_PRIVATE_KEYS: JSON.stringify({ 137: KEY_B }) });
    expect(settlementKeyFor(config, 137)?.reveal()).toBe(KEY_B);
    expect(settlementKeyFor(config, 1)?.reveal()).toBe(KEY_A);
  });

  it('never shows a key when the configuration is logged or serialised', () => {
    const config = loadConfig({ KASSA_SETTLEMENT_PRIVATE_KEY: KEY_A, KASSA_SETTLEMENT_PRIVATE_KEYS: JSON.stringify({ 10: KEY_B }) });
    for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.settlement.defaultGasPayerKey)]) {
      expect(shown).not.toContain('a1a1');
      expect(shown).not.toContain('b2b2');
    }
  });

  it('reports malformed keys without repeating them', () => {
    let error: unknown;
    try {
      loadConfig({ KASSA_SETTLEMENT_PRIVATE_KEY: '0xa1a1', KASSA_SETTLEMENT_PRIVATE_KEYS: '{"1":"0xb2b2"}', KASSA_SETTLEMENT_FEE_BUMP_PERCENT: '5' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual([
      'KASSA_SETTLEMENT_PRIVATE_KEY',
      'KASSA_SETTLEMENT_PRIVATE_KEYS',
      'KASSA_SETTLEMENT_FEE_BUMP_PERCENT',
    ]);
    expect((error as Error).message).not.toMatch(/a1a1|b2b2/);
  });
});
