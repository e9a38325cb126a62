import { readFileSync } from 'node:fs';
import path from 'node:path';

import { useTestKassa } from '@kassa/testing/scenario';

const ROOT = path.join(__dirname, '../..');
/** Where the docs show a merchant how to create a payment with curl. */
const DOCUMENTS = ['README.md', 'docs/api.md', 'docs/pricing.md'];

/** The JSON bodies of the `curl ... /v1/payments ... -d '...'` commands of a document. */
function createPaymentBodies(file: string): unknown[] {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  const bodies: unknown[] = [];
  for (const match of text.matchAll(/curl [^\n]*\/v1\/payments(?:[^\n]*\\\n)*?[^\n]*-d '([^']*)'/g)) {
    bodies.push(JSON.parse(match[1]!.replace(/\n\s*/g, ' ')));
  }
  return bodies;
}

/**
 * The create-payment requests the README and the docs show work as printed, against the
 * chains `npm start` runs (two local chains, the same coins on both).
 */
describe('payment requests shown in the docs', () => {
  const kassa = useTestKassa({ secondChain: { chainId: 31338 } });

  it.each(DOCUMENTS)('%s: every curl body creates a payment', async (file) => {
    const bodies = createPaymentBodies(file);
    expect(bodies.length).toBeGreaterThan(0);
    for (const body of bodies) {
      const response = await kassa.request('POST', '/v1/payments', body);
      expect({ body, status: response.status, problem: response.status === 201 ? undefined : response.body }).toEqual({ body, status: 201, problem: undefined });
    }
  });
});
