import path from 'node:path';

import { loadConfig, register } from 'tsconfig-paths';

// Jest applies `moduleNameMapper` to test files only, not to globalSetup/globalTeardown:
// resolve the `@kassa/*` aliases from tsconfig.json for them.
const config = loadConfig(path.resolve(__dirname, '../../../..'));
if (config.resultType === 'failed') throw new Error(`Cannot read tsconfig.json for the @kassa/* aliases: ${config.message}`);
register({ baseUrl: config.absoluteBaseUrl, paths: config.paths, addMatchAll: false });
