// Copies the files the compiled apps read beside their code (checkout, dashboard and refund
// page assets; the helper a spawned local node requires) from apps/ and libs/ into dist/,
// which `tsc -p tsconfig.build.json` fills with the compiled code.
const { cpSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const assets = [
  'apps/api/src/checkout/assets',
  'apps/api/src/dashboard/assets',
  'apps/api/src/refunds/assets',
  'libs/chain/src/local/exit-with-parent.js',
];
for (const asset of assets) cpSync(path.join(root, asset), path.join(root, 'dist', asset), { recursive: true });
