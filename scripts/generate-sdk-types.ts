/**
 * Generates the SDK's types (`packages/sdk/src/generated/openapi.ts`) from Kassa's OpenAPI
 * document with openapi-typescript: `npm run sdk:types` reads `/docs/json` of the running
 * `npm start` (or of the URL given: `npm run sdk:types -- http://host:3000/docs/json`). The
 * SDK's test fails while the committed file differs from what the API's document generates.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/** The committed generated types. */
export const SDK_TYPES_FILE = path.join(__dirname, '..', 'packages', 'sdk', 'src', 'generated', 'openapi.ts');

/**
 * The TypeScript types openapi-typescript generates for `document` (an OpenAPI 3 document as
 * parsed JSON), run as its command-line tool in a child process.
 * @throws Error with the generator's output when it refuses the document
 */
export async function sdkTypesFrom(document: unknown): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'kassa-sdk-types-'));
  try {
    const input = path.join(folder, 'openapi.json');
    const output = path.join(folder, 'openapi.ts');
    await writeFile(input, JSON.stringify(document));
    const cli = path.join(path.dirname(require.resolve('openapi-typescript/package.json')), 'bin', 'cli.js');
    await promisify(execFile)(process.execPath, [cli, input, '--output', output, '--alphabetize', '--default-non-nullable=false'], { timeout: 120_000 });
    return await readFile(output, 'utf8');
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const url = process.argv[2] ?? `${readApiUrl()}/docs/json`;
  const response = await fetch(url).catch((error: Error) => {
    throw new Error(`Cannot read ${url} (${error.message}): start Kassa (npm start) or pass the URL of /docs/json`);
  });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  await writeFile(SDK_TYPES_FILE, await sdkTypesFrom(await response.json()));
  process.stdout.write(`Wrote ${path.relative(process.cwd(), SDK_TYPES_FILE)} from ${url}\n`);
}

/** The API URL `npm start` recorded in `.kassa/state.json`, else the default. */
function readApiUrl(): string {
  try {
    return (JSON.parse(readFileSync(path.join(process.cwd(), '.kassa', 'state.json'), 'utf8')) as { apiUrl?: string }).apiUrl ?? 'http://127.0.0.1:3000';
  } catch {
    return 'http://127.0.0.1:3000';
  }
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}
