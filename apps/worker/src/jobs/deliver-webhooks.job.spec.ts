import { Logger } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test, type TestingModule } from '@nestjs/testing';
import { DataSource } from 'typeorm';

import { ConfigModule, loadConfig, persistenceOptions } from '@kassa/config';
import { buildEventPayload, type MerchantId, newId, type PaymentObject } from '@kassa/domain';
import { EventsRepository, MerchantsRepository, PersistenceModule, WebhookEndpointsRepository } from '@kassa/persistence';
import { createTestDatabase, startWebhookReceiver, type TestDatabase, type WebhookReceiver } from '@kassa/testing';
import { generateWebhookSecret, OUTBOX_NOTIFY_CHANNEL, WebhooksModule } from '@kassa/webhooks';

import { DELIVER_WEBHOOKS_JOB, DeliverWebhooksJob } from './deliver-webhooks.job';

/** The worker's delivery wiring on its own database: config, persistence, schedule, webhooks. */
interface Worker {
  job: DeliverWebhooksJob;
  moduleRef: TestingModule;
  merchantId: MerchantId;
  addEndpoint(url: string): Promise<void>;
  /** Appends an event as the outbox does, announcing it with NOTIFY unless `notify` is false. */
  appendEvent(notify?: boolean): Promise<string>;
}

/** Waits until the worker's LISTEN connection shows in pg_stat_activity, idle after its LISTEN. */
async function waitForListener(dataSource: DataSource): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    const rows: { query: string }[] = await dataSource.query(
      `SELECT query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'kassa-outbox-listener' AND state = 'idle'`,
    );
    if (rows.some((row) => row.query.startsWith('LISTEN'))) return;
    if (Date.now() > deadline) throw new Error('the worker did not LISTEN for outbox notifications within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const payment = { id: 'pay_01JD0000000000000000000000', object: 'payment', status: 'PAID' } as PaymentObject;

describe('DeliverWebhooksJob (worker)', () => {
  let database: TestDatabase;
  const receivers: WebhookReceiver[] = [];
  const modules: TestingModule[] = [];

  beforeAll(() => Logger.overrideLogger(['error']));
  afterAll(() => Logger.overrideLogger(['error', 'warn', 'log', 'debug', 'verbose', 'fatal']));

  beforeEach(async () => {
    database = await createTestDatabase();
  });

  afterEach(async () => {
    for (const moduleRef of modules.splice(0)) await moduleRef.close();
    await Promise.all(receivers.splice(0).map((receiver) => receiver.close()));
    await database.drop();
  });

  async function receiver(...args: Parameters<typeof startWebhookReceiver>): Promise<WebhookReceiver> {
    const started = await startWebhookReceiver(...args);
    receivers.push(started);
    return started;
  }

  async function startWorker(env: Record<string, string>): Promise<Worker> {
    const config = loadConfig({ DATABASE_URL: database.url, DATABASE_POOL_SIZE: '4', KASSA_WEBHOOK_ALLOW_PRIVATE_URLS: 'true', ...env });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), PersistenceModule.forRoot(persistenceOptions(config)), ScheduleModule.forRoot(), WebhooksModule],
      providers: [DeliverWebhooksJob],
    }).compile();
    modules.push(moduleRef);
    const dataSource = moduleRef.get(DataSource);
    const merchant = await moduleRef.get(MerchantsRepository).create({
      name: 'Worker test shop',
      treasuryAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
    });
    await moduleRef.init();
    return {
      job: moduleRef.get(DeliverWebhooksJob),
      moduleRef,
      merchantId: merchant.id,
      async addEndpoint(url) {
        await moduleRef.get(WebhookEndpointsRepository).create({ merchantId: merchant.id, url, secret: generateWebhookSecret() });
      },
      async appendEvent(notify = true) {
        const now = new Date();
        const payload = buildEventPayload(newId('event', now.getTime()), 'payment.paid', now, payment);
        await dataSource.transaction(async (manager) => {
          await moduleRef.get(EventsRepository).append(manager, [{ merchantId: merchant.id, type: 'payment.paid', paymentId: null, payload }]);
          if (notify) await manager.query('SELECT pg_notify($1, $2)', [OUTBOX_NOTIFY_CHANNEL, payload.id]);
        });
        return payload.id;
      },
    };
  }

  it('sends a new event right after its commit when the outbox notifies, without waiting for the interval', async () => {
    const shop = await receiver();
    const worker = await startWorker({ KASSA_DELIVERY_INTERVAL_MS: '60000' });
    await worker.addEndpoint(shop.url);
    // The event must commit after LISTEN is up, so that only the notification can bring it out.
    await waitForListener(worker.moduleRef.get(DataSource));

    const committedAt = Date.now();
    const eventId = await worker.appendEvent();

    const [request] = await shop.waitFor(1, 5_000);
    expect(request!.headers['webhook-id']).toBe(eventId);
    expect(request!.receivedAt - committedAt).toBeLessThan(1_000);
  });

  it('finds events by polling every jobs.delivery.intervalMs when nobody notifies', async () => {
    const shop = await receiver();
    const worker = await startWorker({ KASSA_DELIVERY_INTERVAL_MS: '200' });
    await worker.addEndpoint(shop.url);

    const eventId = await worker.appendEvent(false);

    const [request] = await shop.waitFor(1, 3_000);
    expect(request!.headers['webhook-id']).toBe(eventId);
  });

  it('keeps delivering to other endpoints while a hanging endpoint holds its sends until the timeout', async () => {
    const dead = await receiver(() => 'hang');
    const healthy = await receiver(() => ({ status: 200 }));
    const worker = await startWorker({ KASSA_DELIVERY_INTERVAL_MS: '100', KASSA_WEBHOOK_TIMEOUT_MS: '4000' });
    await worker.addEndpoint(dead.url);
    await worker.appendEvent();
    await dead.waitFor(1, 3_000);

    // The dead endpoint's first send is still hanging; a later event must not wait for it.
    await worker.addEndpoint(healthy.url);
    const sentAt = Date.now();
    const eventId = await worker.appendEvent();

    const [request] = await healthy.waitFor(1, 3_000);
    expect(request!.headers['webhook-id']).toBe(eventId);
    expect(request!.receivedAt - sentAt).toBeLessThan(1_500);
  });

  it('runs nothing when jobs.delivery.enabled is false, while runOnce still delivers on demand', async () => {
    const shop = await receiver();
    const worker = await startWorker({ KASSA_JOBS_DELIVERY: 'false', KASSA_DELIVERY_INTERVAL_MS: '100' });
    await worker.addEndpoint(shop.url);
    await worker.appendEvent();

    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(worker.moduleRef.get(SchedulerRegistry).doesExist('interval', DELIVER_WEBHOOKS_JOB)).toBe(false);
    expect(shop.received).toHaveLength(0);

    expect(await worker.job.runOnce()).toMatchObject({ claimed: 1, delivered: 1 });
    expect(shop.received).toHaveLength(1);
  });
});
