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
};
