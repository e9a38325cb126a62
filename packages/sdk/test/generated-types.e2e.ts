import { readFile } from 'node:fs/promises';

import { useTestKassa } from '@kassa/testing/scenario';

import { SDK_TYPES_FILE, sdkTypesFrom } from '../../../scripts/generate-sdk-types';

/**
 * The SDK's types are generated from the API's OpenAPI document (openapi-typescript), never
 * written by hand: this fails while the committed file differs from what `/docs/json`
 * generates now. Fix: `npm start`, then `npm run sdk:types`.
 */
describe('the SDK\'s generated types', () => {
  const kassa = useTestKassa({ apps: { watcher: false, worker: false } });

  it('are what the API\'s /docs/json generates', async () => {
    const document: unknown = await (await fetch(`${kassa.apiUrl}/docs/json`)).json();
    const generated = await sdkTypesFrom(document);
    const committed = await readFile(SDK_TYPES_FILE, 'utf8');
    expect(generated.length).toBeGreaterThan(10_000);
    if (committed !== generated) {
      throw new Error(`${SDK_TYPES_FILE} is out of date with /docs/json: run \`npm start\`, then \`npm run sdk:types\`.`);
    }
  });
});
