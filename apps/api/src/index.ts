export * from './api.module';
export * from './bootstrap';
export * from './health/chain-health';
export * from './events/redeliver-event.use-case';
