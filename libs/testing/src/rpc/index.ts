export * from './rpc-proxy';
export * from './stand-in';
