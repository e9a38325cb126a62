// The scenario kit: whole Kassa apps on real PostgreSQL and Hardhat nodes, for the suites in
// test/ and the benchmarks. It imports the apps, so it has its own entry point
// (`@kassa/testing/scenario`): the libraries' specs import `@kassa/testing` without loading them.
export * from './chromium';
export * from './kassa-harness';
export * from './settlement-support';
export * from './shop-server';
export * from './watcher-process';
export * from './watcher-test-kit';
export * from './kassa-cli';
