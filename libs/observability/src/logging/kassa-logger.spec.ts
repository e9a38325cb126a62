import { Writable } from 'node:stream';

import { createPublicClient, http } from 'viem';

import { createPinoLogger, KassaLogger } from './kassa-logger';

/** A logger writing JSON lines into memory, and the lines it wrote. */
function memoryLogger(level: 'log' | 'debug' = 'log') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const logger = new KassaLogger(createPinoLogger({ level, format: 'json', destination }));
  return { logger, lines, records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const API_KEY = `kassa_sk_${'A'.repeat(43)}`;
const WEBHOOK_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const PAYMENT = 'pay_01JGZ8Q9R0S1T2V3W4X5Y6Z7AB';

/** What an operator reads in the logs: structured lines, never a secret. */
describe('Kassa logs', () => {
  it('writes one JSON line per entry with level, time, context and the ids the message names', () => {
    const { logger, records } = memoryLogger();
    logger.log(`Payment ${PAYMENT} on chain 31337 became PAID at block 120`, 'ReevaluatePayments');
    expect(records()).toEqual([
      expect.objectContaining({
        level: 'info',
        context: 'ReevaluatePayments',
        msg: `Payment ${PAYMENT} on chain 31337 became PAID at block 120`,
        paymentId: PAYMENT,
        chainId: 31337,
        blockNumber: 120,
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    ]);
  });

  it('redacts API keys, webhook secrets, credentials and URL query strings from messages', () => {
    const { logger, lines } = memoryLogger();
    logger.warn(`Rejected ${API_KEY}; endpoint secret ${WEBHOOK_SECRET}; header Bearer ${API_KEY}`, 'Http');
    logger.error('RPC https://eth.example.org/v2?apikey=s3cr3t-k3y failed; database postgres://kassa:hunter2@db:5432/kassa down', 'Watcher');
    const text = lines.join('\n');
    for (const secret of [API_KEY, WEBHOOK_SECRET, 's3cr3t-k3y', 'hunter2']) expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(text).toContain('https://eth.example.org/v2?[redacted]');
    expect(text).toContain('postgres://[redacted]@db:5432/kassa');
  });

  it('redacts RPC provider keys in URL paths, as viem prints them in its errors, and keeps Kassa ids', async () => {
    const { logger, lines } = memoryLogger();
    const pathKey = 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY';
    const queryKey = 'q9w8e7r6t5y4u3i2';
    // A real viem error: the transport names the URL it failed to reach.
    const client = createPublicClient({ transport: http(`http://127.0.0.1:9/v2/${pathKey}?apikey=${queryKey}`, { retryCount: 0, timeout: 2_000 }) });
    const error = await client.getBlockNumber().catch((caught: unknown) => caught as Error);
    expect(String(error)).toContain(pathKey);
    logger.error(`Settlement on chain 1 failed: ${(error as Error).message}`, 'SettlePaymentsJob');
    logger.warn(error as Error, 'ChainFollower');
    logger.log(`Checkout http://127.0.0.1:3000/pay/${PAYMENT} opened; infura https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef`, 'Api');
    const text = lines.join('\n');
    expect(text).not.toContain(pathKey);
    expect(text).not.toContain(queryKey);
    expect(text).not.toContain('0123456789abcdef0123456789abcdef');
    expect(text).toContain('http://127.0.0.1:9/v2/[redacted]');
    expect(text).toContain('https://mainnet.infura.io/v3/[redacted]');
    expect(text).toContain(`http://127.0.0.1:3000/pay/${PAYMENT}`);
  });

  it('drops fields named as secrets and redacts secrets inside logged objects and errors', () => {
    const { logger, lines, records } = memoryLogger();
    logger.log({ msg: 'endpoint created', endpointUrl: 'https://shop.example/hook', secret: WEBHOOK_SECRET, headers: { authorization: `Bearer ${API_KEY}` } }, 'Webhooks');
    logger.error(new Error(`cannot use ${API_KEY}`), 'Api');
    const text = lines.join('\n');
    expect(text).not.toContain(API_KEY);
    expect(text).not.toContain(WEBHOOK_SECRET);
    expect(records()[0]).toMatchObject({ msg: 'endpoint created', endpointUrl: 'https://shop.example/hook', secret: '[redacted]', headers: { authorization: '[redacted]' } });
    expect(records()[1]).toMatchObject({ level: 'error', context: 'Api', error: { type: 'Error', message: 'cannot use [redacted]' } });
  });

  it('writes only the configured level and above', () => {
    const { logger, records } = memoryLogger('log');
    logger.debug('noisy detail', 'Watcher');
    logger.verbose('noisier detail', 'Watcher');
    logger.log('started', 'Watcher');
    expect(records().map((record) => record.msg)).toEqual(['started']);
  });
});
