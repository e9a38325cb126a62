import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
}

/** docker-compose.yml cannot be run here (no Docker engine), so its shape is checked by parsing. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(path.join(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
  const scripts = (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

  it('has postgres, a hardhat node, the deploy step and the three apps', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'deploy', 'hardhat', 'postgres', 'watcher', 'worker']);
  });

  it('starts each app with an npm script that exists', () => {
    for (const name of ['api', 'watcher', 'worker']) {
      const command = compose.services[name]!.command!;
      expect(command.slice(0, 2)).toEqual(['npm', 'run']);
      expect(scripts[command[2]!]).toBeDefined();
    }
  });

  it('points every app at the database and the chain configuration written by deploy', () => {
    for (const name of ['api', 'watcher', 'worker']) {
      const service = compose.services[name]!;
      expect(service.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\/kassa$/);
      expect(service.environment?.KASSA_CHAINS_FILE).toBe('/config/chains.json');
      expect(service.depends_on?.deploy?.condition).toBe('service_completed_successfully');
      expect(service.depends_on?.postgres?.condition).toBe('service_healthy');
    }
  });

  it('binds the hardhat node so the other containers reach it, and deploys to it', () => {
    expect(compose.services.hardhat!.command).toEqual(expect.arrayContaining(['--hostname', '0.0.0.0', '--port', '8545']));
    expect(compose.services.deploy!.command!.join(' ')).toContain('--rpc http://hardhat:8545');
  });
});
