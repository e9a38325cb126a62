// Copies the files the compiled apps read beside their code into dist/, which
// `tsc -p tsconfig.build.json` fills with the compiled code: every file of apps/ and libs/
// that is not TypeScript (page assets, the helper a spawned local node requires), outside
// what the build leaves out (libs/testing).
const { copyFileSync, mkdirSync, readdirSync, statSync } = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const excluded = [path.join('libs', 'testing') + path.sep];
for (const top of ['apps', 'libs']) {
  for (const entry of readdirSync(path.join(root, top), { recursive: true })) {
    const file = path.join(top, entry);
    if (file.endsWith('.ts') || excluded.some((prefix) => file.startsWith(prefix)) || !statSync(path.join(root, file)).isFile()) continue;
    mkdirSync(path.dirname(path.join(root, 'dist', file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(root, 'dist', file));
  }
}
