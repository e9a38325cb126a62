export * from './chain-client';
export * from './rpc-endpoints';
