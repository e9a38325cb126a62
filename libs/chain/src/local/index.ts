export * from './accounts';
export * from './hardhat-node';
export * from './kassa-chain';
export * from './local-chain';
