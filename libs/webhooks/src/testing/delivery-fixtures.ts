import { DataSource } from 'typeorm';

import { buildEventPayload, type EventType, newId, type PaymentObject } from '@kassa/domain';
import {
  createDataSourceOptions,
  DeliveriesRepository,
  EventsRepository,
  type Merchant,
  MerchantsRepository,
  type StoredEvent,
  type WebhookEndpoint,
  WebhookEndpointsRepository,
} from '@kassa/persistence';
import { createTestDatabase, type TestDatabase } from '@kassa/testing';

import { generateWebhookSecret } from '../signing/webhook-signature';

/**
 * A merchant's world in its own freshly migrated database: one per test, so a test that
 * moves the clock days ahead never claims another test's deliveries.
 */
export interface DeliveryWorld {
  url: string;
  dataSource: DataSource;
  merchant: Merchant;
  deliveries: DeliveriesRepository;
  endpoints: WebhookEndpointsRepository;
  events: EventsRepository;
  /** Adds an enabled endpoint (every event type) with a new secret. */
  addEndpoint(url: string): Promise<WebhookEndpoint>;
  /** Appends a `payment.paid` event created at `createdAt`, queuing one delivery per endpoint. */
  appendEvent(createdAt?: Date, type?: EventType): Promise<StoredEvent>;
  /** The delivery queue seen through a connection pool of its own, as another worker process sees it. */
  anotherWorker(): Promise<DeliveriesRepository>;
  close(): Promise<void>;
}

/** A payment object as a webhook body carries it; the values only need to look real. */
export function samplePaymentObject(now: Date): PaymentObject {
  const id = newId('payment', now.getTime());
  return {
    id,
    object: 'payment',
    status: 'PAID',
    exception: null,
    amount: '25.50',
    amountBaseUnits: '25500000',
    amountReceived: '25.50',
    amountReceivedBaseUnits: '25500000',
    currency: 'USDC',
    token: { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 },
    chainId: 31337,
    depositAddress: '0x9A676e781A523b5d0C0e43731313A708CB607508',
    paymentUri: 'ethereum:0x5FbDB2315678afecb367f032d93F642f64180aa3@31337/transfer?address=0x9A676e781A523b5d0C0e43731313A708CB607508&uint256=25500000',
    checkoutUrl: `http://127.0.0.1:3000/pay/${id}`,
    requiredConfirmations: 3,
    expiresAt: new Date(now.getTime() + 30 * 60_000).toISOString(),
    orderId: 'order-1042',
    description: 'Café crème × 2',
    metadata: { customer: 'c_77' },
    successUrl: null,
    cancelUrl: null,
    transfers: [],
    price: null,
    options: [
      {
        id: `opt_${id.slice(4)}`,
        chainId: 31337,
        currency: 'USDC',
        token: { address: '0x5FbDB2315678afecb367f032d93F642f64180aa3', decimals: 6 },
        amount: '25.50',
        amountBaseUnits: '25500000',
        depositAddress: '0x9A676e781A523b5d0C0e43731313A708CB607508',
        paymentUri: 'ethereum:0x5FbDB2315678afecb367f032d93F642f64180aa3@31337/transfer?address=0x9A676e781A523b5d0C0e43731313A708CB607508&uint256=25500000',
        rate: null,
        amountReceived: '25.50',
        amountReceivedBaseUnits: '25500000',
        selected: true,
      },
    ],
    createdAt: now.toISOString(),
    paidAt: now.toISOString(),
    finalizedAt: now.toISOString(),
    settlement: null,
  };
}

export async function openDeliveryWorld(): Promise<DeliveryWorld> {
  const database: TestDatabase = await createTestDatabase();
  const dataSource = await new DataSource(createDataSourceOptions(database.url, { poolSize: 6 })).initialize();
  const merchants = new MerchantsRepository(dataSource);
  const endpoints = new WebhookEndpointsRepository(dataSource);
  const events = new EventsRepository(dataSource);
  const pools = [dataSource];
  const merchant = await merchants.create({ name: 'Café Kassa', treasuryAddress: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8' });
  return {
    url: database.url,
    dataSource,
    merchant,
    deliveries: new DeliveriesRepository(dataSource),
    endpoints,
    events,
    addEndpoint: (url) => endpoints.create({ merchantId: merchant.id, url, secret: generateWebhookSecret() }),
    async appendEvent(createdAt = new Date(), type = 'payment.paid') {
      const payload = buildEventPayload(newId('event', createdAt.getTime()), type, createdAt, samplePaymentObject(createdAt));
      const [appended] = await dataSource.transaction((manager) =>
        events.append(manager, [{ merchantId: merchant.id, type, paymentId: null, payload }]),
      );
      return appended!.event;
    },
    async anotherWorker() {
      const pool = await new DataSource(createDataSourceOptions(database.url, { poolSize: 6 })).initialize();
      pools.push(pool);
      return new DeliveriesRepository(pool);
    },
    async close() {
      await Promise.all(pools.map((pool) => pool.destroy()));
      await database.drop();
    },
  };
}
