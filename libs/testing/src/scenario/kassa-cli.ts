import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../../../..');

/** What a `kassa` command did: its exit code and output. */
export interface CliOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `kassa <args>` (apps/cli/src/main.ts) as an operator does, from the checkout's root,
 * with `env` as its whole environment (default this process's); never throws for a non-zero
 * exit, which is returned with the output.
 */
export async function runKassaCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<CliOutcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['-r', './scripts/register.js', 'apps/cli/src/main.ts', ...args], { cwd: ROOT, env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
