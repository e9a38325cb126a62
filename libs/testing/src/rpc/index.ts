export * from './rpc-proxy';
