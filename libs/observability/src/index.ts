export * from './metrics/kassa-metrics';
export * from './metrics/metrics.module';
export * from './metrics/metrics-server';
export * from './logging/redaction';
export * from './logging/kassa-logger';
