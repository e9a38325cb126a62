/** @type {import('jest').Config} */
const aliases = ['config', 'domain', 'persistence', 'chain', 'webhooks', 'testing', 'observability'];

module.exports = {
  testEnvironment: 'node',
  rootDir: __dirname,
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/packages', '<rootDir>/examples', '<rootDir>/test', '<rootDir>/contracts/test'],
  testMatch: ['**/*.spec.ts', '**/*.e2e.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  moduleNameMapper: Object.fromEntries([
    ['^@kassa/testing/scenario$', '<rootDir>/libs/testing/src/scenario'],
    ['^@kassa/sdk$', '<rootDir>/packages/sdk/src'],
    ...aliases.map((name) => [`^@kassa/${name}$`, `<rootDir>/libs/${name}/src`]),
    ...['api', 'watcher', 'worker'].map((name) => [`^@kassa/${name}$`, `<rootDir>/apps/${name}/src`]),
  ]),
  globalSetup: '<rootDir>/libs/testing/src/jest/global-setup.ts',
  globalTeardown: '<rootDir>/libs/testing/src/jest/global-teardown.ts',
  testTimeout: 120_000,
  maxWorkers: 2,
  // Jest reports a worker as leaking when its exit is not seen within this time of asking it
  // to stop. At jest's 500 ms default the report came in about half the full runs on a
  // two-core machine, though the workers had nothing open: traced, both workers exited
  // within 4 ms of the stop request, with no socket, timer or child process left. The
  // parent noticed later, while still busy with the last results. A worker that leaks still
  // keeps running past this limit and is reported.
  workerGracefulExitTimeout: 5_000,
};
