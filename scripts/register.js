// Runs the TypeScript sources directly: ts-node transpiling each file with SWC (@swc/core; no
// type check, which `npx tsc` and `npm run build` do), plus the @kassa/* path aliases.
const path = require('node:path');

process.env.TS_NODE_PROJECT ??= path.join(__dirname, '..', 'tsconfig.json');
require('ts-node').register({ project: process.env.TS_NODE_PROJECT, swc: true });
require('tsconfig-paths/register');
