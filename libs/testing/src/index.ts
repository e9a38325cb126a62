export * from './postgres';
export * from './rpc';
export * from './seeded-random';
export * from './webhooks/webhook-receiver';
export * from './waiting';
export * from './fixtures/payments';
export * from './fixtures/chains';
