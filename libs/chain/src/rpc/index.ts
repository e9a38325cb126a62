export * from './chain-client';
export * from './rpc-endpoints';
export * from './observed-transport';
