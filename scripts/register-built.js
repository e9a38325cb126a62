// Runs the compiled apps in dist/ (`npm run build`): the @kassa/* path aliases resolved there.
const { existsSync } = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
if (!existsSync(path.join(dist, 'apps'))) {
  console.error('No compiled apps in dist/: run `npm run build` first.');
  process.exit(1);
}
const { paths } = require('../tsconfig.json').compilerOptions;
require('tsconfig-paths').register({ baseUrl: dist, paths });
