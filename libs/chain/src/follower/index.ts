export * from './block-scanner';
export * from './common-ancestor';
export * from './follower.errors';
export * from './head-source';
export * from './scanned-range';
export * from './watched-payments-channel';
export * from './log-range';
export * from './websocket-head-source';
