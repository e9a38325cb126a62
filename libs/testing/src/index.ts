export * from './hardhat';
export * from './postgres';
export * from './rpc';
export * from './kassa/local-chain';
export * from './seeded-random';
export * from './webhooks/webhook-receiver';
