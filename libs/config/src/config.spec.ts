import { readFileSync } from 'node:fs';
import path from 'node:path';

import { chainSettingsFixture } from '@kassa/testing';

import { ConfigError, configurationTable, loadConfig } from './config';

const chain = chainSettingsFixture();

describe('configuration', () => {
  it('starts from safe defaults with no environment', () => {
    const config = loadConfig({});
    expect(config.api).toEqual({ host: '127.0.0.1', port: 3000, publicUrl: undefined });
    expect(config.chains).toEqual([]);
    expect(config.webhooks.allowPrivateUrls).toBe(false);
  });

  it('reads chains from KASSA_CHAINS with defaults filled in', () => {
    const config = loadConfig({ KASSA_CHAINS: JSON.stringify([chain]) });
    expect(config.chains[0]).toMatchObject({ chainId: 31337, finalityDepth: 64, pollIntervalMs: 1000, nativeCurrency: { symbol: 'ETH', decimals: 18 } });
  });

  it('reports every bad variable at once, without the values of secret ones', () => {
    let error: unknown;
    try {
      loadConfig({ DATABASE_URL: 'not a url with password hunter2', KASSA_API_PORT: '99999', KASSA_WEBHOOK_ALLOW_PRIVATE_URLS: 'maybe' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['DATABASE_URL', 'KASSA_API_PORT', 'KASSA_WEBHOOK_ALLOW_PRIVATE_URLS']);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('names the chain field at fault', () => {
    const bad = { ...chain, factoryAddress: '0x123', confirmations: 0 };
    expect(() => loadConfig({ KASSA_CHAINS: JSON.stringify([bad, bad]) })).toThrow(/KASSA_CHAINS\[0\.factoryAddress\]/);
    expect(() => loadConfig({ KASSA_CHAINS: '[{' })).toThrow(/KASSA_CHAINS: cannot be read as JSON/);
  });

  it('refuses a chain configured twice', () => {
    expect(() => loadConfig({ KASSA_CHAINS: JSON.stringify([chain, chain]) })).toThrow(/configured twice/);
  });

  it('reads pegs and price feeds, with the feed age limit defaulted', () => {
    const feed = { currency: 'eth', pricingCurrency: 'USD', address: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' };
    const config = loadConfig({
      KASSA_CHAINS: JSON.stringify([{ ...chain, tokens: [{ ...chain.tokens[0], peggedTo: 'USD' }], priceFeeds: [feed] }]),
    });
    expect(config.chains[0]!.tokens[0]!.peggedTo).toBe('USD');
    expect(config.chains[0]!.priceFeeds).toEqual([{ ...feed, maxAgeSeconds: 3600 }]);
    expect(loadConfig({ KASSA_CHAINS: JSON.stringify([chain]) }).chains[0]!.priceFeeds).toEqual([]);
  });

  it('refuses a price feed of a coin the chain does not carry, and a pricing currency that is not a code', () => {
    const feed = { currency: 'BTC', pricingCurrency: 'USD', address: '0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0' };
    expect(() => loadConfig({ KASSA_CHAINS: JSON.stringify([{ ...chain, priceFeeds: [feed] }]) })).toThrow(
      /KASSA_CHAINS\[0\.priceFeeds\.0\.currency\]: 'BTC' is neither the native coin nor a token of chain 31337/,
    );
    expect(() => loadConfig({ KASSA_CHAINS: JSON.stringify([{ ...chain, tokens: [{ ...chain.tokens[0], peggedTo: 'usd' }] }]) })).toThrow(
      /KASSA_CHAINS\[0\.tokens\.0\.peggedTo\]/,
    );
  });

  it('is documented: docs/configuration.md carries the generated table', () => {
    const docs = readFileSync(path.join(__dirname, '../../../docs/configuration.md'), 'utf8');
    expect(docs).toContain(configurationTable());
  });
});
