import { KassaMetrics } from './kassa-metrics';
import { startMetricsServer } from './metrics-server';

/** A watcher or worker run on its own answers Prometheus on its metrics port. */
describe('the metrics port of a watcher or worker', () => {
  it('serves its metrics as Prometheus text at /metrics and nothing else', async () => {
    const metrics = new KassaMetrics();
    metrics.webhookDeliveries.inc({ outcome: 'failed' });
    const server = await startMetricsServer(metrics, '127.0.0.1', 0);
    try {
      const response = await fetch(server.url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      expect(text).toContain('kassa_webhook_deliveries_total{outcome="failed"} 1');
      expect(text).toContain('process_cpu_user_seconds_total');
      expect((await fetch(server.url.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
