import { readFileSync } from 'node:fs';
import path from 'node:path';

import { parse } from 'yaml';

import { KassaMetrics } from '@kassa/observability';

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }> | string[];
  ports?: string[];
  volumes?: string[];
}

const ROOT = path.join(__dirname, '../..');
const readYaml = <T>(file: string): T => parse(readFileSync(path.join(ROOT, file), 'utf8'), { merge: true }) as T;

/** docker-compose.yml cannot be run here (no Docker engine), so its shape is checked by parsing. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(path.join(__dirname, '../../docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService> };
  const scripts = (JSON.parse(readFileSync(path.join(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

  it('has postgres, a hardhat node, the deploy step, the three apps, prometheus and grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'deploy', 'grafana', 'hardhat', 'postgres', 'prometheus', 'watcher', 'worker']);
  });

  it('starts each app with an npm script that exists', () => {
    for (const name of ['api', 'watcher', 'worker']) {
      const command = compose.services[name]!.command!;
      expect(command.slice(0, 2)).toEqual(['npm', 'run']);
      expect(scripts[command[2]!]).toBeDefined();
    }
  });

  it('runs the apps compiled by the image, which builds them', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    for (const name of ['api', 'watcher', 'worker']) {
      expect(compose.services[name]!.command).toEqual(['npm', 'run', `serve:${name}`]);
      expect(scripts[`serve:${name}`]).toContain(`dist/apps/${name}/src/main.js`);
    }
  });

  it('points every app at the database and the chain configuration written by deploy', () => {
    for (const name of ['api', 'watcher', 'worker']) {
      const service = compose.services[name]!;
      expect(service.environment?.DATABASE_URL).toMatch(/^postgres:\/\/.+@postgres:5432\/kassa$/);
      expect(service.environment?.KASSA_CHAINS_FILE).toBe('/config/chains.json');
      const dependsOn = service.depends_on as Record<string, { condition: string }>;
      expect(dependsOn.deploy?.condition).toBe('service_completed_successfully');
      expect(dependsOn.postgres?.condition).toBe('service_healthy');
    }
  });

  it('binds the hardhat node so the other containers reach it, and deploys to it', () => {
    expect(compose.services.hardhat!.command).toEqual(expect.arrayContaining(['--hostname', '0.0.0.0', '--port', '8545']));
    expect(compose.services.deploy!.command!.join(' ')).toContain('--rpc http://hardhat:8545');
  });

  /** The host path of a `./host:container[:ro]` volume of `service` mounted at `container`. */
  const mounted = (service: string, container: string): string => {
    const volume = compose.services[service]!.volumes?.find((entry) => entry.split(':')[1] === container);
    if (!volume) throw new Error(`${service} mounts nothing at ${container}`);
    return volume.split(':')[0]!;
  };

  it('has Prometheus scrape the api on its port and the watcher and worker on their metrics ports', () => {
    const config = readYaml<{ scrape_configs: { job_name: string; metrics_path?: string; static_configs: { targets: string[] }[] }[] }>(
      mounted('prometheus', '/etc/prometheus/prometheus.yml'),
    );
    const targets = Object.fromEntries(config.scrape_configs.map((job) => [job.job_name, { path: job.metrics_path ?? '/metrics', targets: job.static_configs.flatMap((c) => c.targets) }]));
    const api = compose.services.api!.environment!;
    expect(targets['kassa-api']).toEqual({ path: '/metrics', targets: [`api:${api.KASSA_API_PORT}`] });
    expect(api.KASSA_API_HOST).toBe('0.0.0.0');
    for (const name of ['watcher', 'worker']) {
      const environment = compose.services[name]!.environment!;
      expect(environment.KASSA_METRICS_HOST).toBe('0.0.0.0');
      expect(targets[`kassa-${name}`]).toEqual({ path: '/metrics', targets: [`${name}:${environment.KASSA_METRICS_PORT}`] });
    }
    expect(compose.services.prometheus!.ports).toContain('9090:9090');
  });

  it('provisions Grafana with the Prometheus data source and a dashboard of lag and webhook health on metrics Kassa exports', () => {
    const provisioning = mounted('grafana', '/etc/grafana/provisioning');
    const datasources = readYaml<{ datasources: { uid: string; type: string; url: string }[] }>(`${provisioning}/datasources/prometheus.yml`).datasources;
    expect(datasources).toEqual([expect.objectContaining({ type: 'prometheus', url: 'http://prometheus:9090' })]);
    const providers = readYaml<{ providers: { options: { path: string } }[] }>(`${provisioning}/dashboards/kassa.yml`).providers;
    const dashboardDir = mounted('grafana', providers[0]!.options.path);

    interface Panel { type: string; title: string; datasource?: { uid: string }; targets?: { expr: string }[] }
    const dashboard = JSON.parse(readFileSync(path.join(ROOT, dashboardDir, 'kassa.json'), 'utf8')) as { uid: string; panels: Panel[] };
    const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
    const exprs = panels.flatMap((panel) => panel.targets!.map((target) => target.expr));
    for (const panel of panels) expect({ title: panel.title, uid: panel.datasource?.uid }).toEqual({ title: panel.title, uid: datasources[0]!.uid });

    // Every series a panel queries is one Kassa exports (histograms through their _bucket).
    const exported = new Set(new KassaMetrics(false).registry.getMetricsAsArray().map((metric) => metric.name));
    const queried = [...new Set(exprs.flatMap((expr) => expr.match(/kassa_[a-z_]+/g) ?? []))];
    expect(queried.filter((name) => !exported.has(name.replace(/_bucket$/, '')))).toEqual([]);
    for (const needed of ['kassa_chain_lag_blocks', 'kassa_chain_lag_seconds', 'kassa_payment_time_to_paid_seconds_bucket', 'kassa_webhook_deliveries_total', 'kassa_webhook_queue_depth', 'kassa_webhook_oldest_pending_delivery_age_seconds']) {
      expect(queried).toContain(needed);
    }
    expect(compose.services.grafana!.ports).toContain('3001:3000');
  });
});
