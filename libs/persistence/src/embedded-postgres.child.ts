// Runs startEmbeddedPostgres in its own Node process (the package is an ES module, which
// Jest's module loader cannot load inside a test file). Usage:
//   node -r ./scripts/register.js libs/persistence/src/embedded-postgres.child.ts <dataDir> write|read
// Prints one JSON line: { ok: true, value } or { ok: false, message }.
import { Client } from 'pg';

import { startEmbeddedPostgres } from './embedded-postgres';

async function main(dataDir: string, mode: string): Promise<unknown> {
  const server = await startEmbeddedPostgres({ dataDir, persistent: true, database: 'kassa' });
  try {
    const client = new Client({ connectionString: server.url });
    await client.connect();
    try {
      if (mode === 'write') {
        await client.query('CREATE TABLE kept (value text)');
        await client.query(`INSERT INTO kept VALUES ('still here')`);
        return server.url;
      }
      const { rows } = await client.query<{ value: string }>('SELECT value FROM kept');
      return rows.map((row) => row.value);
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
  }
}

main(process.argv[2] ?? '', process.argv[3] ?? '').then(
  (value) => process.stdout.write(`${JSON.stringify({ ok: true, value })}\n`),
  (error: Error) => {
    process.stdout.write(`${JSON.stringify({ ok: false, message: error.message })}\n`);
    process.exitCode = 1;
  },
);
