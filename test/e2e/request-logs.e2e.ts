import { Writable } from 'node:stream';

import { Logger } from '@nestjs/common';

import { createPinoLogger, KassaLogger } from '@kassa/observability';

import { useTestKassa } from '@kassa/testing/scenario';

/**
 * The api's request log as an operator reads it: one JSON line per request carrying the
 * request id the client sees in `X-Request-Id`, and never the API key that authenticated
 * it, even when a merchant pastes the key into the URL.
 */
describe('request logs', () => {
  const kassa = useTestKassa({ apps: { watcher: false, worker: false } });
  const lines: string[] = [];

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    Logger.overrideLogger(new KassaLogger(createPinoLogger({ level: 'debug', format: 'json', destination })));
  });

  const httpLines = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((record) => record.context === 'Http');

  it('logs each request with the id returned in X-Request-Id, and no API key', async () => {
    const listed = await kassa.request('GET', '/v1/payments', undefined, { 'x-request-id': 'lb-7f3a-0001' });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('x-request-id')).toBe('lb-7f3a-0001');

    const pasted = await kassa.request('GET', `/v1/payments?starting_after=${kassa.apiKey}`, undefined, { 'x-request-id': 'bad id {"level":"fatal"}' });
    const generated = pasted.headers.get('x-request-id');
    expect(generated).toMatch(/^[0-9a-f-]{36}$/);

    await new Promise((resolve) => setImmediate(resolve));
    expect(httpLines()).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'debug', requestId: 'lb-7f3a-0001', statusCode: 200, msg: expect.stringMatching(/^GET \/v1\/payments 200 \d+ ms key_/) }),
        expect.objectContaining({ requestId: generated }),
      ]),
    );
    expect(lines.join('\n')).not.toContain(kassa.apiKey);
  });
});
