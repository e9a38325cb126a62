import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What `npm start` remembers between runs, in `.kassa/state.json` (local development only). */
export interface LocalState {
  apiUrl?: string;
  databaseUrl?: string;
  demo?: { merchantId: string; apiKey: string };
  /** The demo owner's dashboard sign-in. */
  dashboard?: { email: string; password: string };
  /** The demo merchant's payment link `npm start` prints. */
  demoPaymentLinkId?: string;
}

/** The folder of the embedded default's data: `.kassa/` in the working directory. */
export function kassaHome(cwd: string = process.cwd()): string {
  return path.join(cwd, '.kassa');
}

/** Reads `.kassa/state.json`; empty when missing. */
export function readLocalState(home: string = kassaHome()): LocalState {
  const file = path.join(home, 'state.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LocalState) : {};
}

/** Writes `.kassa/state.json` (mode 0600: it holds the demo API key). */
export function writeLocalState(state: LocalState, home: string = kassaHome()): void {
  mkdirSync(home, { recursive: true });
  writeFileSync(path.join(home, 'state.json'), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** Path of the chains file the embedded default writes for the local chain. */
export function localChainsFile(home: string = kassaHome()): string {
  return path.join(home, 'chains.json');
}
