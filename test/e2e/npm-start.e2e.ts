import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { findFreePort } from '@kassa/persistence';
import { waitFor } from '@kassa/testing';

const ROOT = path.resolve(__dirname, '../..');
/** Start-up: PostgreSQL's initdb, two Hardhat nodes with their contracts, migrations; far longer on a loaded machine. */
const START_MS = 150_000;
const STOP_MS = 30_000;

/**
 * The README's first command: `npm start` (`kassa start`) brings up the embedded default
 * (PostgreSQL under `.kassa/pg`, two local chains, api, watcher and worker in one process),
 * takes a payment with the demo API key it prints, and stops on Ctrl-C (SIGINT) or when its
 * terminal closes (SIGHUP) without an error, its PostgreSQL stopped with it. Run in a
 * directory of its own, so `.kassa` is the test's, not a developer's; whichever test runs
 * second starts again on the first one's `.kassa`.
 */
describe('npm start', () => {
  let home: string;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'kassa-start-'));
    // As root the embedded PostgreSQL runs as the postgres user, which must reach its data directory.
    await chmod(home, 0o755);
  });

  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it.each(['SIGINT', 'SIGHUP'] as const)('starts the embedded default, takes a payment, and stops cleanly on %s', async (signal) => {
    let output = '';
    const port = await findFreePort();
    // The embedded default: no database, chains or keys from this process's environment.
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'DATABASE_URL' && !name.startsWith('KASSA_')));
    const started = spawn(process.execPath, ['-r', path.join(ROOT, 'scripts/register.js'), path.join(ROOT, 'apps/cli/src/main.ts'), 'start'], {
      cwd: home,
      env: { ...env, KASSA_API_PORT: String(port), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = started;
    started.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    started.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));

    await waitFor(
      async () => output,
      (text) => text.includes('Kassa is running.') || started.exitCode !== null,
      () => `npm start did not come up:\n${output}`,
      START_MS,
    );
    expect(started.exitCode).toBeNull();
    const apiUrl = /API:\s+(\S+)/.exec(output)?.[1];
    const apiKey = /Demo API key:\s+(\S+)/.exec(output)?.[1];
    expect(apiUrl).toBe(`http://127.0.0.1:${port}`);

    const created = await fetch(`${apiUrl}/v1/payments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount: '25.00', currency: 'USDC', chainId: 31337 }),
    });
    expect({ status: created.status, body: await created.json() }).toMatchObject({ status: 201, body: { status: 'CREATED', amountBaseUnits: '25000000' } });

    started.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, STOP_MS)))]);
    clearTimeout(timer);
    // It exits by itself (not killed by the signal), having closed what it started.
    expect({ exited: started.exitCode !== null, signal: started.signalCode, output }).toMatchObject({ exited: true, signal: null });
    expect(output).toContain('Stopping ...');
    expect(output.split('\n').filter((line) => /\bERROR\b/.test(line))).toEqual([]);
    // PostgreSQL removes its lock file when it has shut down.
    expect(existsSync(path.join(home, '.kassa', 'pg', 'postmaster.pid'))).toBe(false);
  }, START_MS + STOP_MS + 30_000);
});
