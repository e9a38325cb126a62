export * from './hardhat';
export * from './postgres';
export * from './kassa/local-chain';
